import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { queuePageSize } from '../../src/domain/case-search.ts';
import { pakistanToday } from '../../src/domain/pakistan-time.ts';
import { reportInputSchema } from '../../src/domain/report.ts';
import { consoleMessages } from '../../src/http/i18n/console.ts';
import { messages } from '../../src/http/i18n/index.ts';
import { cases, reports, reportUrls } from '../../src/store/schema.ts';
import { testApp, testClient, type TestApp } from '../helpers/app.ts';
import { Browser, enrolStaff, type EnrolledStaff } from '../helpers/console.ts';
import { forEachEngine } from '../helpers/database.ts';
import { pageText } from '../helpers/forms.ts';

const hour = 3_600_000;
const en = consoleMessages.en.queue;
const ur = consoleMessages.ur.queue;
/** The link one case reported, and the same link as someone else might type it. */
const link = 'https://www.example.com/Path?a=1';
const linkTypedOtherwise = ' “hxxps://WWW.Example[.]com:443/Path?a=1.”';
const pagingCases = queuePageSize + 5;
/** The problems' words as the console shows them (its own wording over the public pages'). */
const problems = {
  en: { ...messages.en.problems, ...consoleMessages.en.problems },
  ur: { ...messages.ur.problems, ...consoleMessages.ur.problems },
};

