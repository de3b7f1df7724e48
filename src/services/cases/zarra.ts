import type { StaffActor } from '../../domain/actor.ts';
import { parseInput } from '../../domain/errors.ts';
import { isZarraCase, zarraClock, zarraRecordSchema, type ZarraClock, type ZarraRecordInput } from '../../domain/zarra.ts';
import type { CaseRow } from '../../store/cases.ts';
import type { ZarraColumns, ZarraStore } from '../../store/zarra.ts';
import { invalidState, type CaseAccess } from './access.ts';

/** A case's ZARRA record and clock, as its page shows them. */
export interface ZarraStatus {
  caseId: string;
  /** The case's first receipt, from which the clock runs. */
  receivedAt: Date;
  /** Whether the case is classified missing, abduction or kidnapping (domain/zarra.ts). */
  applies: boolean;
  /** The clock now; null when ZARRA does not apply. */
  clock: ZarraClock | null;
  recorded: ZarraColumns;
}

const recordedOf = (row: CaseRow): ZarraColumns => ({
  notifiedAt: row.zarra1099NotifiedAt,
  reference: row.zarra1099Reference,
  firRegisteredAt: row.zarraFirRegisteredAt,
  firNumber: row.zarraFirNumber,
});

/** How each recorded field is named in the audit entry's details. */
const auditKeys: Record<keyof ZarraColumns, string> = {
  notifiedAt: 'zarraNotifiedAt',
  reference: 'zarraReference',
  firRegisteredAt: 'zarraFirRegisteredAt',
  firNumber: 'zarraFirNumber',
};

const same = (a: Date | string | null, b: Date | string | null) =>
  a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : a === b;
const shown = (v: Date | string | null) => (v instanceof Date ? v.toISOString() : v);

/**
 * The ZARRA clock of a missing, abducted or kidnapped child's case (domain/zarra.ts): when 1099 is
 * to be notified, whether that is overdue, and what staff recorded (1099 notified, FIR registered).
 */
export class CaseZarra {
  constructor(
    private readonly access: CaseAccess,
    private readonly store: Pick<ZarraStore, 'facts' | 'record'>,
    private readonly now: () => Date,
  ) {}

  /**
   * A case's ZARRA status, for those who may read the case. Not audited of itself: it shows no
   * content, and the case page that shows it records 'case.view'.
   */
  async status(actor: StaffActor, caseId: string): Promise<ZarraStatus | null> {
    return this.access.audit.transaction(actor, async (tx, audit) => {
      const row = await this.access.openCase(tx, actor, caseId, 'read', audit);
      const facts = await this.store.facts(tx, row.id);
      const receivedAt = facts.receivedAt ?? row.createdAt;
      const applies = isZarraCase(facts.categories);
      const recorded = recordedOf(row);
      return {
        caseId: row.id,
        receivedAt,
        applies,
        clock: applies
          ? zarraClock({ receivedAt, notifiedAt: recorded.notifiedAt, firRegisteredAt: recorded.firRegisteredAt }, this.now())
          : null,
        recorded,
      };
    });
  }

  /**
   * Records when 1099 was notified (and its reference) and when the FIR was registered (and its
   * number), for a ZARRA case; a time left empty is not recorded, or no longer. Only what changed
   * is written, audited as 'case.zarra' with each changed field from and to.
   */
  async record(actor: StaffActor, caseId: string, input: ZarraRecordInput): Promise<void> {
    await this.access.audit.transaction(actor, async (tx, audit) => {
      const row = await this.access.openCase(tx, actor, caseId, 'work', audit);
      const facts = await this.store.facts(tx, row.id);
      if (!isZarraCase(facts.categories)) throw invalidState('This case is not classified as a missing, abducted or kidnapped child.');
      const now = this.now();
      const record = parseInput(zarraRecordSchema({ receivedAt: facts.receivedAt ?? row.createdAt, now }), input);
      const before = recordedOf(row);
      const details: Record<string, { from: string | null; to: string | null }> = {};
      for (const key of Object.keys(auditKeys) as (keyof ZarraColumns)[]) {
        if (!same(before[key], record[key])) details[auditKeys[key]] = { from: shown(before[key]), to: shown(record[key]) };
      }
      if (Object.keys(details).length === 0) return;
      await this.store.record(tx, row.id, record, now);
      audit({ action: 'case.zarra', objectType: 'case', objectId: row.id, details });
    });
  }
}
