import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { commandLine } from '../../src/domain/actor.ts';
import type { StaffRole } from '../../src/domain/staff.ts';
import type { StaffMember } from '../../src/services/staff.ts';
import { testApp, type TestApp } from '../helpers/app.ts';
import { Browser, enrolStaff, totp, type EnrolledStaff } from '../helpers/console.ts';
import { forEachEngine } from '../helpers/database.ts';

/**
 * No input gets a 5xx (issue 9). For every route the app registers (public pages, the API, the
 * matching API with a valid key, and the console signed in with a role that reaches the route
 * and a valid CSRF token, so bodies get past that check), fast-check throws generated path
 * parameters, query strings and bodies: repeated fields, arrays, objects, files via multipart
 * (whole and cut off), huge numbers, odd dates, invalid UTF-8, broken escapes, wrong content
 * types. No answer may be a 5xx, and after every 4xx the main tables have the rows they had.
 *
 * Bounded: HIFAZAT_PROPERTY_RUNS runs per route (default 20, about 20 s per engine), from a random seed printed on a
 * failure (HIFAZAT_PROPERTY_SEED repeats one).
 */
const runsPerRoute = Number(process.env.HIFAZAT_PROPERTY_RUNS ?? 20);
const seed = process.env.HIFAZAT_PROPERTY_SEED === undefined ? undefined : Number(process.env.HIFAZAT_PROPERTY_SEED);

/** Tables whose rows a refused request must leave alone (audit entries, sessions and throttles may change). */
const mainTables = [
  'reports',
  'report_urls',
  'report_messages',
  'idempotency_keys',
  'cases',
  'report_classifications',
  'report_url_classifications',
  'case_notes',
  'case_tasks',
  'referrals',
  'case_contact_requests',
  'case_court_checklist',
  'incident_records',
  'media_reports',
  'statistics_releases',
  'staff_users',
  'staff_recovery_codes',
  'hash_banks',
  'hash_bank_entries',
  'api_keys',
  'match_feedback',
  'api_key_hidden_entries',
  'settings',
  'agencies',
  'districts',
  'staff_duty_shifts',
  'notification_mutes',
];

// ------------------------------------------------------------------------------ what is sent

/** `arbitrary` one time in `oneIn`, else null. */
const sometimes = <T>(arbitrary: fc.Arbitrary<T>, oneIn: number) =>
  fc.oneof({ weight: oneIn - 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary });

