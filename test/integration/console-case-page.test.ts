import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { desc } from 'drizzle-orm';
import { pakistanToday } from '../../src/domain/pakistan-time.ts';
import { reportInputSchema } from '../../src/domain/report.ts';
import { cases, referrals } from '../../src/store/schema.ts';
import { testApp, type TestApp, testClient } from '../helpers/app.ts';
import { Browser, enrolStaff, type EnrolledStaff } from '../helpers/console.ts';
import { forEachEngine } from '../helpers/database.ts';
import { createStaff } from '../helpers/staff.ts';

const nccia = '00000000-0000-4000-8000-00000000cc1a';

/** The opening tag of the form control with this id. */
const control = (body: string, id: string) => new RegExp(`<(select|input|textarea)[^>]*\\bid="${id}"[^>]*>`).exec(body)?.[0];

forEachEngine('case page forms', (engine) => {
  let t: TestApp;
  let analyst: EnrolledStaff;

  before(async () => {
    t = await testApp(engine);
    analyst = await enrolStaff(t, 'analyst');
  });
  after(() => t.close());

  test("a refused FIR update is shown beside its own referral's field, keeping the choice", async () => {
    const input = reportInputSchema(pakistanToday()).parse({
      kind: 'abuse',
      language: 'en',
      description: 'A neighbour follows the child home.',
    });
    await t.services.reports.submit(input, { source: 'api', client: testClient });
    const [{ id: caseId }] = (await t.database.db.select({ id: cases.id }).from(cases)) as [{ id: string }];
    const browser = new Browser(t);
    assert.equal((await browser.signIn(analyst)).statusCode, 303);
    const casePage = `/console/en/cases/${caseId}`;
    const added = await browser.post(
      `${casePage}/referrals`,
      { agencyId: nccia, referredAt: '2026-11-29T10:00', method: 'portal', firStatus: 'pending' },
      { formPage: casePage },
    );
    assert.equal(added.statusCode, 303, added.body);
    const [{ id: referralId }] = (await t.database.db.select({ id: referrals.id }).from(referrals)) as [{ id: number }];

    const refused = await browser.post(`${casePage}/referrals/${referralId}`, { firStatus: 'lost' }, { formPage: casePage });
    assert.equal(refused.statusCode, 400);
    const rowField = control(refused.body, `referral-${referralId}-firStatus`);
    assert.ok(refused.body.includes(`href="#referral-${referralId}-firStatus"`), 'the error summary links to the field');
    assert.ok(rowField, "the referral's own FIR field is on the page");
    assert.match(rowField, /aria-invalid="true"/, 'the error is on the field that was sent');
    const describedBy = /aria-describedby="([^"]+)"/.exec(rowField)?.[1];
    assert.ok(describedBy && refused.body.includes(`id="${describedBy.split(' ').at(-1)}"`), 'the message is tied to the field');
    assert.doesNotMatch(control(refused.body, 'referral-firStatus') ?? '', /aria-invalid/, 'the form for a new referral is left alone');
  });

  test('the assign list offers exactly the staff who may take case work, and nobody else is accepted', async () => {
    const input = reportInputSchema(pakistanToday()).parse({
      kind: 'abuse',
      language: 'en',
      description: 'A tutor is alone with the child.',
    });
    await t.services.reports.submit(input, { source: 'api', client: testClient });
    const [{ id: caseId }] = (await t.database.db.select({ id: cases.id }).from(cases).orderBy(desc(cases.createdAt)).limit(1)) as [
      { id: string },
    ];
    const active = await createStaff(t.database, 'analyst', { displayName: 'Active Analyst' });
    const invited = await createStaff(t.database, 'analyst', { displayName: 'Invited Analyst', status: 'invited' });
    await createStaff(t.database, 'supervisor', { displayName: 'Disabled Supervisor', status: 'disabled' });
    await createStaff(t.database, 'auditor', { displayName: 'An Auditor' });
    const supervisor = await enrolStaff(t, 'supervisor');
    const browser = new Browser(t);
    assert.equal((await browser.signIn(supervisor)).statusCode, 303);
    const casePage = `/console/en/cases/${caseId}`;
    const page = await browser.get(casePage);
    const select = /<select[^>]*id="assign-staffId"[^>]*>([\s\S]*?)<\/select>/.exec(page.body)?.[1] ?? '';
    const offered = [...select.matchAll(/<option value="([^"]+)"[^>]*>([^<]*)</g)].filter(([, id]) => id).map(([, , name]) => name);
    assert.ok(offered.includes('Active Analyst'), 'an active analyst is offered');
    for (const name of ['Invited Analyst', 'Disabled Supervisor', 'An Auditor'])
      assert.ok(!offered.includes(name), `${name} is not offered`);

    const refused = await browser.post(`${casePage}/assign`, { staffId: invited.id }, { formPage: casePage });
    assert.equal(refused.statusCode, 400, 'an account that is not offered is refused too');
    const assigned = await browser.post(`${casePage}/assign`, { staffId: active.id }, { formPage: casePage });
    assert.equal(assigned.statusCode, 303, assigned.body);
  });
});
