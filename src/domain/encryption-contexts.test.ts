import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backupContexts, caseContexts, keyPurposes, reportContexts, staffContexts } from './encryption-contexts.ts';

// These strings are part of every ciphertext and keyed hash already stored. A test that fails here
// means a change that makes stored reports, notes and secrets unreadable and receipts unfindable:
// do not update the expected strings; add a migration that re-encrypts the data first.

const id = '6f1c2a3b-0000-4000-8000-000000000001';

test('report contexts are pinned', () => {
  assert.equal(reportContexts.sensitive(id), `reports/${id}/sensitive`);
  assert.equal(reportContexts.contact(id), `reports/${id}/contact`);
  assert.equal(reportContexts.district(id), `reports/${id}/district`);
  assert.equal(reportContexts.url(id, 3), `report_urls/${id}/3`);
  assert.equal(reportContexts.message(id, 'reporter'), `report_messages/${id}/reporter`);
  assert.equal(reportContexts.message(id, 'staff'), `report_messages/${id}/staff`);
  assert.equal(reportContexts.idempotentReceipt(Buffer.from([0x00, 0xab, 0xff])), 'idempotency_keys/00abff');
  assert.deepEqual(Object.keys(reportContexts).sort(), ['contact', 'district', 'idempotentReceipt', 'message', 'sensitive', 'url']);
});

test('case work and staff contexts are pinned', () => {
  assert.equal(caseContexts.note(42), 'case_notes/42/body');
  assert.equal(caseContexts.referralNotes(7), 'referrals/7/notes');
  assert.equal(staffContexts.totpSecret(id), `staff_users/${id}/totp_secret`);
  assert.equal(caseContexts.courtChecklistNote(id, 'interpreter'), `case_court_checklist/${id}/interpreter/note`);
  assert.deepEqual(Object.keys(caseContexts).sort(), ['courtChecklistNote', 'note', 'referralNotes']);
  assert.deepEqual(Object.keys(staffContexts), ['totpSecret']);
});

test('the backup key check context is pinned', () => {
  assert.deepEqual(backupContexts, { keyCheck: 'backup/key-check' });
});

test('key purposes (the names of the data key’s subkeys) are pinned', () => {
  assert.deepEqual(keyPurposes, [
    'field-encryption',
    'receipt-lookup',
    'url-lookup',
    'idempotency',
    'pow-signature',
    'recovery-code',
    'audit-chain',
    'client-throttle',
  ]);
});

test('no two contexts of one row can be confused', () => {
  const contexts = [
    reportContexts.sensitive(id),
    reportContexts.contact(id),
    reportContexts.district(id),
    reportContexts.url(id, 0),
    reportContexts.message(id, 'reporter'),
    reportContexts.message(id, 'staff'),
    staffContexts.totpSecret(id),
  ];
  assert.equal(new Set(contexts).size, contexts.length);
});
