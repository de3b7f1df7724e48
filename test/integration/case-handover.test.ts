import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { and, desc, eq } from 'drizzle-orm';
import { caseBundleSchema, type CaseBundle } from '../../src/domain/case-handover.ts';
import { pakistanToday } from '../../src/domain/pakistan-time.ts';
import { reportInputSchema } from '../../src/domain/report.ts';
import { consoleMessages } from '../../src/http/i18n/console.ts';
import type { StaffMember } from '../../src/services/staff.ts';
import {
  agencies,
  auditLog,
  caseContactRequests,
  caseCourtChecklist,
  cases,
  reports,
  reportUrls,
  staffUsers,
} from '../../src/store/schema.ts';
import { testApp, testClient, type TestApp } from '../helpers/app.ts';
import { Browser, enrolStaff, totp, type EnrolledStaff } from '../helpers/console.ts';
import { forEachEngine } from '../helpers/database.ts';
import { pageText } from '../helpers/forms.ts';

const nccia = '00000000-0000-4000-8000-00000000cc1a';
const link = 'https://files.example.org/shared/abc?id=7';
const phone = '0300 1234567';
const narrative = 'ایک گروپ میں یہ لنک بھیجا جا رہا ہے۔';
const referralNote = 'Duty officer Khan took the links.';
const checklistNote = 'The child speaks Pashto; the court was told.';
const en = consoleMessages.en;

/**
 * A case handed over (issue 16): the printable record, the JSON bundle with its SHA-256 in a header
 * and in the audit log, contact details only under a second person's approval of a consented
 * report, and the court-preparation checklist, over HTTP as staff use them.
 */
