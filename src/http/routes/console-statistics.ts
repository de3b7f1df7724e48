import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HifazatError } from '../../domain/errors.ts';
import { mediaColumns, mediaLimits, type MediaColumn } from '../../domain/media.ts';
import { pakistanToday } from '../../domain/pakistan-time.ts';
import { type Language } from '../../domain/report.ts';
import { defaultK, periodIssues, type IncidentSource } from '../../domain/statistics.ts';
import type { Services } from '../../services/index.ts';
import type { ImportResult } from '../../services/statistics/media-reports.ts';
import { sendPage } from '../errors.ts';
import { single, type FormBody } from '../form-input.ts';
import type { ConsoleContext } from '../views/console/layout.ts';
import { consoleStatisticsPage, mediaPage, type MediaPageState, type StatisticsFilterValues } from '../views/console/statistics-pages.ts';
import { districtKey } from '../views/statistics.ts';

type Query = Partial<Record<'from' | 'to' | 'province' | 'source' | 'published', string>>;

/**
 * The console's statistics: live tables over unpublished data with filters and CSV export (staff
 * who read cases), newspaper reports one by one or as a CSV upload and their likely duplicates
 * (staff who work cases), and publishing a release (supervisors). Registered inside the console
 * plugin, so sessions, roles and CSRF are checked as for every console route.
 */