/** Percent-encodes a string's UTF-8 bytes (lone surrogates become U+FFFD, as a browser sends them). */
function percent(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const fieldNames = [
  // sign-in, enrolment, staff, settings
  'email',
  'password',
  'passwordAgain',
  'code',
  'displayName',
  'role',
  'retentionDays',
  // case work
  'position',
  'category',
  'legalBases',
  'tags',
  'interpolBaseline',
  'victimAgeBand',
  'victimSex',
  'materialViewed',
  'viewedBy',
  'body',
  'staffId',
  'state',
  'title',
  'dueOn',
  'agencyId',
  'referredAt',
  'method',
  'firStatus',
  'followUpOn',
  'agencyReference',
  'notes',
  'reason',
  'otherCaseId',
  'channel',
  'consentRecorded',
  'noFollowUp',
  'notifiedAt',
  'reference',
  'firRegisteredAt',
  'firNumber',
  // notifications: the rota and one's mutes
  'weekdays',
  'start',
  'end',
  'shift',
  'muted',
  // statistics and newspaper reports
  'from',
  'to',
  'k',
  'province',
  'source',
  'date',
  'newspaper',
  'headline',
  'url',
  'district',
  'area',
  'sex',
  'age_band',
  'relationship',
  'place',
  'police_status',
  'file',
  // reports and follow-up
  'kind',
  'language',
  'urls',
  'site',
  'description',
  'occurredOn',
  'occurredPrecision',
  'childAgeBand',
  'childSex',
  'abuserRelationship',
  'inDangerNow',
  'policeStatus',
  'reporterRelationship',
  'contact',
  'contact.name',
  'contact.phone',
  'contact.email',
  'contact.consent',
  'receipt',
  'idempotencyKey',
  'altcha',
  'action',
  // matching API
  'pdq',
  'md5',
  'sha256',
  'distance',
  'queries',
  'entryId',
  'verdict',
  'confirmed',
  // names that are not plain names
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '',
  'a[b]',
  'urls[]',
  'contact.__proto__',
];
const queryNames = [
  'before',
  'state',
  'from',
  'to',
  'province',
  'source',
  'published',
  'release',
  'digits',
  'reference',
  'assignee',
  'receivedFrom',
  'receivedTo',
  'page',
  'saved',
  'done',
  'added',
  'removed',
  'distance',
  'dihedral',
  '__proto__',
];

/** The fixture's real values (ids, tokens), so that generated requests also reach the objects behind them. */
interface Fixture {
  reportIds: string[];
  caseIds: string[];
  taskIds: string[];
  referralIds: string[];
  mediaIds: string[];
  releaseIds: string[];
  staffIds: string[];
  enrolmentToken: string;
  agencyId: string;
  pdq: string;
  entryId: string;
}

/** A valid body for a route (by the end of its pattern), which generated bodies then break field by field. */
function templateFor(url: string, fixture: Fixture): Record<string, unknown> {
  const report = {
    language: 'en',
    kind: 'abuse',
    description: 'He follows her from school.',
    occurredOn: '2024-01-01',
    occurredPrecision: 'day',
    province: 'punjab',
    district: 'Lahore',
    area: 'urban',
    childAgeBand: '11-15',
    childSex: 'girl',
    urls: ['https://example.com/z'],
  };
  const receipt = '1'.repeat(20);
  const rules: [RegExp, Record<string, unknown>][] = [
    [/\/console\/[a-z]+\/sign-in$/, { email: 'nobody@hotline.example.org', password: 'river lantern copper meadow', code: '123456' }],
    [/\/enrol\/:token$/, { password: 'river lantern copper meadow', passwordAgain: 'river lantern copper meadow', code: '123456' }],
    [/\/staff$/, { email: 'new.member@hotline.example.org', displayName: 'New member', role: 'analyst' }],
    [/\/settings$/, { retentionDays: '400' }],
    [/\/copy-url$/, { position: '0' }],
    [/\/find-link$/, { link: 'hxxps://Example.com/z' }],
    [
      /\/classify$/,
      {
        category: 'abuse_material',
        legalBases: ['ppc_292a', 'peca_22'],
        tags: ['grooming'],
        interpolBaseline: 'true',
        victimAgeBand: '11-15',
        victimSex: 'girl',
        materialViewed: 'true',
        viewedBy: 'An analyst',
      },
    ],
    [/\/(messages|notes)$/, { body: 'Can you tell us more?' }],
    [/\/file-report$/, { ...report, channel: 'phone', consentRecorded: 'true' }],
    [/\/assign$/, { staffId: fixture.staffIds[0] }],
    [/\/state$/, { state: 'triaged' }],
    [/\/tasks$/, { title: 'Call the platform', dueOn: '2026-02-01' }],
    [
      /\/referrals$/,
      {
        agencyId: fixture.agencyId,
        referredAt: '2026-01-01T10:00',
        method: 'phone',
        firStatus: 'pending',
        followUpOn: '2026-02-01',
        agencyReference: 'R-1',
        notes: 'Sent by phone',
      },
    ],
    [/\/referrals\/:referralId$/, { firStatus: 'registered', followUpOn: '2026-03-01' }],
    [/\/request-closure$/, { reason: 'no_further_action' }],
    [/\/link$/, { otherCaseId: fixture.caseIds[1] }],
    [/\/contact-requests$/, { purpose: 'police_investigation' }],
    [/\/contact-requests\/decide$/, { requestId: '1', decision: 'approved' }],
    [/\/court-checklist$/, { item: 'in_camera_trial', done: 'yes', note: 'The court agreed.' }],
    [/\/zarra$/, { notifiedAt: '2026-01-01T10:00', reference: 'ZA-1', firRegisteredAt: '2026-01-01T12:00', firNumber: '12/26' }],
    [/\/rota$/, { staffId: fixture.staffIds[0], weekdays: ['1', '7'], start: '22:00', end: '06:00' }],
    [/\/rota\/remove$/, { shift: '1' }],
    [/\/notifications\/mutes$/, { muted: ['reporter_reply', 'referral_follow_up'] }],
    [/\/notifications\/language$/, { language: 'ur' }],
    [/\/statistics\/publish$/, { from: '2020-01-01', to: '2020-06-30', k: '3' }],
    [
      /\/statistics\/media$/,
      {
        date: '2024-03-02',
        newspaper: 'Dawn',
        headline: 'A reported incident',
        url: 'https://dawn.example/x',
        category: 'rape',
        province: 'punjab',
        district: 'Lahore',
        area: 'urban',
        sex: 'girl',
        age_band: '11-15',
        relationship: 'neighbour',
        place: 'street',
        police_status: 'registered',
      },
    ],
    [
      /\/statistics\/media\/import$/,
      {
        file: 'date,newspaper,headline,url,category,province,district,area,sex,age_band,relationship,place,police_status\r\n2024-03-03,Dawn,Another,https://dawn.example/y,rape,punjab,Lahore,urban,girl,11-15,neighbour,street,registered\r\n',
      },
    ],
    [/^\/(en|ur)\/report$/, report],
    [/^\/(en|ur)\/report\/receipt-check$/, { receipt, kind: 'abuse', inDangerNow: 'true', lastGroup: receipt.slice(-4) }],
    [
      /^\/(en|ur)\/report\/details$/,
      { continuation: 'a'.repeat(43), kind: 'abuse', action: 'add', province: 'punjab', district: 'Lahore' },
    ],
    [/^\/(en|ur)\/follow-up$/, { receipt }],
    [/^\/(en|ur)\/follow-up\/reply$/, { receipt, body: 'More details' }],
    [/^\/api\/v1\/reports$/, { ...report, inDangerNow: true, contact: { consent: true, phone: '03001234567' } }],
    [/^\/api\/v1\/follow-up$/, { receipt }],
    [/^\/api\/v1\/follow-up\/messages$/, { receipt, body: 'More details' }],
    [/^\/api\/v1\/match$/, { pdq: fixture.pdq, distance: 10 }],
    [/^\/api\/v1\/match\/bulk$/, { queries: [{ pdq: fixture.pdq }, { md5: 'f'.repeat(32) }], distance: 5 }],
    [/^\/api\/v1\/match\/feedback$/, { entryId: Number(fixture.entryId), verdict: 'false_positive', confirmed: true }],
  ];
  return rules.find(([pattern]) => pattern.test(url))?.[1] ?? {};
}

/** How a route's valid body is mostly sent (as its clients send it), and sometimes otherwise. */
function encodingsFor(url: string): ('form' | 'json' | 'multipart')[] {
  if (url.startsWith('/api/')) return ['json', 'json', 'json', 'json', 'form', 'multipart'];
  if (url.endsWith('/media/import')) return ['multipart', 'multipart', 'multipart', 'form', 'json'];
  return ['form', 'form', 'form', 'form', 'json', 'multipart'];
}

/** The query string a route's page takes, valid, which generated queries then break. */
function queryTemplateFor(url: string, fixture: Fixture): Record<string, string> {
  if (url.endsWith('/statistics') || url.endsWith('/statistics/export'))
    return {
      from: '2024-01-01',
      to: '2024-12-31',
      province: 'punjab',
      source: 'hotline',
      release: fixture.releaseIds[0]!,
      digits: 'urdu',
      published: '1',
    };
  if (url.endsWith('/statistics/report')) return { release: fixture.releaseIds[0]!, digits: 'urdu' };
  if (url.endsWith('/dashboard') || url.endsWith('/dashboard/export')) return { from: '2026-01-01', to: '2026-06-30', province: 'punjab' };
  if (url.endsWith('/audit')) return { before: '5' };
  if (/\/console\/(en|ur)\/$/.test(url))
    return {
      state: 'new',
      reference: 'HZ-2026-000001',
      kind: 'abuse',
      province: 'punjab',
      district: 'Lahore',
      assignee: fixture.staffIds[0]!,
      receivedFrom: '2024-01-01',
      receivedTo: '2026-12-31',
      danger: 'yes',
      overdue: 'yes',
      page: '2',
    };
  if (url.endsWith('/statistics/media')) return { added: '1', removed: '1' };
  if (url.endsWith('/settings')) return { saved: '1' };
  if (/\/api\/v1\/(hash|match)$/.test(url)) return { dihedral: 'true', distance: '10' };
  return {};
}

function oddText(fixture: Fixture): fc.Arbitrary<string> {
  const real = [
    ...fixture.reportIds,
    ...fixture.caseIds,
    ...fixture.taskIds,
    ...fixture.referralIds,
    ...fixture.mediaIds,
    ...fixture.staffIds,
    fixture.agencyId,
    fixture.pdq,
    fixture.entryId,
  ];
  const date = fc
    .tuple(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }))
    .map(([y, m, d]) => `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`);
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc.constantFrom(
        '',
        ' ',
        '0',
        '1',
        '-1',
        '1.5',
        '1e3',
        '1e309',
        'NaN',
        'Infinity',
        '32767',
        '32768',
        '2147483648',
        '9007199254740993',
        '9223372036854775808',
        '99999999999999999999',
        '0x10',
        '0000-01-01',
        '0001-01-01',
        '1899-12-31',
        '1900-01-01',
        '2024-02-29',
        '2023-02-29',
        '9999-12-31',
        '10000-01-01',
        '+275760-09-13',
        '-000001-01-01',
        '0000-01-01T00:00',
        '2024-03-01T10:00',
        '9999-12-31T23:59',
        '+275760-09-13T00:00:00Z',
        '۲۰۲۴-۰۱-۰۱',
        '١٢٣',
        'true',
        'false',
        'unknown',
        'null',
        'undefined',
        '[]',
        '{}',
        '__proto__',
        'constructor',
        'abuse',
        'online_material',
        'en',
        'ur',
        'punjab',
        'sindh',
        'urban',
        'girl',
        '0-5',
        'rape',
        'abuse_material',
        'other',
        'ppc_292a',
        'self_generated',
        'analyst',
        'administrator',
        'supervisor',
        'auditor',
        'phone',
        'walk_in',
        'registered',
        'pending',
        'new',
        'triaged',
        'in_progress',
        'referred',
        'closed',
        'duplicate',
        'no_action',
        'hotline',
        'media',
        'add_url',
        'Dawn',
        'staff.new@hotline.example.org',
        'river lantern copper meadow',
        'https://example.com/x',
        'example.com',
        'javascript:alert(1)',
        'data:text/html,x',
        '123456',
        '1234567',
        'a\u0000b',
        'a\u001bb',
        '\u202e',
        '\ufeff',
        '\ud800',
        'x'.repeat(10_001),
        '<script>alert(1)</script>',
        "' OR 1=1 --",
        '../../etc/passwd',
        'md5',
        'pdq',
        'sha256',
        'false_positive',
        'true_positive',
        '1'.repeat(20),
        '1'.repeat(36),
        '0'.repeat(64),
        'f'.repeat(32),
      ),
    },
    { weight: 2, arbitrary: fc.constantFrom(...real) },
    { weight: 2, arbitrary: date },
    { weight: 2, arbitrary: fc.string({ maxLength: 24 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
    { weight: 1, arbitrary: fc.bigInt({ min: -(10n ** 25n), max: 10n ** 25n }).map(String) },
    { weight: 1, arbitrary: fc.double().map(String) },
    { weight: 1, arbitrary: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()) },
  );
}