forEachEngine('case handover', (engine) => {
  let t: TestApp;
  let now = new Date();
  const staff: Record<'analyst' | 'supervisor' | 'otherSupervisor' | 'auditor', EnrolledStaff> = {} as never;
  const browsers: Record<keyof typeof staff, Browser> = {} as never;
  let caseId: string;
  let reference: string;
  let reportId: string;
  let otherReference: string;
  let noConsentCaseId: string;
  const member = (who: EnrolledStaff): StaffMember => ({ id: who.id, email: who.email, displayName: 'x', role: who.role, language: 'en' });
  const record = (id = caseId, lang = 'en') => `/console/${lang}/cases/${id}/record`;

  const submit = async (fields: Record<string, unknown>) => {
    const { receipt } = await t.services.reports.submit(reportInputSchema(pakistanToday(now)).parse({ language: 'ur', ...fields }), {
      source: 'api',
      client: testClient,
    });
    const [row] = await t.database.db
      .select({ id: reports.id, caseId: reports.caseId, reference: cases.reference })
      .from(reports)
      .innerJoin(cases, eq(cases.id, reports.caseId))
      .where(eq(reports.receiptHash, t.keyring.mac('receipt-lookup', receipt)));
    return { ...row!, receipt };
  };

  /** The case's newest audit entry of `action`. */
  const lastEntry = async (action: string, id = caseId) =>
    (
      await t.database.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.action, action), eq(auditLog.objectId, id)))
        .orderBy(desc(auditLog.seq))
        .limit(1)
    )[0];

  /** Posts a form that needs a recent re-authentication, giving the password and the next code with it. */
  const withReauthentication = async (who: keyof typeof staff, url: string) => {
    now = new Date(now.getTime() + 30_000);
    return browsers[who].post(
      url,
      { reauthPassword: staff[who].password, reauthCode: await totp(staff[who].secret, now) },
      { formPage: record() },
    );
  };

  before(async () => {
    t = await testApp(engine, { clock: () => now });
    staff.analyst = await enrolStaff(t, 'analyst', () => now);
    staff.supervisor = await enrolStaff(t, 'supervisor', () => now);
    staff.otherSupervisor = await enrolStaff(t, 'supervisor', () => now);
    staff.auditor = await enrolStaff(t, 'auditor', () => now);
    for (const who of Object.keys(staff) as (keyof typeof staff)[]) {
      browsers[who] = new Browser(t);
      assert.equal((await browsers[who].signIn(staff[who], now)).statusCode, 303, `${who} signs in`);
    }
    const main = await submit({
      kind: 'online_material',
      urls: [link],
      description: narrative,
      province: 'punjab',
      district: 'lahore',
      inDangerNow: true,
      contact: { name: 'عائشہ', phone, consent: true },
    });
    ({ caseId, reference, id: reportId } = main);
    otherReference = (await submit({ kind: 'online_material', urls: [link] })).reference;
    noConsentCaseId = (await submit({ kind: 'abuse', description: 'کوئی رابطہ نہیں' })).caseId;

    const supervisor = member(staff.supervisor);
    await t.services.cases.assign(supervisor, caseId, staff.analyst.id);
    await t.services.cases.assign(supervisor, noConsentCaseId, staff.analyst.id);
    const classification = {
      category: 'abuse_material',
      legalBases: ['ppc_292b_292c', 'peca_22'],
      interpolBaseline: true,
      tags: ['self_generated'],
      victimAgeBand: '11-15',
      victimSex: 'girl',
      materialViewed: true,
      viewedBy: 'Analyst on duty, 3 March',
    };
    await t.services.cases.classifyReport(member(staff.analyst), reportId, classification);
    await t.services.cases.classifyUrl(member(staff.analyst), reportId, 0, { ...classification, legalBases: ['peca_22'] });
    await t.services.cases.askReporter(member(staff.analyst), reportId, 'کیا گروپ ابھی موجود ہے؟');
    await t.services.followUp.addReporterMessage(main.receipt, 'جی ہاں، کل تک موجود تھا۔', testClient);
    await t.services.cases.addReferral(member(staff.analyst), caseId, {
      agencyId: nccia,
      referredAt: new Date(now.getTime() - 3_600_000),
      method: 'email',
      firStatus: 'pending',
      agencyReference: 'NCCIA/2026/17',
    });
    const [referral] = await t.database.rawTransaction((raw) => raw.query<{ id: string }>('SELECT id FROM referrals'));
    await t.services.cases.updateReferral(member(staff.analyst), Number(referral!.id), { firStatus: 'registered', notes: referralNote });
  });
  after(() => t.close());

  let firstExport: { body: string; sha256: string; bundle: CaseBundle };

  test('the record page shows the case as received, classified, referred and audited; never a live link or an image', async () => {
    const response = await browsers.analyst.get(record());
    assert.equal(response.statusCode, 200, response.body);
    const text = pageText(response.body);
    assert.ok(text.includes(en.handover.recordTitle(reference)));
    assert.ok(text.includes(narrative), 'the narrative, as the case page shows it');
    assert.ok(text.includes('hxxps://files[.]example[.]org/shared/abc?id=7'), 'the link, defanged');
    assert.ok(!response.body.includes(link) && !/https:\/\/files/.test(response.body), 'never the live link');
    assert.ok(!/<img\b/i.test(response.body), 'no image');
    const [stored] = await t.database.db.select({ hash: reportUrls.urlHash }).from(reportUrls).where(eq(reportUrls.reportId, reportId));
    assert.ok(text.includes(stored!.hash.toString('hex')), 'the keyed hash, hex');
    assert.ok(text.includes(otherReference), 'the other case with the same link');
    assert.ok(text.includes(en.enums.legalBases.ppc_292b_292c) && text.includes(en.enums.legalBases.peca_22), 'legal bases in words');
    assert.ok(text.includes(en.handover.viewedBy('\u2068Analyst on duty, 3 March\u2069')), 'who viewed the material');
    assert.ok(text.includes('NCCIA') && text.includes(referralNote), 'the referral and its notes, decrypted');
    assert.match(text, new RegExp(`${en.enums.firStatuses.pending}.*${en.enums.firStatuses.registered}`), 'the FIR history in order');
    assert.ok(text.includes('جی ہاں، کل تک موجود تھا۔'), 'the reporter’s later message');
    for (const action of ['report.classify', 'referral.update', 'message.send'] as const)
      assert.ok(text.includes(en.audit.actions[action]), action);
    assert.ok(!text.includes(phone), 'no contact details on the record');
    assert.deepEqual(await lastEntry('case.record_view').then((e) => e?.details), { part: 'record' }, 'the reading is audited');
  });

  test('the export is the bundle: JSON attachment, SHA-256 of the body in its headers and in its audit entry', async () => {
    const response = await browsers.analyst.post(`${record().replace(/\/record$/, '')}/export`, {}, { formPage: record() });
    assert.equal(response.statusCode, 200, response.body.slice(0, 300));
    assert.match(String(response.headers['content-type']), /^application\/json/);
    assert.equal(response.headers['content-disposition'], `attachment; filename="${reference}-case-file.json"`);
    const sha256 = createHash('sha256').update(response.rawPayload).digest('hex');
    assert.equal(response.headers['x-content-sha256'], sha256);
    assert.equal(response.headers['repr-digest'], `sha-256=:${Buffer.from(sha256, 'hex').toString('base64')}:`);
    const bundle = caseBundleSchema.parse(JSON.parse(response.body));
    firstExport = { body: response.body, sha256, bundle };

    assert.equal(bundle.case.reference, reference);
    const [report] = bundle.reports;
    assert.equal(report!.id, reportId);
    assert.match(report!.receivedAt, /\+05:00$/, 'Pakistan time');
    assert.equal(report!.source, 'api');
    assert.equal(report!.contactConsent, true);
    assert.equal(report!.narrative, narrative);
    assert.equal(report!.facts.district, 'Lahore');
    assert.equal(report!.messages.length, 2, 'later additions: the thread');
    assert.deepEqual(report!.classification?.legalBases, ['ppc_292b_292c', 'peca_22']);
    assert.equal(report!.classification?.materialViewed, true);
    assert.equal(report!.classification?.viewedBy, 'Analyst on duty, 3 March');
    const [url] = report!.links;
    assert.equal(url!.defanged, 'hxxps://files[.]example[.]org/shared/abc?id=7');
    assert.equal(url!.keyedHash, t.keyring.mac('url-lookup', link).toString('hex'));
    assert.deepEqual(url!.alsoReportedIn, [otherReference]);
    assert.deepEqual(url!.classification?.legalBases, ['peca_22']);
    assert.equal('contact' in report!, false);
    assert.equal(bundle.contactIncluded, false);
    assert.ok(!response.body.includes(phone) && !response.body.includes(link));
    const [referral] = bundle.referrals;
    assert.equal(referral!.firStatus, 'registered');
    assert.deepEqual(
      referral!.firHistory.map((h) => h.firStatus),
      ['pending', 'registered'],
    );
    assert.match(referral!.notes ?? '', new RegExp(referralNote));
    const actions = bundle.audit.map((e) => e.action);
    for (const action of ['case.assign', 'report.classify', 'url.classify', 'referral.add', 'referral.update', 'case.record_view'])
      assert.ok(actions.includes(action), action);
    assert.deepEqual(
      bundle.audit.map((e) => e.seq),
      [...bundle.audit.map((e) => e.seq)].sort((a, b) => a - b),
    );

    const entry = await lastEntry('case.export');
    assert.deepEqual(entry?.details, { sha256, version: 1, contactIncluded: false });
    assert.equal(entry?.actorId, staff.analyst.id);
  });

  test('contact details: refused without an approval, and for a case whose reporter did not consent', async () => {
    const refused = await withReauthentication('analyst', `/console/en/cases/${caseId}/export-with-contact`);
    assert.equal(refused.statusCode, 409);
    assert.match(String(refused.headers['content-type']), /^text\/html/);
    assert.ok(pageText(refused.body).includes(en.handover.problems.no_approval));
    assert.ok(!refused.body.includes(phone));

    const noConsent = await browsers.analyst.post(
      `/console/en/cases/${noConsentCaseId}/contact-requests`,
      { purpose: 'police_investigation' },
      { formPage: record(noConsentCaseId) },
    );
    assert.equal(noConsent.statusCode, 409);
    assert.ok(pageText(noConsent.body).includes(en.handover.problems.no_consent));
    assert.equal((await t.database.db.select().from(caseContactRequests).where(eq(caseContactRequests.caseId, noConsentCaseId))).length, 0);
  });

  test('contact details: asked with a purpose, approved by a supervisor other than the one who asked, used once', async () => {
    // A supervisor's own request waits for another supervisor.
    const asked = await browsers.supervisor.post(
      `/console/en/cases/${caseId}/contact-requests`,
      { purpose: 'court_proceedings' },
      { formPage: record() },
    );
    assert.equal(asked.statusCode, 303, asked.body);
    const [own] = await t.database.db.select().from(caseContactRequests).where(eq(caseContactRequests.caseId, caseId));
    const decide = (who: keyof typeof staff, requestId: number, decision: string) =>
      browsers[who].post(
        `/console/en/cases/${caseId}/contact-requests/decide`,
        { requestId: String(requestId), decision },
        { formPage: record() },
      );
    assert.equal((await decide('supervisor', own!.id, 'approved')).statusCode, 403, 'not one’s own request');
    assert.equal((await decide('analyst', own!.id, 'approved')).statusCode, 403, 'analysts do not decide');
    assert.equal((await decide('otherSupervisor', own!.id, 'refused')).statusCode, 303);
    assert.deepEqual((await lastEntry('case.contact_decide'))?.details, {
      requestId: own!.id,
      decision: 'refused',
      requestedBy: staff.supervisor.id,
    });
    assert.equal((await decide('supervisor', own!.id, 'approved')).statusCode, 409, 'decided already');

    // The analyst asks; a supervisor approves; the analyst's export carries the consented contact details, once.
    const analystAsks = await browsers.analyst.post(
      `/console/en/cases/${caseId}/contact-requests`,
      { purpose: 'police_investigation' },
      { formPage: record() },
    );
    assert.equal(analystAsks.statusCode, 303);
    assert.deepEqual(
      (await lastEntry('case.contact_request'))?.details.purpose,
      'police_investigation',
      'the request is audited with its purpose',
    );
    const [request] = await t.database.db.select().from(caseContactRequests).where(eq(caseContactRequests.requestedBy, staff.analyst.id));
    const page = await browsers.supervisor.get(record());
    assert.ok(pageText(page.body).includes(en.handover.purposes.police_investigation));
    assert.equal((await decide('supervisor', request!.id, 'approved')).statusCode, 303);
    assert.ok(pageText((await browsers.analyst.get(record())).body).includes(en.handover.exportWithContact), 'offered to the requester');
    assert.ok(!pageText((await browsers.supervisor.get(record())).body).includes(en.handover.exportWithContact), 'to nobody else');

    // Another member of staff cannot use the analyst's approval.
    const bySupervisor = await withReauthentication('supervisor', `/console/en/cases/${caseId}/export-with-contact`);
    assert.equal(bySupervisor.statusCode, 409);

    const withContact = await withReauthentication('analyst', `/console/en/cases/${caseId}/export-with-contact`);
    assert.equal(withContact.statusCode, 200, withContact.body.slice(0, 300));
    const sha256 = createHash('sha256').update(withContact.rawPayload).digest('hex');
    assert.equal(withContact.headers['x-content-sha256'], sha256);
    const bundle = caseBundleSchema.parse(JSON.parse(withContact.body));
    assert.equal(bundle.contactIncluded, true);
    assert.deepEqual(bundle.reports[0]!.contact, { name: 'عائشہ', phone, email: null });
    assert.deepEqual((await lastEntry('case.export'))?.details, { sha256, version: 1, contactIncluded: true, requestId: request!.id });

    const again = await withReauthentication('analyst', `/console/en/cases/${caseId}/export-with-contact`);
    assert.equal(again.statusCode, 409, 'an approval is used once');
    assert.ok(pageText(again.body).includes(en.handover.problems.no_approval));
  });

  test('an approval expires unused after its time', async () => {
    const analyst = member(staff.analyst);
    const requestId = await t.services.cases.requestContact(analyst, caseId, 'child_protection');
    await t.services.cases.decideContact(member(staff.otherSupervisor), caseId, requestId, 'approved');
    const saved = now;
    now = new Date(now.getTime() + 25 * 3_600_000);
    try {
      await assert.rejects(t.services.cases.exportBundle(analyst, caseId, { withContact: true }), { code: 'invalid_state' });
    } finally {
      now = saved;
    }
    const exported = await t.services.cases.exportBundle(analyst, caseId, { withContact: true });
    assert.equal(exported.contactIncluded, true, 'in time, it works');
  });

  test('the court checklist: recorded by a case worker, the note encrypted, audited, in the record and the bundle', async () => {
    const page = `/console/en/cases/${caseId}/court-checklist`;
    const saved = await browsers.analyst.post(page, { item: 'interpreter', done: 'yes', note: checklistNote }, { formPage: page });
    assert.equal(saved.statusCode, 303, saved.body);
    assert.equal((await browsers.auditor.post(page, { item: 'in_camera_trial', done: 'yes' }, { formPage: page })).statusCode, 403);
    const refused = await browsers.analyst.post(page, { item: 'interpreter', done: 'yes', note: 'x'.repeat(1001) }, { formPage: page });
    assert.equal(refused.statusCode, 400);

    const [row] = await t.database.db.select().from(caseCourtChecklist).where(eq(caseCourtChecklist.caseId, caseId));
    assert.equal(row!.item, 'interpreter');
    assert.equal(row!.done, true);
    assert.ok(!row!.note!.toString('utf8').includes('Pashto'), 'the note is stored encrypted');
    assert.deepEqual((await lastEntry('case.court_checklist'))?.details, { item: 'interpreter', done: true, noteGiven: true });

    const shown = pageText((await browsers.auditor.get(page)).body);
    assert.ok(shown.includes(checklistNote) && shown.includes(en.handover.items.interpreter), 'the auditor reads it');
    assert.ok(pageText((await browsers.supervisor.get(record())).body).includes(checklistNote));
    const { body } = await t.services.cases.exportBundle(member(staff.auditor), caseId, { withContact: false });
    const bundle = caseBundleSchema.parse(JSON.parse(body));
    assert.deepEqual(
      bundle.courtChecklist.map((c) => [c.item, c.done]),
      [
        ['in_camera_trial', false],
        ['video_link_testimony', false],
        ['support_person', false],
        ['no_confrontation_with_accused', false],
        ['interpreter', true],
        ['legal_aid', false],
        ['child_protection_officer', false],
      ],
    );
    assert.equal(bundle.courtChecklist[4]!.note, checklistNote);
    assert.equal(bundle.courtChecklist[4]!.updatedBy?.id, staff.analyst.id);
    assert.ok(
      firstExport.bundle.courtChecklist.every((c) => !c.done),
      'the earlier export had none',
    );
  });

  test('an analyst reaches only the cases the queue gives them', async () => {
    const other = await enrolStaff(t, 'analyst', () => now);
    const browser = new Browser(t);
    now = new Date(now.getTime() + 30_000);
    assert.equal((await browser.signIn(other, now)).statusCode, 303);
    assert.equal((await browser.get(record())).statusCode, 403);
    assert.equal((await browser.post(`/console/en/cases/${caseId}/export`, {}, { formPage: '/console/en/' })).statusCode, 403);
  });
});

