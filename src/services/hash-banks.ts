import { randomUUID } from 'node:crypto';
import type { Actor } from '../domain/actor.ts';
import { HifazatError } from '../domain/errors.ts';
import { formatBankFile, parseBankFile, type BankEntryInput, type CsvProblem } from '../domain/signals.ts';
import type { Bank, EntryDescription, HashBankStore } from '../store/hash-banks.ts';
import type { AuditLog } from './audit.ts';

export interface ImportResult {
  layout: string | undefined;
  added: number;
  /** Already in the bank (the same signal type and value). */
  alreadyPresent: number;
  problems: CsvProblem[];
}

/**
 * Named banks of known-image signals, kept in the database. Entries are never deleted: one found
 * to be a false positive is disabled for everyone by the hotline's staff (with its reason,
 * audited) and can be enabled again; a platform's feedback hides it from that platform's key only
 * (`ApiKeys.feedback`). Every change is audited, with identifiers and counts, never signals.
 */
export class HashBanks {
  constructor(
    private readonly store: Pick<
      HashBankStore,
      'list' | 'byName' | 'insertBank' | 'insertEntries' | 'insertEntry' | 'enabledEntriesOf' | 'setDisabled' | 'describe'
    >,
    private readonly audit: Pick<AuditLog, 'transaction'>,
    /** Called after a change commits, so that this process's index sees it at once. */
    private readonly onChange: () => Promise<void> = async () => {},
  ) {}

  list(): Promise<Bank[]> {
    return this.store.list();
  }

  async byName(name: string): Promise<{ id: string; name: string }> {
    const bank = await this.store.byName(name);
    if (!bank) throw new HifazatError('not_found', `No bank named "${name}".`);
    return bank;
  }

  async create(actor: Actor, name: string, description: string | null = null): Promise<string> {
    if (!/^[a-z0-9][a-z0-9_-]{0,62}$/.test(name)) {
      throw new HifazatError('validation_failed', 'Bank names are lower-case letters, digits, - and _.', {
        issues: [{ field: 'name', problem: 'invalid' }],
      });
    }
    const id = randomUUID();
    await this.audit.transaction(actor, async (tx, audit) => {
      if (!(await this.store.insertBank(tx, { id, name, description }))) {
        throw new HifazatError('validation_failed', `A bank named "${name}" exists.`, { issues: [{ field: 'name', problem: 'taken' }] });
      }
      audit({ action: 'bank.create', objectType: 'bank', objectId: id, details: { name } });
    });
    return id;
  }

  /**
   * Imports a bank file (Hifazat CSV, ThreatExchange/HMA signal lines, or PDQ tool output).
   * Good lines are added in one transaction; bad lines are reported with their line numbers
   * and nothing of theirs is stored. Audited with the counts.
   */
  async import(actor: Actor, bankName: string, text: string, source: string | null = null): Promise<ImportResult> {
    const bank = await this.byName(bankName);
    const { layout, entries, problems } = parseBankFile(text, { source });
    const added = await this.audit.transaction(actor, async (tx, audit) => {
      const added = await this.store.insertEntries(tx, bank.id, entries);
      audit({
        action: 'bank.import',
        objectType: 'bank',
        objectId: bank.id,
        details: { layout: layout ?? null, added, alreadyPresent: entries.length - added, refused: problems.length },
      });
      return added;
    });
    if (added > 0) await this.onChange();
    return { layout, added, alreadyPresent: entries.length - added, problems };
  }

  /** The new entry's id (audited); undefined when the bank has it already. */
  async add(actor: Actor, bankName: string, entry: BankEntryInput): Promise<number | undefined> {
    const bank = await this.byName(bankName);
    const id = await this.audit.transaction(actor, async (tx, audit) => {
      const id = await this.store.insertEntry(tx, bank.id, entry);
      if (id !== undefined)
        audit({ action: 'bank_entry.add', objectType: 'bank_entry', objectId: String(id), details: { bankId: bank.id } });
      return id;
    });
    if (id !== undefined) await this.onChange();
    return id;
  }

  /** The bank's enabled entries as Hifazat CSV (disabled ones are known false positives). */
  async export(bankName: string): Promise<string> {
    const bank = await this.byName(bankName);
    const rows = await this.store.enabledEntriesOf(bank.id);
    return formatBankFile(rows.map((r) => ({ type: r.signalType, value: r.signal, quality: r.quality, label: r.label, source: r.source })));
  }

  /**
   * Disables an entry for every key (a `reason`), or enables it again (null): the hotline's
   * decision, never a platform's, audited as 'bank_entry.disable' or 'bank_entry.enable'.
   */
  async setDisabled(actor: Actor, entryId: number, reason: string | null): Promise<void> {
    if (!Number.isSafeInteger(entryId) || entryId < 1 || entryId > 2_147_483_647)
      throw new HifazatError('not_found', 'No such bank entry.');
    await this.audit.transaction(actor, async (tx, audit) => {
      const updated = await this.store.setDisabled(tx, entryId, reason);
      if (!updated) throw new HifazatError('not_found', 'No such bank entry.');
      audit({
        action: reason === null ? 'bank_entry.enable' : 'bank_entry.disable',
        objectType: 'bank_entry',
        objectId: String(entryId),
        details: { bankId: updated.bankId, ...(reason === null ? {} : { reason }) },
      });
    });
    await this.onChange();
  }

  /** The entries' descriptions, read from the database (`MatchIndex.describe` keeps them in memory). */
  describe(entryIds: number[]): Promise<Map<number, EntryDescription>> {
    return this.store.describe(entryIds);
  }
}
