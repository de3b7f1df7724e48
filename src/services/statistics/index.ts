import type { Database } from '../../store/database.ts';
import { MediaReportStore } from '../../store/media-reports.ts';
import { StatisticsCountStore } from '../../store/statistics-counts.ts';
import { StatisticsReleaseStore } from '../../store/statistics-releases.ts';
import type { AuditLog } from '../audit.ts';
import type { DistrictDirectory } from '../districts.ts';
import { StatisticsCounting } from './counting.ts';
import { LiveTables } from './live-tables.ts';
import { MediaReports } from './media-reports.ts';
import { Releases } from './releases.ts';

/**
 * The statistics use cases under one name, as routes, the command line and tests call them
 * (`services.statistics.publish(...)`): counting (counting.ts), the live tables for staff
 * (live-tables.ts), newspaper reports (media-reports.ts) and releases (releases.ts).
 */
export function createStatistics(database: Database, audit: AuditLog, districts: DistrictDirectory, now: () => Date) {
  const counting = new StatisticsCounting(new StatisticsCountStore(database), database.db, districts);
  const live = new LiveTables(counting, audit);
  const media = new MediaReports(new MediaReportStore(database), audit, districts, now);
  const releases = new Releases(new StatisticsReleaseStore(database), counting, audit, now);
  return {
    counts: counting.counts.bind(counting),
    liveCounts: counting.liveCounts.bind(counting),
    refreshStale: counting.refreshStale.bind(counting),
    preview: live.preview.bind(live),
    exportCsv: live.exportCsv.bind(live),
    addMedia: media.addMedia.bind(media),
    importMedia: media.importMedia.bind(media),
    recentMedia: media.recentMedia.bind(media),
    removeMedia: media.removeMedia.bind(media),
    duplicates: media.duplicates.bind(media),
    publish: releases.publish.bind(releases),
    listReleases: releases.listReleases.bind(releases),
    getRelease: releases.getRelease.bind(releases),
  };
}

export type StatisticsService = ReturnType<typeof createStatistics>;