/** Text read on a page (as languages.test.ts reads it): text nodes and attributes read aloud, not elements in English. */
function readableText(html: string): string {
  let body = html.replace(/<(script|style|title)[\s\S]*?<\/\1>/g, ' ');
  body = body.replace(/<(\w+)[^>]*\slang="en"[^>]*>[^<]*<\/\1>/g, ' ');
  const attributes = [...body.matchAll(/\s(?:aria-label|title|placeholder|alt)="([^"]*)"/g)].map((m) => m[1]);
  return [body.replace(/<[^>]+>/g, ' '), ...attributes].join(' ').replace(/&[a-z]+;|&#\d+;/g, ' ');
}

describe('the case file and the court checklist in Urdu', () => {
  let t: TestApp;
  const pages: Record<string, { en: string; ur: string }> = {};
  let staysLatin: RegExp[];

  before(async () => {
    t = await testApp('pglite');
    const [analyst, supervisor] = [await enrolStaff(t, 'analyst'), await enrolStaff(t, 'supervisor')];
    for (const [who, name] of [
      [analyst, 'عائشہ'],
      [supervisor, 'بلال'],
    ] as const) {
      await t.database.db.update(staffUsers).set({ displayName: name }).where(eq(staffUsers.id, who.id));
    }
    const members = await t.services.staff.list();
    const asMember = (id: string) => members.find((m) => m.id === id)!;
    const { receipt } = await t.services.reports.submit(
      reportInputSchema(pakistanToday()).parse({
        language: 'ur',
        kind: 'online_material',
        description: 'یہ لنک ایک بچے کی تصویر دکھاتا ہے۔',
        urls: ['https://bad.example.org/a?b=c'],
        province: 'punjab',
        district: 'lahore',
        contact: { phone: '0300 7654321', consent: true },
      }),
      { source: 'api', client: testClient },
    );
    const [row] = await t.database.db
      .select({ id: reports.id, caseId: reports.caseId })
      .from(reports)
      .where(eq(reports.receiptHash, t.keyring.mac('receipt-lookup', receipt)));
    const working = asMember(analyst.id);
    await t.services.cases.assign(asMember(supervisor.id), row!.caseId, analyst.id);
    await t.services.cases.classifyReport(working, row!.id, {
      category: 'abuse_material',
      legalBases: ['ppc_292b_292c'],
      materialViewed: true,
      viewedBy: 'عائشہ',
    });
    await t.services.cases.addReferral(working, row!.caseId, {
      agencyId: nccia,
      referredAt: new Date(),
      method: 'letter',
      firStatus: 'pending',
    });
    await t.services.cases.recordChecklistItem(working, row!.caseId, {
      item: 'video_link_testimony',
      done: true,
      note: 'عدالت کو بتا دیا گیا',
    });
    await t.services.cases.requestContact(working, row!.caseId, 'court_proceedings');
    await t.services.cases.exportBundle(working, row!.caseId, { withContact: false });

    const agencyNames = (await t.database.db.select({ name: agencies.name }).from(agencies)).map((a) => a.name);
    staysLatin = [
      ...[analyst, supervisor].map((s) => new RegExp(s.email.replace(/[.+]/g, '\\$&'), 'g')),
      /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g,
      /\bHZ-\d{4}-\d{6}\b/g,
      /hxxps?[^\s<]*/g,
      // Keyed hashes and the audit chain's hashes: hexadecimal codes.
      /\b[0-9a-f]{64}\b/g,
      ...agencyNames.map((name) => new RegExp(name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'g')),
    ];
    const asAnalyst = new Browser(t);
    const asSupervisor = new Browser(t);
    assert.equal((await asAnalyst.signIn(analyst)).statusCode, 303);
    assert.equal((await asSupervisor.signIn(supervisor)).statusCode, 303);
    for (const lang of ['en', 'ur'] as const) {
      const read = async (who: Browser, path: string) => {
        const response = await who.get(`/console/${lang}${path}`);
        assert.equal(response.statusCode, 200, `${lang}${path}`);
        return response.body;
      };
      const set = (name: string, html: string) => ((pages[name] ??= { en: '', ur: '' })[lang] = html);
      set('supervisor: case file', await read(asSupervisor, `/cases/${row!.caseId}/record`));
      set('analyst: case file', await read(asAnalyst, `/cases/${row!.caseId}/record`));
      set('analyst: court checklist', await read(asAnalyst, `/cases/${row!.caseId}/court-checklist`));
      set('supervisor: court checklist', await read(asSupervisor, `/cases/${row!.caseId}/court-checklist`));
      set('analyst: case', await read(asAnalyst, `/cases/${row!.caseId}`));
    }
  });
  after(() => t.close());

  test('no English is left on the Urdu pages, but for what must stay in Latin letters', () => {
    for (const [name, { en: english, ur }] of Object.entries(pages)) {
      assert.match(ur, /<html lang="ur" dir="rtl">/, name);
      const left = [
        ...new Set(readableText(staysLatin.reduce((page, latin) => page.replace(latin, ' '), ur)).match(/[A-Za-z]{2,}/g) ?? []),
      ];
      assert.deepEqual(left, [], `${name}: Latin words on the Urdu page`);
      assert.ok((readableText(english).match(/[A-Za-z]{2,}/g) ?? []).length > 10, `${name}: the English page is in English`);
    }
    assert.ok(readableText(pages['supervisor: case file']!.ur).includes('لاہور'), 'the district by its Urdu name');
    assert.ok(readableText(pages['supervisor: case file']!.ur).includes(consoleMessages.ur.handover.items.video_link_testimony));
    assert.ok(
      pages['analyst: case']!.ur.includes(`/console/ur/cases/`) &&
        pages['analyst: case']!.ur.includes(consoleMessages.ur.handover.recordLink),
    );
  });
});