/** A value inside a JSON body: any JSON, with the odd strings and numbers above it. */
function jsonValue(fixture: Fixture): fc.Arbitrary<unknown> {
  const leaf = fc.oneof(
    { weight: 4, arbitrary: oddText(fixture) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(0, -1, 0.5, 1e20, 2 ** 63, Number.MAX_SAFE_INTEGER + 2, 1e308, -1e308, 32768, true, false, null),
    },
    { weight: 1, arbitrary: fc.integer() },
  );
  return fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', maxDepth: 3 },
      leaf,
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(fc.constantFrom(...fieldNames), tie('value'), { maxKeys: 4 }),
    ),
  })).value;
}

/** A body, before the CSRF token (known only when it is sent) is put in. */
type BodySpec =
  | { kind: 'none' }
  | { kind: 'form'; pairs: [string, string][]; tail: Uint8Array | null; contentType: string }
  | { kind: 'json'; value: unknown }
  | { kind: 'json-text'; text: string }
  | {
      kind: 'multipart';
      parts: ({ name: string; value: string; json: boolean } | { name: string; filename: string; content: Uint8Array })[];
      cutAt: number | null;
      header: 'ok' | 'no-boundary' | 'other-boundary';
    }
  | { kind: 'raw'; contentType: string | null; bytes: Uint8Array };

