import type { StaffActor } from '../../domain/actor.ts';
import { parseInput } from '../../domain/errors.ts';
import { classificationSchema, type Classification } from '../../domain/classification.ts';
import type { CaseReportStore, ClassificationValues } from '../../store/case-reports.ts';
import type { CaseStore } from '../../store/cases.ts';
import { notFound, type CaseAccess } from './access.ts';

/** Classification of reports and of their links under Pakistani law (domain/classification.ts). */
export class CaseClassification {
  constructor(
    private readonly access: CaseAccess,
    private readonly reports: Pick<CaseReportStore, 'url' | 'classify' | 'classifyUrl'>,
    private readonly cases: Pick<CaseStore, 'classifyIncident'>,
    private readonly now: () => Date,
  ) {}

  /**
   * Classifies a report. The case's anonymous incident record takes its category, and the
   * victim's sex and age band where the analyst knows them; a new case becomes triaged.
   */
  async classifyReport(actor: StaffActor, reportId: string, input: unknown): Promise<void> {
    const c = parseInput(classificationSchema, input);
    await this.access.audit.transaction(actor, async (tx, audit) => {
      const { report, case: row } = await this.access.openReport(tx, actor, reportId, 'work', audit);
      await this.reports.classify(tx, report.id, this.#values(c, actor));
      await this.cases.classifyIncident(
        tx,
        row.id,
        {
          category: c.category,
          // undefined leaves the column as the reporter answered it.
          victimSex: c.victimSex === 'unknown' ? undefined : c.victimSex,
          ageBand: c.victimAgeBand === 'unknown' ? undefined : c.victimAgeBand,
        },
        this.now(),
      );
      audit({ action: 'report.classify', objectType: 'report', objectId: report.id, details: { category: c.category } });
      if (row.state === 'new') await this.access.moveTo(tx, row, 'triaged', audit);
    });
  }

  /** Classifies one link of a report (its position in the report). */
  async classifyUrl(actor: StaffActor, reportId: string, position: number, input: unknown): Promise<void> {
    const c = parseInput(classificationSchema, input);
    await this.access.audit.transaction(actor, async (tx, audit) => {
      const { report } = await this.access.openReport(tx, actor, reportId, 'work', audit);
      if (!(await this.reports.url(tx, report.id, position))) throw notFound('link');
      await this.reports.classifyUrl(tx, report.id, position, this.#values(c, actor));
      audit({ action: 'url.classify', objectType: 'report', objectId: report.id, details: { position, category: c.category } });
    });
  }

  #values(c: Classification, actor: StaffActor): ClassificationValues {
    return { ...c, viewedBy: c.viewedBy ?? null, classifiedBy: actor.id, classifiedAt: this.now() };
  }
}
