import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkInput } from './errors.ts';
import { pakistanToday } from './pakistan-time.ts';
import { filingIssues, isAcceptedDate, isAcceptedTime, reportDetailsSchema, reportInputSchema } from './report.ts';

const schema = reportInputSchema('2026-11-29');
const issuesOf = (input: unknown) => {
  const result = checkInput(schema, input);
  return result.ok ? [] : [...result.error.issues];
};

test('a minimal report needs only kind, language and its essential part; the rest is "unknown"', () => {
  const result = schema.parse({ kind: 'abuse', language: 'ur', description: 'mere bachay ko tang karta hai' });
  assert.equal(result.province, 'unknown');
  assert.equal(result.childAgeBand, 'unknown');
  assert.equal(result.policeStatus, 'unknown');
  assert.equal(result.inDangerNow, null);
  assert.deepEqual(result.urls, []);
});

test('online material needs a link; abuse needs a description', () => {
  assert.deepEqual(issuesOf({ kind: 'online_material', language: 'en' }), [{ field: 'urls', problem: 'url_required' }]);
  assert.deepEqual(issuesOf({ kind: 'abuse', language: 'en', description: '   ' }), [
    { field: 'description', problem: 'description_required' },
  ]);
  assert.deepEqual(issuesOf({ language: 'en' }), [{ field: 'kind', problem: 'required' }]);
});

test('links are normalised, de-duplicated and limited to 20', () => {
  const result = schema.parse({
    kind: 'online_material',
    language: 'en',
    urls: ['https://Example.com/a', 'https://example.com/a', '', 'example.com/b'],
  });
  assert.deepEqual(result.urls, ['https://example.com/a', 'http://example.com/b']);
  const many = Array.from({ length: 21 }, (_, i) => `https://example.com/${i}`);
  assert.deepEqual(issuesOf({ kind: 'online_material', language: 'en', urls: many }), [{ field: 'urls', problem: 'too_many_urls' }]);
  assert.deepEqual(issuesOf({ kind: 'online_material', language: 'en', urls: ['ok.example.com', 'nope'] }), [
    { field: 'urls.1', problem: 'invalid_url' },
  ]);
});

test('text in any script is accepted; control characters are not', () => {
  const urdu = 'ہمسایہ بچے کو تنگ کرتا ہے\r\nmere bachay ko tang karta hai\tEnglish too';
  assert.equal(schema.parse({ kind: 'abuse', language: 'ur', description: urdu }).description, urdu.replace('\r\n', '\n'));
  assert.deepEqual(issuesOf({ kind: 'abuse', language: 'ur', description: 'a\u0000b' }), [
    { field: 'description', problem: 'control_characters' },
  ]);
  assert.deepEqual(issuesOf({ kind: 'abuse', language: 'ur', description: 'a\u001bb' }), [
    { field: 'description', problem: 'control_characters' },
  ]);
});

test('dates must be real and not in the future (Pakistan time)', () => {
  const base = { kind: 'abuse', language: 'en', description: 'x' };
  assert.deepEqual(issuesOf({ ...base, occurredOn: '2026-02-30' }), [{ field: 'occurredOn', problem: 'invalid_date' }]);
  assert.deepEqual(issuesOf({ ...base, occurredOn: '2026-11-30' }), [{ field: 'occurredOn', problem: 'future_date' }]);
  assert.deepEqual(issuesOf({ ...base, occurredOn: '2026-11-29' }), []);
  assert.equal(pakistanToday(new Date('2026-11-29T19:30:00Z')), '2026-11-30');
});

test('enumerations refuse values outside their lists', () => {
  assert.deepEqual(issuesOf({ kind: 'abuse', language: 'en', description: 'x', childAgeBand: '16-18', province: 'karachi' }), [
    { field: 'province', problem: 'invalid_choice' },
    { field: 'childAgeBand', problem: 'invalid_choice' },
  ]);
});

test('unknown fields are named, also inside contact', () => {
  const issues = issuesOf({ kind: 'abuse', language: 'en', description: 'x', ip: '1.2.3.4', contact: { twitter: '@x' } });
  assert.deepEqual(
    issues.sort((a, b) => a.field.localeCompare(b.field)),
    [
      { field: 'contact.twitter', problem: 'unknown_field' },
      { field: 'ip', problem: 'unknown_field' },
    ],
  );
});