function bodySpec(
  fixture: Fixture,
  template: Record<string, unknown>,
  encodings: readonly ('form' | 'json' | 'multipart')[],
): fc.Arbitrary<BodySpec> {
  const text = oddText(fixture);
  const name = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...fieldNames) }, { weight: 1, arbitrary: fc.string({ maxLength: 10 }) });
  const encoded = fc.oneof(
    { weight: 6, arbitrary: text.map(percent) },
    { weight: 1, arbitrary: fc.constantFrom('%', '%z', '%zz', '%E0%A4%A', '%FF', '%C3%28', '%ED%A0%80', '%00', '+', '&', '=', '%2') },
  );
  // A field sent one to three times (a name repeated is a list to the parser).
  const pairs = fc
    .array(fc.tuple(name.map(percent), fc.array(encoded, { minLength: 1, maxLength: 3 })), { maxLength: 8 })
    .map((fields) => fields.flatMap(([n, values]) => values.map((v): [string, string] => [n, v])));
  // The route's own valid fields, each kept, broken, repeated or left out, and maybe one more.
  const asText = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
  const names = Object.keys(template);
  const broken = fc.oneof(
    { weight: 3, arbitrary: text as fc.Arbitrary<unknown> },
    { weight: 1, arbitrary: text.map((b): unknown => ['x', b]) },
    { weight: 1, arbitrary: fc.constant<unknown>(undefined) },
    { weight: 1, arbitrary: jsonValue(fixture) },
  );
  // None, one or two of them broken (a request that is valid but for one field goes furthest).
  const mutated = fc
    .tuple(
      fc.oneof(fc.constant([]), fc.array(fc.tuple(fc.nat(), broken), { minLength: 1, maxLength: 2 })),
      sometimes(fc.tuple(fc.constantFrom(...fieldNames), text), 6),
    )
    .map(([changes, extra]) => {
      const values = names.map((n) => template[n]);
      for (const [at, value] of changes) {
        if (!names.length) break;
        const i = at % names.length;
        values[i] = Array.isArray(value) && value[0] === 'x' ? [template[names[i]!], value[1]].flat() : value;
      }
      const out: Record<string, unknown> = {};
      names.forEach((n, i) => {
        if (values[i] !== undefined) out[n] = values[i];
      });
      if (extra) out[extra[0]] = extra[1];
      return out;
    });
  const mutatedSpec = fc.tuple(mutated, fc.constantFrom(...encodings)).map(([fields, as]): BodySpec => {
    if (as === 'json') return { kind: 'json', value: fields };
    const flat = Object.entries(fields).flatMap(([n, v]) =>
      (Array.isArray(v) ? v : [v]).map((item): [string, string] => [n, asText(item)]),
    );
    if (as === 'form')
      return {
        kind: 'form',
        pairs: flat.map(([n, v]) => [percent(n), percent(v)]),
        tail: null,
        contentType: 'application/x-www-form-urlencoded',
      };
    return {
      kind: 'multipart',
      parts: flat.map(([n, v]) =>
        n === 'file' ? { name: n, filename: 'media.csv', content: new Uint8Array(Buffer.from(v)) } : { name: n, value: v, json: false },
      ),
      cutAt: null,
      header: 'ok',
    };
  });
  const rawNumber = fc.constantFrom('1e400', '-1e400', '99999999999999999999999', '1.0e-400', '-0', '0.0000001', '9223372036854775808');
  return fc.oneof(
    { weight: 20, arbitrary: mutatedSpec },
    { weight: 1, arbitrary: fc.constant<BodySpec>({ kind: 'none' }) },
    {
      weight: 6,
      arbitrary: fc.record({
        kind: fc.constant('form' as const),
        pairs,
        tail: sometimes(fc.uint8Array({ minLength: 1, maxLength: 8 }), 4),
        contentType: fc.constantFrom(
          'application/x-www-form-urlencoded',
          'application/x-www-form-urlencoded; charset=utf-8',
          'application/x-www-form-urlencoded; charset=iso-8859-1',
          'APPLICATION/X-WWW-FORM-URLENCODED',
        ),
      }),
    },
    {
      weight: 4,
      arbitrary: fc
        .oneof(
          { weight: 4, arbitrary: fc.dictionary(fc.constantFrom(...fieldNames), jsonValue(fixture), { maxKeys: 8 }) },
          { weight: 1, arbitrary: jsonValue(fixture) },
        )
        .map((value): BodySpec => ({ kind: 'json', value })),
    },
    {
      weight: 1,
      arbitrary: fc
        .oneof(
          fc.tuple(fc.constantFrom(...fieldNames), rawNumber).map(([n, v]) => `{"${n}": ${v}}`),
          fc.constantFrom(
            '{',
            '{"a":',
            '[1,2',
            '"unterminated',
            '{"__proto__": {"x": 1}}',
            '{"constructor": {"prototype": {"x": 1}}}',
            'nul',
            '{}x',
            '\ufeff{}',
          ),
        )
        .map((text): BodySpec => ({ kind: 'json-text', text })),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('multipart' as const),
        parts: fc.array(
          fc.oneof(
            fc.record({ name, value: text, json: fc.boolean() }),
            fc.record({
              name: fc.oneof(fc.constant('file'), name),
              filename: fc.constantFrom('media.csv', 'a.png', '', '../../x', 'ملف.csv'),
              content: fc.oneof(
                fc.uint8Array({ maxLength: 64 }),
                fc
                  .constantFrom(
                    'date,newspaper,headline,category,province\r\n2024-03-01,Dawn,A headline,rape,punjab\r\n',
                    'date,newspaper,headline\r\n0000-01-01,Dawn,x\r\n',
                    'date\r\n"unterminated',
                  )
                  .map((s) => new Uint8Array(Buffer.from(s))),
              ),
            }),
          ),
          { maxLength: 5 },
        ),
        cutAt: sometimes(fc.double({ min: 0, max: 1, noNaN: true }), 3),
        header: fc.constantFrom('ok' as const, 'ok' as const, 'ok' as const, 'no-boundary' as const, 'other-boundary' as const),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('raw' as const),
        contentType: fc.constantFrom(
          null,
          'text/plain',
          'application/xml',
          'application/octet-stream',
          'image/png',
          'image/jpeg',
          'application/json; charset=utf-16',
          'multipart/form-data',
          'multipart/mixed; boundary=x',
          'application/x-www-form-urlencoded',
          'application/json',
          '*/*',
          ';;;',
          'text/csv',
        ),
        bytes: fc.oneof(
          fc.uint8Array({ maxLength: 256 }),
          fc
            .constantFrom('kind=abuse&language=en&description=x', '{"kind":"abuse"}', '\u0089PNG\r\n\u001a\n')
            .map((s) => new Uint8Array(Buffer.from(s, 'latin1'))),
        ),
      }),
    },
  );
}

