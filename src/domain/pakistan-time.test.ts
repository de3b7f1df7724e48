import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pakistanDateTime, pakistanTimeZone, pakistanToday } from './pakistan-time.ts';

test("pakistanToday turns at midnight in Pakistan, 19:00 UTC, and agrees with Intl's Asia/Karachi", () => {
  assert.equal(pakistanToday(new Date('2026-03-10T18:59:59Z')), '2026-03-10');
  assert.equal(pakistanToday(new Date('2026-03-10T19:00:00Z')), '2026-03-11');
  const intl = new Intl.DateTimeFormat('en-CA', { timeZone: pakistanTimeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  for (let hour = 0; hour < 24 * 400; hour += 7) {
    const at = new Date(Date.UTC(2026, 0, 1) + hour * 3600_000);
    assert.equal(pakistanToday(at), intl.format(at), at.toISOString());
  }
});

test('pakistanDateTime reads a datetime-local value in Pakistan time and leaves anything else for validation', () => {
  assert.equal(new Date(pakistanDateTime('2026-11-29T10:00')!).toISOString(), '2026-11-29T05:00:00.000Z');
  assert.equal(pakistanDateTime('2026-11-29T10:00:30.5'), '2026-11-29T10:00:30.5+05:00');
  assert.equal(pakistanDateTime('yesterday'), 'yesterday');
  assert.equal(pakistanDateTime(undefined), undefined);
});
