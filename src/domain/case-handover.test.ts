import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  canonicalJson,
  contactApprovalExpiresAt,
  contactApprovalUsable,
  courtChecklistUpdateSchema,
  mayDecideContactRequest,
  pakistanIsoTime,
  type ContactRequestState,
} from './case-handover.ts';

const supervisor = { id: 'a', email: 'a@x', role: 'supervisor' } as const;
const otherSupervisor = { id: 'b', email: 'b@x', role: 'supervisor' } as const;
const analyst = { id: 'c', email: 'c@x', role: 'analyst' } as const;
const decidedAt = new Date('2026-03-01T10:00:00Z');
const hour = 3_600_000;

test('canonical JSON sorts keys at every level, leaves arrays in order, and drops undefined fields', () => {
  assert.equal(
    canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 'ü' }], c: null }, e: undefined }),
    '{"a":{"c":null,"d":[3,{"y":"ü","z":1}]},"b":1}',
  );
  assert.equal(canonicalJson({ a: 1, b: 2 }), canonicalJson({ b: 2, a: 1 }), 'the same value, the same bytes');
  assert.equal(canonicalJson('"\n'), '"\\"\\n"');
});

test('times are written in Pakistan time with their offset', () => {
  assert.equal(pakistanIsoTime(new Date('2026-03-01T21:30:05.123Z')), '2026-03-02T02:30:05.123+05:00');
});

test('a request is decided by a supervisor other than the one who asked, once', () => {
  const waiting: ContactRequestState = { requestedBy: supervisor.id, decision: null, decidedAt: null, usedAt: null };
  assert.equal(mayDecideContactRequest(supervisor, waiting), false, 'not one’s own');
  assert.equal(mayDecideContactRequest(otherSupervisor, waiting), true);
  assert.equal(mayDecideContactRequest(analyst, { ...waiting, requestedBy: otherSupervisor.id }), false, 'analysts do not decide');
  assert.equal(mayDecideContactRequest(otherSupervisor, { ...waiting, decision: 'refused', decidedAt }), false, 'decided already');
});

test('an approval is used once, by the one who asked, within its hours', () => {
  const approved: ContactRequestState = { requestedBy: analyst.id, decision: 'approved', decidedAt, usedAt: null };
  const expires = contactApprovalExpiresAt(decidedAt);
  assert.equal(expires.getTime() - decidedAt.getTime(), 24 * hour);
  assert.equal(contactApprovalUsable(approved, analyst, new Date(decidedAt.getTime() + hour)), true);
  assert.equal(contactApprovalUsable(approved, analyst, expires), false, 'expired');
  assert.equal(contactApprovalUsable(approved, supervisor, new Date(decidedAt.getTime() + hour)), false, 'someone else');
  assert.equal(contactApprovalUsable({ ...approved, usedAt: decidedAt }, analyst, new Date(decidedAt.getTime() + hour)), false, 'used');
  assert.equal(contactApprovalUsable({ ...approved, decision: 'refused' }, analyst, new Date(decidedAt.getTime() + hour)), false);
});

test('a checklist item is one of the closed list; its note is short free text, empty meaning none', () => {
  assert.deepEqual(courtChecklistUpdateSchema.parse({ item: 'interpreter', done: true, note: '  Pashto \r\n' }), {
    item: 'interpreter',
    done: true,
    note: 'Pashto',
  });
  assert.equal(courtChecklistUpdateSchema.parse({ item: 'legal_aid', done: false, note: '' }).note, undefined);
  assert.equal(courtChecklistUpdateSchema.safeParse({ item: 'lie_detector', done: true }).success, false);
  assert.equal(courtChecklistUpdateSchema.safeParse({ item: 'legal_aid', done: true, note: 'x'.repeat(1001) }).success, false);
});