export function registerStatisticsRoutes(
  app: FastifyInstance,
  services: Services,
  lang: Language,
  ctx: (request: FastifyRequest, reply: FastifyReply, page: string) => ConsoleContext,
  recentlyReauthenticated: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>,
): void {
  const path = (page: string) => `/console/${lang}${page}`;
  const staffOf = (request: FastifyRequest) => request.staffSession!.staff;
  const read = { config: { consoleAccess: 'readCases' as const } };
  const work = { config: { consoleAccess: 'workCases' as const } };
  // Publishing is asked for only after a recent re-authentication (console.ts).
  const publish = { config: { consoleAccess: 'publishStatistics' as const }, preHandler: recentlyReauthenticated };
  const districtNames = async () => new Map((await services.districts.list()).map((d) => [districtKey(d.province, d.nameEn), d.nameUr]));

  /** The filter as typed; by default this year so far (Pakistan time). */
  const filterOf = (query: Query): StatisticsFilterValues => {
    const today = pakistanToday();
    return {
      from: query.from ?? `${today.slice(0, 4)}-01-01`,
      to: query.to ?? today,
      province: query.province ?? '',
      source: query.source ?? '',
    };
  };
  const serviceFilter = (f: StatisticsFilterValues) => ({
    period: { from: f.from, to: f.to },
    province: f.province || undefined,
    source: (f.source || undefined) as IncidentSource | undefined,
  });

  const renderStatistics = async (
    request: FastifyRequest,
    reply: FastifyReply,
    filter: StatisticsFilterValues,
    extra: { published?: number; publishIssues?: HifazatError; publishValues?: { from: string; to: string; k: string } } = {},
  ) => {
    const actor = staffOf(request);
    let preview = null;
    let filterError: HifazatError | undefined;
    try {
      preview = await services.statistics.preview(actor, serviceFilter(filter), defaultK);
    } catch (error) {
      if (!(error instanceof HifazatError) || error.code !== 'validation_failed') throw error;
      filterError = error;
    }
    const error = extra.publishIssues ?? filterError;
    const page = consoleStatisticsPage(ctx(request, reply, '/statistics'), {
      filter,
      preview,
      issues: error?.issues ?? [],
      issuesFor: extra.publishIssues ? 'publish' : filterError ? 'filter' : undefined,
      releases: await services.statistics.listReleases(),
      published: extra.published,
      publishValues: extra.publishValues,
      districtNames: await districtNames(),
    });
    return sendPage(reply, page, error);
  };

  app.get<{ Querystring: Query }>(path('/statistics'), read, async (request, reply) => {
    const published = Number(request.query.published);
    return renderStatistics(request, reply, filterOf(request.query), Number.isSafeInteger(published) && published > 0 ? { published } : {});
  });

  app.get<{ Querystring: Query }>(path('/statistics/export'), read, async (request, reply) => {
    const filter = filterOf(request.query);
    const issues = periodIssues(filter);
    if (issues.length) throw new HifazatError('validation_failed', 'Invalid filter.', { issues });
    const body = await services.statistics.exportCsv(staffOf(request), serviceFilter(filter));
    return reply
      .type('text/csv; charset=utf-8')
      .header('Content-Disposition', `attachment; filename="hifazat-statistics-${filter.from}-${filter.to}.csv"`)
      .send(body);
  });

  app.post(path('/statistics/publish'), publish, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, string | undefined>;
    const values = { from: body.from ?? '', to: body.to ?? '', k: body.k ?? '' };
    const k = values.k === '' ? undefined : /^\d{1,3}$/.test(values.k) ? Number(values.k) : Number.NaN;
    try {
      const id = await services.statistics.publish(staffOf(request), { from: values.from, to: values.to, k });
      const q = new URLSearchParams({ from: values.from, to: values.to, published: String(id) });
      return reply.redirect(path(`/statistics?${q}`), 303);
    } catch (error) {
      if (!(error instanceof HifazatError) || error.code !== 'validation_failed') throw error;
      return renderStatistics(request, reply, filterOf({}), { publishIssues: error, publishValues: values });
    }
  });

  /** A file with problems imports nothing; its problems are listed by row on the page. */
  const importRefused = () => new HifazatError('validation_failed', 'Nothing was imported: the file has problems.');
  const renderMedia = async (request: FastifyRequest, reply: FastifyReply, state: Partial<MediaPageState>, refusal?: HifazatError) => {
    const actor = staffOf(request);
    const page = mediaPage(ctx(request, reply, '/statistics/media'), {
      values: {},
      issues: [],
      ...state,
      recent: await services.statistics.recentMedia(actor),
      duplicates: await services.statistics.duplicates(actor),
    });
    return sendPage(reply, page, refusal);
  };

  app.get<{ Querystring: { added?: string; removed?: string } }>(path('/statistics/media'), work, async (request, reply) =>
    renderMedia(request, reply, { added: request.query.added === '1', removed: request.query.removed === '1' }),
  );

  app.post(path('/statistics/media'), work, async (request, reply) => {
    const body = (request.body ?? {}) as FormBody;
    const values = Object.fromEntries(
      mediaColumns.flatMap((c) => {
        const value = single(body[c]);
        return value === undefined ? [] : [[c, value]];
      }),
    ) as Partial<Record<MediaColumn, string>>;
    try {
      await services.statistics.addMedia(staffOf(request), values);
    } catch (error) {
      if (!(error instanceof HifazatError) || error.code !== 'validation_failed') throw error;
      return renderMedia(request, reply, { values, issues: error.issues }, error);
    }
    return reply.redirect(path('/statistics/media?added=1'), 303);
  });

  app.post<{ Params: { id: string } }>(path('/statistics/media/:id/remove'), work, async (request, reply) => {
    await services.statistics.removeMedia(staffOf(request), request.params.id);
    return reply.redirect(path('/statistics/media?removed=1'), 303);
  });

  // The upload is multipart/form-data (read by @fastify/multipart in the console plugin).
  const uploadLimit = mediaLimits.maxBytes + 64 * 1024;
  void app.register(async (upload) => {
    upload.post(
      path('/statistics/media/import'),
      { config: { ...work.config, consoleFormFiles: ['file'] }, bodyLimit: uploadLimit },
      async (request, reply) => {
        const file = (request.body as Record<string, unknown> | undefined)?.file;
        if (!Buffer.isBuffer(file) || file.length === 0) {
          const result: ImportResult = { rows: 0, imported: 0, problems: [{ row: 1, column: null, problem: 'no_file' }] };
          return renderMedia(request, reply, { importResult: result }, importRefused());
        }
        const result = await services.statistics.importMedia(staffOf(request), file);
        return renderMedia(request, reply, { importResult: result }, result.problems.length ? importRefused() : undefined);
      },
    );
  });
}
