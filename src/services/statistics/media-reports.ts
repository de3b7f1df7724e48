import { auditIdentity, requirePermission, type Actor } from '../../domain/actor.ts';
import { HifazatError } from '../../domain/errors.ts';
import { isUuid } from '../../domain/uuid.ts';
import {
  mediaColumns,
  mediaRowKey,
  parseMediaCsv,
  validateMediaRow,
  type ImportProblem,
  type MediaColumn,
  type MediaRecord,
} from '../../domain/media.ts';
import { pakistanToday } from '../../domain/pakistan-time.ts';
import { unknown } from '../../domain/report.ts';
import type { DuplicateSuggestion, MediaEntry, MediaReportStore } from '../../store/media-reports.ts';
import type { AuditLog } from '../audit.ts';
import type { DistrictDirectory } from '../districts.ts';
import type { NamedDistrict } from '../../store/districts.ts';

export type { DuplicateSuggestion, MediaEntry };

export interface ImportResult {
  /** Data rows in the file. */
  rows: number;
  /** Rows imported: all of them, or none when any row has a problem (see README, "Statistics"). */
  imported: number;
  problems: ImportProblem[];
}

const maxDuplicateSuggestions = 100;

/**
 * Newspaper reports, counted in the statistics beside the hotline's cases: entered one at a time
 * or as a CSV file (workCases roles, or the command line), removed when counted twice, and the
 * likely duplicates to look at. Every entry, import and removal is audited.
 */
export class MediaReports {
  constructor(
    private readonly store: Pick<MediaReportStore, 'existingRowKeys' | 'insert' | 'recent' | 'remove' | 'likelySameIncident'>,
    private readonly audit: Pick<AuditLog, 'transaction'>,
    private readonly districts: Pick<DistrictDirectory, 'namedBy'>,
    private readonly now: () => Date,
  ) {}

  /** One newspaper report, from the console's form (fields named as the CSV columns). Returns its incident record's id. */
  async addMedia(actor: Actor, input: Partial<Record<MediaColumn, string>>): Promise<string> {
    requirePermission(actor, 'workCases');
    const result = validateMediaRow(input, pakistanToday(this.now()));
    if (!result.ok) throw new HifazatError('validation_failed', 'The newspaper report has invalid fields.', { issues: result.issues });
    const record = (await this.#withListedPlaces([result.record]))[0]!;
    return this.audit.transaction(actor, async (tx, audit) => {
      if ((await this.store.existingRowKeys(tx, [mediaRowKey(record)])).size) {
        throw new HifazatError('validation_failed', 'This newspaper report is already entered.', {
          issues: [{ field: 'headline', problem: 'already_imported' }],
        });
      }
      const [id] = await this.store.insert(tx, [record], auditIdentity(actor).actorId);
      audit({ action: 'media.add', objectType: 'incident', objectId: id! });
      return id!;
    });
  }

  /**
   * Imports a CSV file of newspaper reports, all or nothing: when any row has a problem
   * (including a row already imported), nothing is imported and every problem is reported by
   * row and column, so the corrected file can simply be imported again. Audited either way.
   */
  async importMedia(actor: Actor, file: Uint8Array): Promise<ImportResult> {
    requirePermission(actor, 'workCases');
    const parsed = parseMediaCsv(file, pakistanToday(this.now()));
    const listed = await this.#withListedPlaces(parsed.records.map((r) => r.record));
    const records = parsed.records.map((r, i) => ({ row: r.row, record: listed[i]! }));
    return this.audit.transaction(actor, async (tx, audit) => {
      const existing = await this.store.existingRowKeys(
        tx,
        records.map((r) => mediaRowKey(r.record)),
      );
      const problems = [
        ...parsed.problems,
        ...records
          .filter((r) => existing.has(mediaRowKey(r.record)))
          .map((r): ImportProblem => ({ row: r.row, column: null, problem: 'already_imported' })),
      ].sort(
        (a, b) =>
          a.row - b.row ||
          (a.column === null ? -1 : mediaColumns.indexOf(a.column)) - (b.column === null ? -1 : mediaColumns.indexOf(b.column)),
      );
      if (parsed.rows === 0 && problems.length === 0) problems.push({ row: 1, column: null, problem: 'no_rows' });
      const imported =
        problems.length === 0
          ? (
              await this.store.insert(
                tx,
                records.map((r) => r.record),
                auditIdentity(actor).actorId,
              )
            ).length
          : 0;
      audit({ action: 'media.import', details: { rows: parsed.rows, imported, problems: problems.length } });
      return { rows: parsed.rows, imported, problems };
    });
  }

  /** The newest newspaper reports entered. */
  async recentMedia(actor: Actor, limit = 50): Promise<MediaEntry[]> {
    requirePermission(actor, 'readCases');
    return this.store.recent(limit);
  }

  /** Removes a newspaper report counted twice (its incident record goes with it). Audited. */
  async removeMedia(actor: Actor, incidentId: string): Promise<void> {
    requirePermission(actor, 'workCases');
    if (!isUuid(incidentId)) throw new HifazatError('not_found', 'No such newspaper report.');
    await this.audit.transaction(actor, async (tx, audit) => {
      if (!(await this.store.remove(tx, incidentId))) throw new HifazatError('not_found', 'No such newspaper report.');
      audit({ action: 'media.remove', objectType: 'incident', objectId: incidentId });
    });
  }

  /**
   * Newspaper reports that are likely the same incident (domain/same-incident.ts) as another
   * record, a hotline case or an earlier newspaper report. Suggestions only.
   */
  async duplicates(actor: Actor): Promise<DuplicateSuggestion[]> {
    requirePermission(actor, 'readCases');
    return this.store.likelySameIncident(maxDuplicateSuggestions);
  }

  /**
   * The records with their districts named as on the list when the typed name is listed (in either
   * language: store/districts.ts), and the province when only the district was given: a typed name
   * is the listed district in the record's province or, when the province is not known, the only
   * district it names.
   */
  async #withListedPlaces(records: readonly MediaRecord[]): Promise<MediaRecord[]> {
    const typed = new Set(records.flatMap((r) => (r.district ? [r.district] : [])));
    const named = new Map<string, NamedDistrict[]>();
    for (const d of await this.districts.namedBy([...typed])) named.set(d.typed, [...(named.get(d.typed) ?? []), d]);
    return records.map((r) => {
      if (!r.district) return r;
      const matches = named.get(r.district) ?? [];
      const inProvince = matches.filter((m) => m.province === r.province);
      const match = inProvince[0] ?? (r.province === unknown && matches.length === 1 ? matches[0] : undefined);
      return match ? { ...r, district: match.nameEn, province: match.province } : r;
    });
  }
}