test('contact details need consent and a way to reach the person', () => {
  const base = { kind: 'abuse', language: 'en', description: 'x' };
  assert.deepEqual(issuesOf({ ...base, contact: { phone: '0300 1234567' } }), [{ field: 'contact.consent', problem: 'consent_required' }]);
  assert.deepEqual(issuesOf({ ...base, contact: { consent: true, name: 'Ayesha' } }), [
    { field: 'contact.phone', problem: 'contact_way_required' },
  ]);
  assert.deepEqual(issuesOf({ ...base, contact: { consent: true, phone: 'call me' } }), [
    { field: 'contact.phone', problem: 'invalid_phone' },
  ]);
  assert.deepEqual(issuesOf({ ...base, contact: { consent: true, email: 'a@b' } }), [{ field: 'contact.email', problem: 'invalid_email' }]);
  assert.deepEqual(issuesOf({ ...base, contact: { consent: true, phone: '+92 300 1234567' } }), []);
});

test('dates are real calendar dates from 1900 on, so every one fits PostgreSQL (year 0 did not: a 500)', () => {
  for (const date of ['1900-01-01', '2024-02-29', '2026-11-29', '9999-12-31']) assert.equal(isAcceptedDate(date), true, date);
  for (const date of ['0000-01-01', '0001-01-01', '1899-12-31', '2023-02-29', '2024-13-01', '2024-1-01', '+02024-01-01', '20240101', '']) {
    assert.equal(isAcceptedDate(date), false, date);
  }
  assert.deepEqual(issuesOf({ kind: 'abuse', language: 'en', description: 'x', occurredOn: '0000-01-01' }), [
    { field: 'occurredOn', problem: 'invalid_date' },
  ]);
  assert.deepEqual(issuesOf({ kind: 'abuse', language: 'en', description: 'x', occurredOn: '1899-12-31' }), [
    { field: 'occurredOn', problem: 'invalid_date' },
  ]);
  assert.deepEqual(issuesOf({ kind: 'abuse', language: 'en', description: 'x', occurredOn: '1900-01-01' }), []);
  assert.equal(isAcceptedTime(new Date('1900-01-01T00:00:00Z')), true);
  assert.equal(isAcceptedTime(new Date('9999-12-31T23:59:59.999Z')), true);
  for (const time of [
    new Date('1899-12-31T23:59:59Z'),
    new Date(Date.UTC(10_000, 0, 1)),
    new Date(8.64e15),
    new Date(-8.64e15),
    new Date(Number.NaN),
  ]) {
    assert.equal(isAcceptedTime(time), false, String(time.getTime()));
  }
});

const detailsSchema = reportDetailsSchema('2026-11-29');
const detailIssuesOf = (input: unknown) => {
  const result = checkInput(detailsSchema, input);
  return result.ok ? [] : [...result.error.issues];
};

test('details after the receipt: every answer optional, unanswered ones "unknown"', () => {
  const empty = detailsSchema.parse({});
  assert.equal(empty.province, 'unknown');
  assert.equal(empty.childSex, 'unknown');
  assert.equal(empty.occurredOn, undefined);
  assert.equal(empty.description, undefined);
  assert.equal(empty.contact, undefined);
  const given = detailsSchema.parse({ province: 'sindh', district: ' Hyderabad ', occurredOn: '2026-10-01', occurredPrecision: 'month' });
  assert.deepEqual(
    [given.province, given.district, given.occurredOn, given.occurredPrecision],
    ['sindh', 'Hyderabad', '2026-10-01', 'month'],
  );
});

test("details are checked by the report's own rules, under the same names", () => {
  const same = [
    { occurredOn: '2026-11-30' },
    { occurredOn: '2026-02-30' },
    { province: 'mars' },
    { childAgeBand: '18+' },
    { description: 'a\u0000b' },
    { site: 'x'.repeat(201) },
    { contact: { phone: '0300 1234567' } },
    { contact: { consent: true } },
    { contact: { consent: true, email: 'a@b' } },
  ];
  for (const fields of same) {
    const asDetails = detailIssuesOf(fields);
    assert.ok(asDetails.length > 0, `${JSON.stringify(fields)} is refused`);
    assert.deepEqual(asDetails, issuesOf({ kind: 'abuse', language: 'en', description: 'x', ...fields }), JSON.stringify(fields));
  }
});

test("details take no kind, language, links or danger: those are the first step's", () => {
  for (const field of ['kind', 'language', 'urls', 'inDangerNow', 'anything']) {
    assert.deepEqual(detailIssuesOf({ [field]: 'x' }), [{ field, problem: 'unknown_field' }], field);
  }
});

test('filing for a caller needs a known channel and the consent to filing, both told at once', () => {
  assert.deepEqual(filingIssues({ consentRecorded: true, channel: 'phone' }), []);
  assert.deepEqual(filingIssues({ consentRecorded: false, channel: undefined }), [
    { field: 'channel', problem: 'required' },
    { field: 'consentRecorded', problem: 'filing_consent_required' },
  ]);
  assert.deepEqual(filingIssues({ consentRecorded: true, channel: 'email' }), [{ field: 'channel', problem: 'invalid_choice' }]);
});