/** The body as bytes, with the CSRF token (when there is one) as one more field. */
function render(spec: BodySpec, csrf: string | undefined): { contentType?: string; payload?: Buffer } {
  switch (spec.kind) {
    case 'none':
      return {};
    case 'form': {
      const pairs = [...spec.pairs.map(([n, v]) => `${n}=${v}`), ...(csrf ? [`_csrf=${percent(csrf)}`] : [])];
      const text = Buffer.from(pairs.join('&'), 'latin1');
      return {
        contentType: spec.contentType,
        payload: spec.tail ? Buffer.concat([text, Buffer.from('&x='), Buffer.from(spec.tail)]) : text,
      };
    }
    case 'json': {
      const value =
        csrf && spec.value && typeof spec.value === 'object' && !Array.isArray(spec.value) ? { ...spec.value, _csrf: csrf } : spec.value;
      return { contentType: 'application/json', payload: Buffer.from(JSON.stringify(value) ?? 'null') };
    }
    case 'json-text':
      return { contentType: 'application/json', payload: Buffer.from(spec.text) };
    case 'multipart': {
      const boundary = 'hz-property-boundary';
      const chunks: Buffer[] = [];
      const parts = csrf ? [{ name: '_csrf', value: csrf, json: false }, ...spec.parts] : spec.parts;
      for (const part of parts) {
        if ('filename' in part) {
          chunks.push(
            Buffer.from(
              `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"; filename="${part.filename}"\r\nContent-Type: text/csv\r\n\r\n`,
            ),
            Buffer.from(part.content),
            Buffer.from('\r\n'),
          );
        } else {
          const type = part.json ? 'Content-Type: application/json\r\n' : '';
          chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"\r\n${type}\r\n${part.value}\r\n`));
        }
      }
      chunks.push(Buffer.from(`--${boundary}--\r\n`));
      const whole = Buffer.concat(chunks);
      const payload = spec.cutAt === null ? whole : whole.subarray(0, Math.floor(whole.length * spec.cutAt));
      const contentType =
        spec.header === 'ok'
          ? `multipart/form-data; boundary=${boundary}`
          : spec.header === 'no-boundary'
            ? 'multipart/form-data'
            : 'multipart/form-data; boundary=something-else';
      return { contentType, payload };
    }
    case 'raw':
      return { ...(spec.contentType ? { contentType: spec.contentType } : {}), payload: Buffer.from(spec.bytes) };
  }
}

