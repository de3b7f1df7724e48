import type { FastifyPluginAsync } from 'fastify';
import { HifazatError } from '../../domain/errors.ts';
import { languages } from '../../domain/report.ts';
import { releaseCsv, type Release } from '../../domain/statistics.ts';
import type { Services } from '../../services/index.ts';
import type { StoredRelease } from '../../services/statistics/releases.ts';
import { sendPage } from '../errors.ts';
import { messages } from '../i18n/index.ts';
import type { PageContext } from '../views/layout.ts';
import { annualReportPage, dashboardPage, districtKey, type DistrictNames } from '../views/statistics.ts';

const notFound = () => new HifazatError('not_found', 'No such release.');

/** A release id in a path or query ("3", or "3.csv" / "3.json" in the API), or undefined. */
function releaseId(value: string | undefined): { id: number; format: 'json' | 'csv' } | undefined {
  const match = /^([1-9]\d{0,9})(?:\.(json|csv))?$/.exec(value ?? '');
  return match ? { id: Number(match[1]), format: (match[2] as 'json' | 'csv' | undefined) ?? 'json' } : undefined;
}

/** A release as the API gives it: each table with its dimension, rows and cells; withheld cells null with suppressed: true. */
export function releaseJson(stored: StoredRelease) {
  const release: Release = stored.release;
  return {
    id: stored.id,
    publishedAt: stored.createdAt.toISOString(),
    ...release,
    tables: release.tables.map((table) => ({ dimension: table.id, ...table })),
    links: {
      json: `/api/v1/statistics/releases/${stored.id}`,
      csv: `/api/v1/statistics/releases/${stored.id}.csv`,
      dashboard: `/en/statistics?release=${stored.id}`,
    },
  };
}

/**
 * Published releases as JSON and CSV, in the API (registered under /api). Only releases are
 * shown here, never live counts.
 */
export function statisticsApiRoutes(services: Services): FastifyPluginAsync {
  return async (app) => {
    app.get('/statistics/releases', async () => ({
      releases: (await services.statistics.listReleases()).map((r) => ({
        id: r.id,
        period: r.period,
        k: r.k,
        publishedAt: r.createdAt.toISOString(),
        total: r.total,
        links: { json: `/api/v1/statistics/releases/${r.id}`, csv: `/api/v1/statistics/releases/${r.id}.csv` },
      })),
    }));

    app.get<{ Params: { id: string } }>('/statistics/releases/:id', async (request, reply) => {
      const wanted = releaseId(request.params.id);
      const stored = wanted ? await services.statistics.getRelease(wanted.id) : null;
      if (!wanted || !stored) throw notFound();
      if (wanted.format === 'json') return releaseJson(stored);
      return reply
        .type('text/csv; charset=utf-8')
        .header('Content-Disposition', `attachment; filename="hifazat-statistics-${stored.id}.csv"`)
        .send(releaseCsv(stored.release));
    });
  };
}

/**
 * Published statistics for everyone: the dashboard and the annual report in Urdu and English
 * (server-rendered, no script needed), from releases only.
 */
export function statisticsRoutes(services: Services): FastifyPluginAsync {
  const districtNames = async (): Promise<DistrictNames> =>
    new Map((await services.districts.list()).map((d) => [districtKey(d.province, d.nameEn), d.nameUr]));

  return async (app) => {
    for (const lang of languages) {
      type Query = { release?: string; digits?: string };
      const ctx = (page: string): PageContext => ({ lang, t: messages[lang], page });
      const urduDigits = (query: Query) => lang === 'ur' && query.digits === 'urdu';

      app.get<{ Querystring: Query }>(`/${lang}/statistics`, async (request, reply) => {
        const releases = await services.statistics.listReleases();
        const wanted = request.query.release === undefined ? releases[0]?.id : releaseId(request.query.release)?.id;
        const stored = wanted === undefined ? null : await services.statistics.getRelease(wanted);
        if (request.query.release !== undefined && !stored) throw notFound();
        const page = `/statistics${stored && request.query.release !== undefined ? `?release=${stored.id}` : ''}`;
        return sendPage(
          reply,
          dashboardPage(ctx(page), {
            releases,
            current: stored ? { summary: stored, release: stored.release } : null,
            urduDigits: urduDigits(request.query),
            districtNames: await districtNames(),
          }),
        );
      });

      app.get<{ Querystring: Query }>(`/${lang}/statistics/report`, async (request, reply) => {
        const wanted =
          request.query.release === undefined ? (await services.statistics.listReleases())[0]?.id : releaseId(request.query.release)?.id;
        const stored = wanted === undefined ? null : await services.statistics.getRelease(wanted);
        if (!stored) throw notFound();
        return sendPage(
          reply,
          annualReportPage(ctx(`/statistics/report?release=${stored.id}`), {
            summary: stored,
            release: stored.release,
            urduDigits: urduDigits(request.query),
            districtNames: await districtNames(),
          }),
        );
      });
    }
  };
}