forEachEngine('finding cases in the queue', (engine) => {
  let t: TestApp;
  let supervisor: EnrolledStaff;
  let analyst: EnrolledStaff;
  let asSupervisor: Browser;
  let asAnalyst: Browser;
  /** The references of the cases filed for these tests, by name. */
  const ref: Record<string, string> = {};
  const caseIds: Record<string, string> = {};
  const reportIds: Record<string, string> = {};

  /** Files a report through the services, received `receivedAt`; its case's reference. */
  async function fileReport(name: string, fields: Record<string, unknown>, receivedAt: Date) {
    const input = reportInputSchema(pakistanToday()).parse({ kind: 'abuse', language: 'en', description: 'A child is hurt.', ...fields });
    const { receipt } = await t.services.reports.submit(input, { source: 'api', client: testClient });
    const [row] = await t.database.db
      .select({ reportId: reports.id, caseId: reports.caseId, reference: cases.reference })
      .from(reports)
      .innerJoin(cases, eq(cases.id, reports.caseId))
      .where(eq(reports.receiptHash, t.keyring.mac('receipt-lookup', receipt)));
    await t.database.asOwner((owner) => owner.db.update(reports).set({ createdAt: receivedAt }).where(eq(reports.id, row!.reportId)));
    ref[name] = row!.reference;
    caseIds[name] = row!.caseId;
    reportIds[name] = row!.reportId;
  }

  const assign = (name: string, staffId: string | null) =>
    t.database.asOwner((owner) => owner.db.update(cases).set({ assignedTo: staffId }).where(eq(cases.id, caseIds[name]!)));

  /** The case references the queue's table shows, in order. */
  const referencesOn = (body: string) =>
    [...body.matchAll(/<td><a href="[^"]*"><bdi dir="ltr">(HZ-\d{4}-\d{6})<\/bdi>/g)].map((m) => m[1]!);

  before(async () => {
    t = await testApp(engine);
    const now = Date.now();
    await fileReport('danger', { province: 'punjab', district: 'Lahore', inDangerNow: true, childAgeBand: '6-10' }, new Date(now - hour));
    await fileReport('linked', { kind: 'online_material', province: 'sindh', urls: [link], inDangerNow: false }, new Date(now - 30 * hour));
    // 15 June 2025, 17:00 in Pakistan.
    await fileReport('june', { province: 'kp', inDangerNow: false }, new Date('2025-06-15T12:00:00Z'));
    for (let i = 0; i < pagingCases; i++) {
      await fileReport(`gb${i}`, { province: 'gb', inDangerNow: false, childAgeBand: '16-17' }, new Date(now - (pagingCases - i) * 60_000));
    }
    supervisor = await enrolStaff(t, 'supervisor');
    analyst = await enrolStaff(t, 'analyst');
    asSupervisor = new Browser(t);
    await asSupervisor.signIn(supervisor);
    asAnalyst = new Browser(t);
    await asAnalyst.signIn(analyst);
    await assign('danger', supervisor.id);
  });
  after(() => t.close());

  test('each filter narrows the queue to the cases that match it', async () => {
    const shown = async (query: string) => {
      const response = await asSupervisor.get(`/console/en/?${query}`);
      assert.equal(response.statusCode, 200, query);
      return referencesOn(response.body);
    };
    assert.deepEqual(await shown('province=punjab'), [ref.danger]);
    assert.deepEqual(await shown('district=Lahore'), [ref.danger]);
    assert.deepEqual(await shown('kind=online_material'), [ref.linked]);
    assert.deepEqual(await shown(`reference=${ref.june!.toLowerCase()}`), [ref.june]);
    assert.deepEqual(await shown('danger=yes'), [ref.danger]);
    assert.deepEqual(await shown(`assignee=${supervisor.id}`), [ref.danger]);
    assert.ok(!(await shown('assignee=none')).includes(ref.danger!));
    assert.deepEqual(await shown('receivedFrom=2025-06-15&receivedTo=2025-06-15'), [ref.june]);
    assert.deepEqual(await shown('receivedTo=2025-06-14'), []);
    // Overdue for triage, oldest first: June's case (a year late) and the one received 30 hours ago.
    assert.deepEqual(await shown('overdue=yes'), [ref.june, ref.linked]);
    assert.deepEqual(await shown('state=new&province=sindh&kind=online_material&overdue=yes'), [ref.linked]);
    assert.deepEqual(await shown('state=closed'), []);
  });

  test('the queue is paged in its order: page 2 holds the rest, and the filters stay in the links', async () => {
    const first = await asSupervisor.get('/console/en/?province=gb');
    const firstPage = referencesOn(first.body);
    assert.equal(firstPage.length, queuePageSize);
    assert.ok(pageText(first.body).includes(en.pageOf(1, 2, pagingCases)));
    // Same urgency, so the oldest report first.
    assert.deepEqual(
      firstPage,
      [...Array(queuePageSize).keys()].map((i) => ref[`gb${i}`]),
    );
    const next = /<a rel="next" href="([^"]+)"/.exec(first.body)?.[1]?.replace(/&amp;/g, '&');
    assert.equal(next, '/console/en/?province=gb&page=2');

    const second = await asSupervisor.get(next!);
    assert.equal(second.statusCode, 200);
    assert.deepEqual(
      referencesOn(second.body),
      [...Array(pagingCases - queuePageSize).keys()].map((i) => ref[`gb${queuePageSize + i}`]),
    );
    assert.ok(pageText(second.body).includes(en.pageOf(2, 2, pagingCases)));
    assert.match(second.body, /<a rel="prev" href="\/console\/en\/\?province=gb"/);

    assert.deepEqual(referencesOn((await asSupervisor.get('/console/en/?province=gb&page=3')).body), []);
  });

  test('a link typed otherwise finds its case through the keyed hash, only within reach, and never in an address or a log', async () => {
    const search = (browser: Browser, typed: string) =>
      browser.post('/console/en/find-link', { link: typed }, { formPage: '/console/en/' });

    const found = await search(asSupervisor, linkTypedOtherwise);
    assert.equal(found.statusCode, 200);
    assert.equal(found.headers.location, undefined);
    assert.deepEqual(referencesOn(found.body), [ref.linked]);
    assert.ok(pageText(found.body).includes(en.linkResults(1)));
    assert.ok(pageText(found.body).includes(en.noFullText));

    // The case is assigned to the supervisor: out of the analyst's reach, it is not found.
    await assign('linked', supervisor.id);
    const hidden = await search(asAnalyst, link);
    assert.equal(hidden.statusCode, 200);
    assert.deepEqual(referencesOn(hidden.body), []);
    const byFilter = await asAnalyst.get('/console/en/?kind=online_material');
    assert.deepEqual(referencesOn(byFilter.body), []);
    await assign('linked', analyst.id);
    assert.deepEqual(referencesOn((await search(asAnalyst, link)).body), [ref.linked]);

    const hrefs = [...found.body.matchAll(/(?:href|action)="([^"]*)"/g)].map((m) => m[1]!);
    assert.ok(hrefs.length > 0);
    for (const href of hrefs) assert.doesNotMatch(href, /example/i);
    const logs = t.logs.join('\n');
    assert.ok(logs.includes('find-link'), 'the requests were logged');
    assert.doesNotMatch(logs, /example/i);
  });

  test("a link's keyed hash, as a case file prints it, finds the case too; a hash of nothing reported finds none", async () => {
    const [stored] = await t.database.db
      .select({ urlHash: reportUrls.urlHash })
      .from(reportUrls)
      .where(eq(reportUrls.reportId, reportIds.linked!));
    const printed = stored!.urlHash.toString('hex');
    const search = (typed: string) => asSupervisor.post('/console/en/find-link', { link: typed }, { formPage: '/console/en/' });
    assert.deepEqual(referencesOn((await search(printed.toUpperCase())).body), [ref.linked]);
    assert.deepEqual(referencesOn((await search(` ${printed} `)).body), [ref.linked]);
    const none = await search('0'.repeat(64));
    assert.equal(none.statusCode, 200);
    assert.deepEqual(referencesOn(none.body), []);
    // One digit short is neither a hash nor a link: refused, the typed value kept.
    const refused = await search(printed.slice(1));
    assert.equal(refused.statusCode, 400);
    assert.ok(refused.body.includes(`value="${printed.slice(1)}"`));
  });

  test('a bad filter value is a 400 in the page language, with the form kept', async () => {
    const refused = await asSupervisor.get('/console/en/?state=lost&reference=HZ-2026-000001');
    assert.equal(refused.statusCode, 400);
    const text = pageText(refused.body);
    assert.ok(text.includes(problems.en.invalid_choice));
    assert.match(refused.body, /name="reference"[^>]*value="HZ-2026-000001"/);
    assert.deepEqual(referencesOn(refused.body), []);

    const urdu = await asSupervisor.get('/console/ur/?receivedFrom=2026-02-30&province=gb');
    assert.equal(urdu.statusCode, 400);
    assert.ok(pageText(urdu.body).includes(problems.ur.invalid_date));
    assert.ok(pageText(urdu.body).includes(ur.noFullText));
    assert.match(urdu.body, /<option value="gb" selected>/);

    for (const query of [
      'page=0',
      'page=abc',
      'assignee=someone',
      'danger=maybe',
      'receivedFrom=2026-03-01&receivedTo=2026-02-01',
      'state=new&state=closed',
    ]) {
      assert.equal((await asSupervisor.get(`/console/en/?${query}`)).statusCode, 400, query);
    }

    const notALink = await asSupervisor.post('/console/en/find-link', { link: 'not a link' }, { formPage: '/console/en/' });
    assert.equal(notALink.statusCode, 400);
    assert.ok(pageText(notALink.body).includes(problems.en.invalid_url));
    assert.match(notALink.body, /name="link"[^>]*value="not a link"/);
  });
  test('a ZARRA case without 1099 notified within 2 hours is overdue, first, and says why; recording the notification ends it', async () => {
    await fileReport('zarra', { province: 'balochistan', inDangerNow: false, childAgeBand: '11-15' }, new Date(Date.now() - 3 * hour));
    // Classified (so triaged): only the ZARRA clock runs.
    await t.services.cases.classifyReport(supervisor, reportIds.zarra!, { category: 'missing' });
    const shown = async (lang: 'en' | 'ur', query: string) => (await asSupervisor.get(`/console/${lang}/?${query}`)).body;
    const rowOf = (body: string, reference: string) =>
      new RegExp(`<tr[^>]*>(?:(?!</tr>)[\\s\\S])*?${reference}[\\s\\S]*?</tr>`).exec(body)?.[0] ?? '';

    const overdue = await shown('en', 'overdue=yes');
    // The youngest child among the overdue (11-15; the others' ages are not known): first.
    assert.deepEqual(referencesOn(overdue), [ref.zarra, ref.june, ref.linked]);
    const row = rowOf(overdue, ref.zarra!);
    assert.match(row, /class="overdue"/);
    assert.ok(row.includes(consoleMessages.en.zarra.overdue), 'the row says ZARRA is why');
    assert.ok(!row.includes(en.overdueTriage), 'and not triage');
    assert.ok(rowOf(overdue, ref.linked!).includes(en.overdueTriage), 'an untriaged case says triage');
    assert.ok(rowOf(await shown('ur', 'province=balochistan'), ref.zarra!).includes(consoleMessages.ur.zarra.overdue), 'in Urdu too');
    // First in the whole queue of open cases too.
    assert.equal(referencesOn(await shown('en', ''))[0], ref.zarra);

    await t.database.asOwner((owner) =>
      owner.db.update(cases).set({ zarra1099NotifiedAt: new Date() }).where(eq(cases.id, caseIds.zarra!)),
    );
    assert.deepEqual(referencesOn(await shown('en', 'overdue=yes')), [ref.june, ref.linked]);
    const notified = rowOf(await shown('en', 'province=balochistan'), ref.zarra!);
    assert.ok(notified, 'still listed');
    assert.doesNotMatch(notified, /class="overdue"/);
    assert.ok(!notified.includes(consoleMessages.en.zarra.overdue));
  });

  test("a link's results are paged like the queue, the link sent again by the form, never in an address", async () => {
    const shared = 'https://paged.example.org/one';
    // Every gb case reported it too (written as the report statement writes links: the keyed hash and a ciphertext).
    await t.database.asOwner((owner) =>
      owner.rawTransaction(async (raw) => {
        for (let i = 0; i < pagingCases; i++) {
          await raw.query('INSERT INTO report_urls (report_id, position, url_hash, url) VALUES ($1, 5, $2, $3)', [
            reportIds[`gb${i}`],
            t.keyring.mac('url-lookup', shared),
            Buffer.from('not read here'),
          ]);
        }
      }),
    );
    const first = await asSupervisor.post('/console/en/find-link', { link: shared }, { formPage: '/console/en/' });
    assert.equal(first.statusCode, 200);
    assert.deepEqual(
      referencesOn(first.body),
      [...Array(queuePageSize).keys()].map((i) => ref[`gb${i}`]),
    );
    const text = pageText(first.body);
    assert.ok(text.includes(en.linkResults(pagingCases)));
    assert.ok(text.includes(en.pageOf(1, 2, pagingCases)));
    const nextForm = /<form method="post" action="\/console\/en\/find-link" class="inline">(?:(?!<\/form>)[\s\S])*<\/form>/.exec(
      first.body,
    )?.[0];
    assert.ok(nextForm, 'the next page is a form');
    assert.match(nextForm, /name="page" value="2"/);
    assert.ok(nextForm.includes(en.nextPage));

    const second = await asSupervisor.post('/console/en/find-link', { link: shared, page: '2' }, { formPage: '/console/en/' });
    assert.equal(second.statusCode, 200);
    assert.deepEqual(
      referencesOn(second.body),
      [...Array(pagingCases - queuePageSize).keys()].map((i) => ref[`gb${queuePageSize + i}`]),
    );
    assert.ok(pageText(second.body).includes(en.pageOf(2, 2, pagingCases)));
    for (const body of [first.body, second.body]) {
      for (const [, href] of body.matchAll(/(?:href|action)="([^"]*)"/g)) assert.doesNotMatch(href!, /paged|example/i);
    }
  });
});