function pathParam(name: string, fixture: Fixture, url: string): fc.Arbitrary<string> {
  const real =
    name === 'id'
      ? url.includes('/reports/')
        ? fixture.reportIds
        : url.includes('/cases/')
          ? fixture.caseIds
          : url.includes('/media/')
            ? fixture.mediaIds
            : fixture.releaseIds
      : name === 'position'
        ? ['0', '1']
        : name === 'taskId'
          ? fixture.taskIds
          : name === 'referralId'
            ? fixture.referralIds
            : name === 'token'
              ? [fixture.enrolmentToken]
              : [];
  const odd = fc.oneof(
    fc.constantFrom(
      '0',
      '-1',
      '1.5',
      '1e3',
      '32768',
      '99999',
      '2147483648',
      '99999999999999999999',
      '9223372036854775808',
      'NaN',
      '12abc',
      '%00',
      '%FF',
      '%E0%A4%A',
      '%2e%2e',
      '..',
      'x'.repeat(300),
      '00000000-0000-0000-0000-000000000000',
      'HZ-2024-000001',
      '%D9%A1%D9%A2',
      '1.json',
      '1.csv',
      '1.xml',
      '99999999999.csv',
      ...fixture.releaseIds.map((id) => `${id}.csv`),
    ),
    fc.uuid(),
    fc.string({ minLength: 1, maxLength: 16 }).map(percent),
    fc.bigInt({ min: 0n, max: 10n ** 30n }).map(String),
  );
  return real.length ? fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...real) }, { weight: 3, arbitrary: odd }) : odd;
}

function pathOf(url: string, fixture: Fixture): fc.Arbitrary<string> {
  const segments = url
    .split('/')
    .map((segment) =>
      segment.startsWith(':')
        ? pathParam(segment.slice(1), fixture, url)
        : segment === '*'
          ? fc.constantFrom(
              'site.css',
              'statistics.css',
              'nothing.css',
              '..%2f..%2fpackage.json',
              '%2e%2e/%2e%2e/package.json',
              '%00',
              'fonts/%FF',
              'external/altcha.min.js',
              'a/b/c/d',
            )
          : fc.constant(segment),
    );
  return fc.tuple(...segments).map((parts) => parts.join('/'));
}

function queryOf(fixture: Fixture, template: Record<string, string>): fc.Arbitrary<string> {
  const name = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...queryNames) },
    { weight: 1, arbitrary: fc.string({ maxLength: 8 }).map(percent) },
  );
  const value = fc.oneof(
    {
      weight: 6,
      arbitrary: oddText(fixture)
        .filter((v) => v.length < 200)
        .map(percent),
    },
    { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%FF', '%E0%A4%A', '') },
  );
  const names = Object.keys(template);
  const fromTemplate = fc
    .tuple(
      ...names.map((n) =>
        fc.oneof(
          { weight: 6, arbitrary: fc.constant<string[]>([percent(template[n]!)]) },
          { weight: 2, arbitrary: value.map((v): string[] => [v]) },
          { weight: 1, arbitrary: fc.tuple(fc.constant(percent(template[n]!)), value).map((pair): string[] => [...pair]) },
          { weight: 2, arbitrary: fc.constant<string[]>([]) },
        ),
      ),
    )
    .map((values) => names.map((n, i): [string, string[]] => [n, values[i]!]));
  const generated = fc.array(fc.tuple(name, fc.array(value, { minLength: 1, maxLength: 2 })), { maxLength: 4 });
  const more = fc.oneof({ weight: 2, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: generated });
  return fc.tuple(names.length ? fromTemplate : fc.constant([]), more).map(([own, more]) => {
    const pairs = [...own, ...more].flatMap(([n, values]) => values.map((v) => `${n}=${v}`));
    return pairs.length ? `?${pairs.join('&')}` : '';
  });
}

// -------------------------------------------------------------------------------- the run

type Who = 'anonymous' | StaffRole;

