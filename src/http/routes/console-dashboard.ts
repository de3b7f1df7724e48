import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { dashboardCsvName, dashboardFilterFields, type DashboardFilter } from '../../domain/dashboard.ts';
import { HifazatError } from '../../domain/errors.ts';
import type { Language } from '../../domain/report.ts';
import type { Services } from '../../services/index.ts';
import { sendPage } from '../errors.ts';
import type { ConsoleContext } from '../views/console/layout.ts';
import { dashboardPage, type DashboardFilterValues } from '../views/console/dashboard-page.ts';
import { districtKey } from '../views/statistics.ts';

type Query = Partial<Record<(typeof dashboardFilterFields)[number], string>>;

/**
 * The supervisor's dashboard (readDashboard): the page, and its figures as one CSV for exactly the
 * same query (the page's download link carries the filter it shows). Registered inside the console
 * plugin, so sessions and roles are checked as for every console route.
 */
export function registerDashboardRoutes(
  app: FastifyInstance,
  services: Services,
  lang: Language,
  ctx: (request: FastifyRequest, reply: FastifyReply, page: string) => ConsoleContext,
): void {
  const path = (page: string) => `/console/${lang}${page}`;
  const access = { config: { consoleAccess: 'readDashboard' as const } };
  /** The query's filter fields as typed; an empty field is as if absent (its default). */
  const asked = (query: Query) =>
    Object.fromEntries(dashboardFilterFields.flatMap((field) => (query[field] ? [[field, query[field]]] : []))) as Query;

  app.get<{ Querystring: Query }>(path('/dashboard'), access, async (request, reply) => {
    const typed = asked(request.query);
    let filter: DashboardFilter;
    try {
      filter = services.dashboard.filter(typed);
    } catch (error) {
      if (!(error instanceof HifazatError) || error.code !== 'validation_failed') throw error;
      const values: DashboardFilterValues = { from: typed.from ?? '', to: typed.to ?? '', province: typed.province ?? '' };
      const page = dashboardPage(ctx(request, reply, '/dashboard'), {
        values,
        figures: null,
        issues: error.issues,
        districtNames: new Map(),
      });
      return sendPage(reply, page, error);
    }
    const figures = await services.dashboard.figures(request.staffSession!.staff, filter);
    const districtNames = new Map((await services.districts.list()).map((d) => [districtKey(d.province, d.nameEn), d.nameUr]));
    const values: DashboardFilterValues = { from: filter.from, to: filter.to, province: filter.province ?? '' };
    return sendPage(reply, dashboardPage(ctx(request, reply, '/dashboard'), { values, figures, issues: [], districtNames }));
  });

  // A refused filter is a 400 (errors.ts): there is no file to give.
  app.get<{ Querystring: Query }>(path('/dashboard/export'), access, async (request, reply) => {
    const filter = services.dashboard.filter(asked(request.query));
    const body = await services.dashboard.exportCsv(request.staffSession!.staff, filter);
    return reply
      .type('text/csv; charset=utf-8')
      .header('Content-Disposition', `attachment; filename="${dashboardCsvName(filter)}"`)
      .send(body);
  });
}
