import type { MessageAuthor } from './report.ts';

/**
 * Every string that ties the data key to what it protects, in one place.
 *
 * An encryption context is the associated data of a ciphertext (services/keys.ts): a value decrypts
 * only with the exact string it was sealed with, so one copied into another row or column fails
 * instead of being shown there. A key purpose names the subkey of a keyed hash or of the field
 * encryption. Changing any of these strings makes what is already stored unreadable (or its keyed
 * lookups find nothing); encryption-contexts.test.ts pins them.
 */

/** What reports hold: sealed by the report service, read by the console and the district sealing. */
export const reportContexts = {
  sensitive: (reportId: string) => `reports/${reportId}/sensitive`,
  contact: (reportId: string) => `reports/${reportId}/contact`,
  /** A district not on the district list, as typed (store/report-insert.ts keeps only the list's names in clear). */
  district: (reportId: string) => `reports/${reportId}/district`,
  url: (reportId: string, position: number) => `report_urls/${reportId}/${position}`,
  message: (reportId: string, author: MessageAuthor) => `report_messages/${reportId}/${author}`,
  /** The receipt kept for a retried submission, by its Idempotency-Key's keyed hash. */
  idempotentReceipt: (keyHash: Buffer) => `idempotency_keys/${keyHash.toString('hex')}`,
};

/** Case work: notes, referral notes and court-preparation notes. */
export const caseContexts = {
  note: (noteId: number) => `case_notes/${noteId}/body`,
  referralNotes: (referralId: number) => `referrals/${referralId}/notes`,
  /** A court-preparation checklist item's note (domain/case-handover.ts), by its case and item. */
  courtChecklistNote: (caseId: string, item: string) => `case_court_checklist/${caseId}/${item}/note`,
};

/** Staff accounts: the TOTP secret. */
export const staffContexts = {
  totpSecret: (userId: string) => `staff_users/${userId}/totp_secret`,
};

/** Backups: a known text sealed in every backup's header, to tell a wrong key file before restoring. */
export const backupContexts = {
  keyCheck: 'backup/key-check',
};

/** The data key's subkeys: one per purpose, so that no two purposes share a key. */
export const keyPurposes = [
  'field-encryption',
  'receipt-lookup',
  'url-lookup',
  'idempotency',
  'pow-signature',
  'recovery-code',
  'audit-chain',
  'client-throttle',
] as const;
export type KeyPurpose = (typeof keyPurposes)[number];