/** Who sends a route's requests: a role that reaches it, or nobody for public routes. */
function whoFor(url: string): Who {
  if (!url.startsWith('/console/')) return 'anonymous';
  if (/\/(sign-in|enrol\/:token)$/.test(url)) return 'anonymous';
  // Signing out ends the session: the auditor's, which no other route here uses.
  if (/\/sign-out(-everywhere)?$/.test(url)) return 'auditor';
  if (/\/(staff|settings|audit)$|\/staff\/:id/.test(url)) return 'administrator';
  return 'supervisor';
}

forEachEngine('no 5xx from any input', (engine) => {
  let t: TestApp;
  let now = new Date();
  let fixture: Fixture;
  let apiKey: string;
  const staff = new Map<StaffRole, EnrolledStaff>();
  const sessions = new Map<Who, { browser: Browser; csrf: string; usedAt: number }>();
  let countSql: string;

  const rowCounts = async (): Promise<Record<string, number>> => {
    const [row] = await t.database.rawTransaction((raw) => raw.query<Record<string, number>>(countSql));
    return { ...row };
  };

  /** A signed-in browser for `who` (a fresh session when the last one ended or idled) and a CSRF token bound to it. */
  async function sessionOf(who: Who): Promise<{ browser: Browser; csrf: string }> {
    const known = sessions.get(who);
    if (known && now.getTime() - known.usedAt < 20 * 60_000) {
      known.usedAt = now.getTime();
      return known;
    }
    const browser = new Browser(t);
    if (who !== 'anonymous') {
      now = new Date(now.getTime() + 30_000);
      const signedIn = await browser.signIn(staff.get(who)!, now);
      assert.equal(signedIn.statusCode, 303, `${who} signs in: ${signedIn.body.slice(0, 200)}`);
    }
    if (who === 'supervisor') {
      // Contact details, live links and publishing ask for re-authentication first: given here (with
      // the next code), the generated requests reach those actions too.
      now = new Date(now.getTime() + 30_000);
      const { password, secret } = staff.get(who)!;
      const reportPage = `/console/en/reports/${fixture.reportIds[0]}`;
      const reauthenticated = await browser.post(
        `${reportPage}/reveal-contact`,
        { reauthPassword: password, reauthCode: await totp(secret, now) },
        { formPage: reportPage },
      );
      assert.ok(
        reauthenticated.statusCode === 200 && !reauthenticated.body.includes('name="reauthPassword"'),
        'the supervisor re-authenticates',
      );
    }
    const csrf = await browser.csrfToken('/console/en/sign-in');
    assert.ok(csrf, 'a CSRF token');
    const session = { browser, csrf, usedAt: now.getTime() };
    sessions.set(who, session);
    return session;
  }

  before(async () => {
    t = await testApp(engine, { clock: () => now });
    for (const role of ['administrator', 'supervisor', 'analyst', 'auditor'] as const)
      staff.set(role, await enrolStaff(t, role, () => now));
    const members = await t.services.staff.list();
    const member = (role: StaffRole) => members.find((m) => m.id === staff.get(role)!.id)! as StaffMember;
    const supervisor = member('supervisor');

    const reportsMade = [
      { kind: 'online_material', language: 'en', urls: ['https://example.com/a', 'https://example.org/b'] },
      {
        kind: 'abuse',
        language: 'ur',
        description: 'وہ اسکول سے پیچھا کرتا ہے',
        district: 'Lahore',
        contact: { consent: true, phone: '03001234567' },
      },
    ];
    for (const payload of reportsMade)
      assert.equal((await t.app.inject({ method: 'POST', url: '/api/v1/reports', payload })).statusCode, 201);
    const rows = await t.database.rawTransaction((raw) =>
      raw.query<{ id: string; case_id: string }>('SELECT id, case_id FROM reports ORDER BY created_at'),
    );
    const caseIds = rows.map((r) => r.case_id);
    const agencyId = '00000000-0000-4000-8000-00000000cc1a';
    const taskId = await t.services.cases.addTask(supervisor, caseIds[0]!, { title: 'Call the platform', dueOn: '2026-01-31' });
    const referralId = await t.services.cases.addReferral(supervisor, caseIds[1]!, {
      agencyId,
      referredAt: new Date(),
      method: 'phone',
      firStatus: 'pending',
    });
    // A missing child's case: the ZARRA form (/cases/:id/zarra) reaches its checks there.
    await t.services.cases.classifyReport(supervisor, rows[1]!.id, { category: 'missing' });
    await t.services.statistics.addMedia(supervisor, {
      date: '2024-03-01',
      newspaper: 'Dawn',
      headline: 'A reported incident',
      category: 'rape',
      province: 'punjab',
    });
    const media = await t.database.rawTransaction((raw) => raw.query<{ id: string }>('SELECT incident_id AS id FROM media_reports'));
    const releaseIds = [String(await t.services.statistics.publish(supervisor, { from: '2024-01-01', to: '2024-12-31', k: 3 }))];
    const { enrolmentToken } = await t.services.staff.invite(commandLine, {
      email: 'invited.property@hotline.example.org',
      displayName: 'Invited',
      role: 'analyst',
    });
    const pdq = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';
    const entryId = String(
      await t.services.banks.add(commandLine, 'test', {
        signal: { type: 'pdq', value: pdq },
        quality: 100,
        label: 'property',
        source: null,
      }),
    );
    apiKey = (await t.services.apiKeys.create(commandLine, 'property test', ['test'])).secret;
    fixture = {
      reportIds: rows.map((r) => r.id),
      caseIds,
      taskIds: [String(taskId)],
      referralIds: [String(referralId)],
      mediaIds: media.map((m) => m.id),
      releaseIds,
      staffIds: members.map((m) => m.id),
      enrolmentToken,
      agencyId,
      pdq,
      entryId,
    };
    const existing = await t.database.rawTransaction((raw) =>
      raw.query<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'"),
    );
    const names = new Set(existing.map((r) => r.name));
    countSql = `SELECT ${mainTables
      .filter((n) => names.has(n))
      .map((n) => `(SELECT count(*) FROM ${n})::int AS ${n}`)
      .join(', ')}`;
  });
  after(() => t.close());

  test('the walk covers every registered route', () => {
    assert.ok(t.app.hifazatRoutes.length >= 60, `${t.app.hifazatRoutes.length} routes`);
  });

  // Registered routes are only known once the app is built: one test walks them, one property each.
  test(`no route answers 5xx, and a refused request stores nothing (${runsPerRoute} runs per route)`, async () => {
    const routes = [...new Map(t.app.hifazatRoutes.map((r) => [`${r.method} ${r.url}`, r])).values()];
    const failures: string[] = [];
    const unreached: string[] = [];
    let requests = 0;
    for (const route of routes) {
      const who = whoFor(route.url);
      const isConsole = route.url.startsWith('/console/');
      const isMatchApi = /^\/api\/v1\/(hash|match)/.test(route.url);
      let reached = false;
      const request = fc.record({
        path: pathOf(route.url, fixture),
        query:
          route.method === 'GET'
            ? queryOf(fixture, queryTemplateFor(route.url, fixture))
            : fc.oneof({ weight: 4, arbitrary: fc.constant('') }, { weight: 1, arbitrary: queryOf(fixture, {}) }),
        body:
          route.method === 'GET'
            ? fc.constant<BodySpec>({ kind: 'none' })
            : bodySpec(fixture, templateFor(route.url, fixture), encodingsFor(route.url)),
        client: fc.tuple(fc.integer({ min: 1, max: 254 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 254 })),
        acceptLanguage: fc.constantFrom(undefined, 'ur', 'en-GB,en;q=0.9', '*', ';q=x', 'ur-PK'),
        idempotencyKey: sometimes(
          fc.constantFrom('short', 'a'.repeat(300), 'valid-key-0001', '\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9'),
          4,
        ),
      });
      try {
        await fc.assert(
          fc.asyncProperty(request, async (r) => {
            const session = isConsole ? await sessionOf(who) : undefined;
            const { contentType, payload } = render(r.body, session?.csrf);
            const before = await rowCounts();
            const logsBefore = t.logs.length;
            const response = await t.app.inject({
              method: route.method as 'GET' | 'POST',
              url: `${r.path}${r.query}`,
              // A client of its own each time: the per-client throttles would otherwise answer every later request.
              remoteAddress: `10.${r.client.join('.')}`,
              cookies: session?.browser.cookies ?? {},
              headers: {
                ...(contentType ? { 'content-type': contentType } : {}),
                ...(r.acceptLanguage ? { 'accept-language': r.acceptLanguage } : {}),
                ...(isMatchApi ? { authorization: `Bearer ${apiKey}` } : {}),
                ...(r.idempotencyKey && route.url === '/api/v1/reports' ? { 'idempotency-key': r.idempotencyKey } : {}),
              },
              ...(payload === undefined ? {} : { payload }),
            });
            requests++;
            if (/\/sign-out(-everywhere)?$/.test(route.url) && response.statusCode === 303) sessions.delete(who);
            if (response.statusCode !== 401 && response.statusCode !== 403) reached = true;
            const logged = t.logs
              .slice(logsBefore)
              .filter((line) => /"level":50/.test(line))
              .map((line) => line.slice(0, 600));
            assert.ok(response.statusCode < 500, `${response.statusCode} ${response.body.slice(0, 160)}\n${logged.join('\n')}`);
            if (response.statusCode >= 400) assert.deepEqual(await rowCounts(), before, `a ${response.statusCode} stored something`);
          }),
          { numRuns: runsPerRoute, ...(seed === undefined ? {} : { seed }), endOnFailure: true, includeErrorInReport: true },
        );
      } catch (error) {
        failures.push(`${route.method} ${route.url}: ${(error as Error).message.slice(0, 2500)}`);
      }
      if (isConsole && who !== 'anonymous' && !reached) unreached.push(`${route.method} ${route.url}`);
    }
    assert.deepEqual(failures, [], failures.join('\n\n'));
    assert.deepEqual(unreached, [], 'routes no request got past the role and CSRF checks of');
    assert.ok(requests >= routes.length * runsPerRoute, `${requests} requests`);
  });
});
