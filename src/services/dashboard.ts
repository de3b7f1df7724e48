import { requirePermission, type Actor } from '../domain/actor.ts';
import type { AgencyKind } from '../domain/classification.ts';
import { checkInput } from '../domain/errors.ts';
import {
  dashboardCsv,
  dashboardFilterSchema,
  dashboardRange,
  emptyClosures,
  emptyReferrals,
  emptyReplies,
  emptyTriage,
  provinceOrder,
  triageTargets,
  type DashboardFigures,
  type DashboardFilter,
  type DistrictFirFigures,
  type ReplyFigures,
  type TriageFigures,
} from '../domain/dashboard.ts';
import { pakistanToday } from '../domain/pakistan-time.ts';
import type { DashboardQuery, DashboardStore, ReplyRow, TriageRow } from '../store/dashboard.ts';
import type { AuditLog } from './audit.ts';

const triageOf = (r: TriageRow): TriageFigures => ({
  cases: r.cases,
  inTime: r.in_time,
  late: r.late,
  waitingOverdue: r.waiting_overdue,
  waiting: r.waiting,
  closedUntriaged: r.closed_untriaged,
  medianSeconds: r.median,
  p90Seconds: r.p90,
});
const repliesOf = (r: ReplyRow): ReplyFigures => ({ reports: r.reports, answered: r.answered, medianSeconds: r.median, p90Seconds: r.p90 });
const byProvince = <T extends { province: string }>(rows: T[]) =>
  rows.sort((a, b) => provinceOrder(a.province) - provinceOrder(b.province));

/**
 * The supervisor's dashboard (readDashboard: supervisors and auditors): the figures of a period and
 * province (what each counts: domain/dashboard.ts), on the page or as one CSV. Reading them is not
 * audited (aggregates, as the statistics' live tables); exporting them is, with the filter.
 */
export class Dashboard {
  constructor(
    private readonly store: Pick<DashboardStore, 'triage' | 'replies' | 'referrals' | 'closures'>,
    private readonly audit: Pick<AuditLog, 'transaction'>,
    private readonly now: () => Date,
  ) {}

  /** The filter from the page's address (absent fields take their defaults); a refusal lists the problems by field. */
  filter(query: Readonly<Record<string, string | undefined>>): DashboardFilter {
    const checked = checkInput(dashboardFilterSchema(pakistanToday(this.now())), query);
    if (!checked.ok) throw checked.error;
    return checked.data;
  }

  async figures(actor: Actor, filter: DashboardFilter): Promise<DashboardFigures> {
    requirePermission(actor, 'readDashboard');
    const query: DashboardQuery = { ...dashboardRange(filter), province: filter.province, now: this.now(), targetHours: triageTargets };
    const [triage, replies, referrals, closures] = await Promise.all([
      this.store.triage(query),
      this.store.replies(query),
      this.store.referrals(query),
      this.store.closures(query),
    ]);

    const figures: DashboardFigures = {
      filter,
      triage: { all: emptyTriage(), danger: emptyTriage(), other: emptyTriage() },
      triageByProvince: [],
      replies: emptyReplies(),
      repliesByProvince: [],
      referrals: emptyReferrals(),
      firByDistrict: [],
      closures: emptyClosures(),
    };
    for (const r of triage) {
      if (r.g === 3) figures.triage.all = triageOf(r);
      else if (r.g === 1) figures.triage[r.danger ? 'danger' : 'other'] = triageOf(r);
      else figures.triageByProvince.push({ province: r.province ?? 'unknown', figures: triageOf(r) });
    }
    byProvince(figures.triageByProvince);
    for (const r of replies) {
      if (r.g === 1) figures.replies = repliesOf(r);
      else figures.repliesByProvince.push({ province: r.province ?? 'unknown', figures: repliesOf(r) });
    }
    byProvince(figures.repliesByProvince);

    const districts = new Map<string, DistrictFirFigures>();
    for (const r of referrals) {
      if (!r.by_place) {
        figures.referrals[r.kind as AgencyKind][r.fir_status] += r.n;
        continue;
      }
      if (r.fir_status === 'not_applicable') continue;
      const province = r.province ?? 'unknown';
      const key = `${province}/${r.district ?? ''}`;
      const row = districts.get(key) ?? { province, district: r.district, registered: 0, refused: 0, pending: 0 };
      row[r.fir_status] += r.n;
      districts.set(key, row);
    }
    figures.firByDistrict = [...districts.values()].sort(
      (a, b) =>
        provinceOrder(a.province) - provinceOrder(b.province) ||
        Number(a.district === null) - Number(b.district === null) ||
        (a.district ?? '').localeCompare(b.district ?? '', 'en'),
    );
    for (const r of closures) if (r.reason) figures.closures[r.reason] += r.n;
    return figures;
  }

  /** The figures of exactly this filter as one CSV (domain/dashboard.ts, dashboardCsv); audited with the filter. */
  async exportCsv(actor: Actor, filter: DashboardFilter): Promise<string> {
    const figures = await this.figures(actor, filter);
    await this.audit.transaction(actor, async (_tx, audit) =>
      audit({ action: 'dashboard.export', details: { from: filter.from, to: filter.to, province: filter.province ?? null } }),
    );
    return dashboardCsv(figures);
  }
}
