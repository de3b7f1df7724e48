import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, test } from 'node:test';
import { asc, eq, inArray, sql } from 'drizzle-orm';
import { HifazatError, type ErrorCode } from '../../src/domain/errors.ts';
import { pakistanToday } from '../../src/domain/pakistan-time.ts';
import { reportInputSchema } from '../../src/domain/report.ts';
import { AuditLog } from '../../src/services/audit.ts';
import { createCaseWork, type CaseWork } from '../../src/services/cases/index.ts';
import { createServices, type Services } from '../../src/services/index.ts';
import { Keyring } from '../../src/services/keys.ts';
import { AuditLogStore } from '../../src/store/audit-log.ts';
import type { Database } from '../../src/store/database.ts';
import {
  auditLog,
  caseNotes,
  cases,
  caseTasks,
  idempotencyKeys,
  incidentRecords,
  referrals,
  reportClassifications,
  reportMessages,
  reports,
  reportUrlClassifications,
  reportUrls,
  settings,
} from '../../src/store/schema.ts';
import { forEachEngine, testDatabase } from '../helpers/database.ts';
import { createStaffTeam, type StaffTeam } from '../helpers/staff.ts';
import { testClient } from '../helpers/app.ts';

const hour = 3_600_000;
const day = 24 * hour;
const nccia = '00000000-0000-4000-8000-00000000cc1a';

/** Rejects with a HifazatError of this code. */
const refused = (promise: Promise<unknown>, code: ErrorCode) =>
  assert.rejects(promise, (e: unknown) => e instanceof HifazatError && e.code === code);

forEachEngine('case work', (engine) => {
  let database: Database;
  let keyring: Keyring;
  let services: Services;
  let audit: AuditLog;
  let work: CaseWork;
  let staff: StaffTeam;
  /** The console's clock; tests move it. */
  let now: Date;

  beforeEach(async () => {
    database = await testDatabase(engine);
    keyring = new Keyring(randomBytes(32));
    services = createServices(database, keyring);
    audit = new AuditLog(new AuditLogStore(database), keyring);
    now = new Date();
    work = createCaseWork(database, keyring, audit, services.reports, services.followUp, () => now);
    staff = await createStaffTeam(database);
  });
  afterEach(() => database.close());

  /** Submits a report as the public API does; returns its receipt, id and case id. */
  async function submit(fields: Record<string, unknown>, idempotencyKey?: string) {
    const input = reportInputSchema(pakistanToday()).parse({ language: 'en', ...fields });
    const { receipt } = await services.reports.submit(input, { source: 'api', idempotencyKey, client: testClient });
    const [row] = await database.db
      .select({ reportId: reports.id, caseId: reports.caseId })
      .from(reports)
      .where(eq(reports.receiptHash, keyring.mac('receipt-lookup', receipt)));
    return { receipt, ...row! };
  }

  const abuse = (fields: Record<string, unknown> = {}) =>
    submit({ kind: 'abuse', description: 'A neighbour hurts the child next door.', ...fields });

  async function receivedAgo(reportId: string, ms: number) {
    await database.db
      .update(reports)
      .set({ createdAt: new Date(now.getTime() - ms) })
      .where(eq(reports.id, reportId));
  }

  async function trail() {
    return database.db
      .select({
        action: auditLog.action,
        actorId: auditLog.actorId,
        objectType: auditLog.objectType,
        objectId: auditLog.objectId,
        details: auditLog.details,
      })
      .from(auditLog)
      .orderBy(asc(auditLog.seq));
  }
  /** A report's first case has the report's id: the object type tells their entries apart. */
  const actionsOf = async (objectType: 'case' | 'report', objectId: string) =>
    (await trail()).filter((e) => e.objectType === objectType && e.objectId === objectId).map((e) => e.action);

  async function caseRow(caseId: string) {
    const [row] = await database.db.select().from(cases).where(eq(cases.id, caseId));
    return row;
  }
  async function incidentOf(caseId: string) {
    const [row] = await database.db.select().from(incidentRecords).where(eq(incidentRecords.caseId, caseId));
    return row;
  }
  const pkDate = (offsetDays: number) => pakistanToday(new Date(now.getTime() + offsetDays * day));

  test('the queue puts overdue cases first, then a child in danger, younger children, the oldest; clocks and counts', async () => {
    const teenOld = await abuse({ childAgeBand: '11-15', inDangerNow: false });
    const toddler = await abuse({ childAgeBand: '0-5' });
    const danger = await abuse({ childAgeBand: '16-17', inDangerNow: true });
    const unknownAge = await abuse();
    const child = await abuse({ childAgeBand: '6-10' });
    const olderToddler = await abuse({ childAgeBand: '0-5' });
    await receivedAgo(teenOld.reportId, 30 * hour);
    await receivedAgo(toddler.reportId, 1 * hour);
    await receivedAgo(danger.reportId, 3 * hour);
    await receivedAgo(unknownAge.reportId, 40 * hour);
    await receivedAgo(child.reportId, 5 * hour);
    await receivedAgo(olderToddler.reportId, 2 * hour);

    const queue = await work.queue(staff.supervisor);
    assert.deepEqual(
      queue.items.map((i) => i.reportIds[0]),
      // Overdue for triage (danger 3 h > 2 h, teenOld 30 h and unknownAge 40 h > 24 h), then the rest, each in the triage order.
      [danger, teenOld, unknownAge, olderToddler, toddler, child].map((r) => r.reportId),
    );
    const byReport = new Map(queue.items.map((i) => [i.reportIds[0], i]));
    assert.deepEqual(byReport.get(danger.reportId)!.dueAt, new Date(now.getTime() - 1 * hour));
    assert.equal(byReport.get(danger.reportId)!.overdue, true, 'in danger now: 2 hours, 3 have passed');
    assert.deepEqual(byReport.get(child.reportId)!.dueAt, new Date(now.getTime() + 19 * hour));
    assert.equal(byReport.get(child.reportId)!.overdue, false);
    assert.equal(byReport.get(teenOld.reportId)!.overdue, true, '24 hours, 30 have passed');
    assert.equal(queue.counts.new, 6);

    // Triage stops the clock and moves the case between the counts.
    await work.classifyReport(staff.supervisor, teenOld.reportId, { category: 'attempted_abuse' });
    const after = await work.queue(staff.supervisor);
    assert.equal(after.items.find((i) => i.case.id === teenOld.caseId)!.overdue, false);
    assert.deepEqual([after.counts.new, after.counts.triaged], [5, 1]);
    assert.deepEqual(
      (await work.queue(staff.supervisor, { state: 'triaged' })).items.map((i) => i.case.id),
      [teenOld.caseId],
    );

    // An analyst's queue: unassigned new cases and their own, not a colleague's.
    await work.assign(staff.supervisor, child.caseId, staff.otherAnalyst.id);
    await work.assign(staff.supervisor, teenOld.caseId, staff.analyst.id);
    const mine = await work.queue(staff.analyst);
    assert.ok(mine.items.some((i) => i.case.id === teenOld.caseId));
    assert.ok(!mine.items.some((i) => i.case.id === child.caseId));
    assert.equal(mine.items.length, 5);
  });

  test('role and reach: analysts only on their cases, auditors only read, administrators read nothing', async () => {
    const report = await abuse();
    // An analyst reads an unassigned new case and takes it by working on it.
    await work.viewReport(staff.otherAnalyst, report.reportId);
    await work.addNote(staff.analyst, report.caseId, 'Taking this one.');
    assert.equal((await caseRow(report.caseId))!.assignedTo, staff.analyst.id);
    assert.ok((await actionsOf('case', report.caseId)).includes('case.assign'));

    await refused(work.viewReport(staff.otherAnalyst, report.reportId), 'forbidden');
    await refused(work.classifyReport(staff.otherAnalyst, report.reportId, { category: 'rape' }), 'forbidden');
    await refused(work.addNote(staff.otherAnalyst, report.caseId, 'mine now'), 'forbidden');
    await refused(work.assign(staff.otherAnalyst, report.caseId, staff.otherAnalyst.id), 'forbidden');
    await refused(work.assign(staff.analyst, report.caseId, staff.otherAnalyst.id), 'forbidden');

    // Auditors read every case and change nothing.
    assert.equal((await work.viewReport(staff.auditor, report.reportId)).id, report.reportId);
    await refused(work.classifyReport(staff.auditor, report.reportId, { category: 'rape' }), 'forbidden');
    await refused(work.addNote(staff.auditor, report.caseId, 'note'), 'forbidden');
    await refused(work.setState(staff.auditor, report.caseId, 'triaged'), 'forbidden');
    await refused(work.askReporter(staff.auditor, report.reportId, 'Hello?'), 'forbidden');

    // Administrators manage accounts, not cases.
    await refused(work.queue(staff.administrator), 'forbidden');
    await refused(work.viewReport(staff.administrator, report.reportId), 'forbidden');
    await refused(work.viewCase(staff.administrator, report.caseId), 'forbidden');
    await refused(work.duplicates(staff.administrator, report.reportId), 'forbidden');

    // Refusals change nothing and leave no note.
    assert.equal((await work.viewCase(staff.supervisor, report.caseId)).notes.length, 1);
    const viewers = (await trail()).filter((e) => e.action === 'report.view').map((e) => e.actorId);
    assert.deepEqual(viewers, [staff.otherAnalyst.id, staff.auditor.id]);
  });

  test('links are shown defanged; the raw URL only through an audited copy; no contact details', async () => {
    const report = await submit({
      kind: 'online_material',
      urls: ['https://files.example.com/v/123', 'http://other.example.org/a.b'],
      site: 'a file host',
      contact: { phone: '0300 1234567', consent: true },
    });
    const view = await work.viewReport(staff.analyst, report.reportId);
    assert.deepEqual(
      view.urls.map((u) => u.defanged),
      ['hxxps://files[.]example[.]com/v/123', 'hxxp://other[.]example[.]org/a.b'],
    );
    assert.equal(view.site, 'a file host');
    assert.equal(view.hasContact, true);
    const shown = JSON.stringify(view);
    assert.ok(!shown.includes('https://') && !shown.includes('files.example.com'), 'no raw URL in the view');
    assert.ok(!shown.includes('1234567'), 'no contact details in the view');

    assert.equal(await work.copyUrl(staff.analyst, report.reportId, 1), 'http://other.example.org/a.b');
    await refused(work.copyUrl(staff.auditor, report.reportId, 0), 'forbidden');
    await refused(work.copyUrl(staff.analyst, report.reportId, 5), 'not_found');
    const entries = (await trail()).filter((e) => e.objectId === report.reportId);
    assert.deepEqual(
      entries.map((e) => [e.action, e.actorId, e.details]),
      [
        ['report.view', staff.analyst.id, { caseId: report.caseId }],
        ['url.copy', staff.analyst.id, { position: 1 }],
      ],
    );
  });

  test('contact details: only a supervisor or the assigned analyst, each reveal audited', async () => {
    const report = await abuse({ contact: { name: 'Amina', phone: '+92 300 1234567', consent: true } });
    await refused(work.revealContact(staff.analyst, report.reportId), 'forbidden'); // not assigned yet
    assert.deepEqual(await work.revealContact(staff.supervisor, report.reportId), {
      name: 'Amina',
      phone: '+92 300 1234567',
      email: null,
    });
    await work.assign(staff.analyst, report.caseId, staff.analyst.id);
    assert.equal((await work.revealContact(staff.analyst, report.reportId))!.name, 'Amina');
    await refused(work.revealContact(staff.otherAnalyst, report.reportId), 'forbidden');
    await refused(work.revealContact(staff.auditor, report.reportId), 'forbidden');
    await refused(work.revealContact(staff.administrator, report.reportId), 'forbidden');
    const reveals = (await trail()).filter((e) => e.action === 'contact.reveal');
    assert.deepEqual(
      reveals.map((e) => e.actorId),
      [staff.supervisor.id, staff.analyst.id],
    );
  });

  test('classifying a report sets the incident record and triages the case; links are classified apart', async () => {
    const report = await submit({ kind: 'online_material', urls: ['https://example.com/x'], childAgeBand: '11-15' });
    await refused(work.classifyReport(staff.analyst, report.reportId, { category: 'pornography' }), 'validation_failed');
    await refused(
      work.classifyReport(staff.analyst, report.reportId, { category: 'abuse_material', materialViewed: true }),
      'validation_failed',
    );
    assert.equal((await caseRow(report.caseId))!.state, 'new', 'a refused classification changes nothing');

    await work.classifyReport(staff.analyst, report.reportId, {
      category: 'sextortion',
      legalBases: ['peca_22', 'ppc_292b_292c'],
      interpolBaseline: false,
      tags: ['self_generated', 'sextortion'],
      victimSex: 'girl',
      materialViewed: true,
      viewedBy: 'analyst on duty',
    });
    await work.classifyUrl(staff.analyst, report.reportId, 0, {
      category: 'abuse_material',
      interpolBaseline: true,
      victimAgeBand: '11-15',
    });
    await refused(work.classifyUrl(staff.analyst, report.reportId, 3, { category: 'other' }), 'not_found');

    const incident = (await incidentOf(report.caseId))!;
    assert.deepEqual([incident.category, incident.victimSex, incident.ageBand], ['sextortion', 'girl', '11-15']);
    const row = (await caseRow(report.caseId))!;
    assert.deepEqual([row.state, row.assignedTo], ['triaged', staff.analyst.id]);

    const view = await work.viewReport(staff.analyst, report.reportId);
    assert.deepEqual(view.classification?.legalBases, ['peca_22', 'ppc_292b_292c']);
    assert.equal(view.classification?.viewedBy, 'analyst on duty');
    assert.equal(view.urls[0]!.classification?.interpolBaseline, true);
    assert.deepEqual(await actionsOf('report', report.reportId), ['report.classify', 'url.classify', 'report.view']);
    assert.deepEqual(await actionsOf('case', report.caseId), ['case.assign', 'case.state']);

    // Reclassifying replaces the first classification; an unknown sex or age keeps what is known.
    await work.classifyReport(staff.analyst, report.reportId, { category: 'online_grooming' });
    const reclassified = (await incidentOf(report.caseId))!;
    assert.deepEqual([reclassified.category, reclassified.victimSex, reclassified.ageBand], ['online_grooming', 'girl', '11-15']);
    const stored = await database.db.select().from(reportClassifications).where(eq(reportClassifications.reportId, report.reportId));
    assert.equal(stored.length, 1);
  });

  test('duplicates: the same normalised link, or a likely same incident', async () => {
    const first = await submit({ kind: 'online_material', urls: ['HTTP://Example.COM/abuse?id=1'] });
    const second = await submit({ kind: 'online_material', urls: ['other.example.net/b', 'example.com/abuse?id=1'] });
    const unrelated = await submit({ kind: 'online_material', urls: ['example.com/abuse?id=2'] });
    const suggested = await work.duplicates(staff.analyst, first.reportId);
    assert.deepEqual(
      suggested.map((d) => [d.reportId, d.sameUrl, d.sameIncident]),
      [[second.reportId, true, false]],
    );
    assert.deepEqual(await work.duplicates(staff.analyst, unrelated.reportId), []);

    const incident = { occurredOn: pkDate(-20), district: 'Lahore', childAgeBand: '6-10', childSex: 'girl' };
    const original = await abuse(incident);
    const sameDaysLater = await abuse({ ...incident, occurredOn: pkDate(-18), district: 'لاہور', childSex: undefined });
    await abuse({ ...incident, occurredOn: pkDate(-10) }); // a week later
    await abuse({ ...incident, district: 'Multan' });
    await abuse({ ...incident, childAgeBand: '11-15' });
    await abuse({ ...incident, childSex: 'boy' });
    const dated = await work.duplicates(staff.supervisor, original.reportId);
    assert.deepEqual(
      dated.map((d) => [d.reportId, d.sameUrl, d.sameIncident]),
      [[sameDaysLater.reportId, false, true]],
    );

    // Once both are classified, different categories are different incidents.
    await work.classifyReport(staff.supervisor, original.reportId, { category: 'rape' });
    await work.classifyReport(staff.supervisor, sameDaysLater.reportId, { category: 'kidnapping' });
    assert.deepEqual(await work.duplicates(staff.supervisor, original.reportId), []);
  });

  test('linking moves the reports, notes and unread messages into one case and closes the other', async () => {
    const target = await submit({ kind: 'online_material', urls: ['https://example.com/abuse'] });
    const other = await submit({ kind: 'online_material', urls: ['example.com/abuse'] });
    await work.addNote(staff.analyst, other.caseId, 'Second reporter, same link.');
    await services.followUp.addReporterMessage(other.receipt, 'It is still online.', testClient);
    await refused(work.linkReports(staff.otherAnalyst, target.caseId, other.caseId), 'forbidden'); // other is the analyst's
    await refused(work.linkReports(staff.analyst, target.caseId, target.caseId), 'invalid_state');

    await work.linkReports(staff.analyst, target.caseId, other.caseId);

    const moved = await database.db.select({ id: reports.id }).from(reports).where(eq(reports.caseId, target.caseId));
    assert.deepEqual(new Set(moved.map((r) => r.id)), new Set([target.reportId, other.reportId]));
    const closed = (await caseRow(other.caseId))!;
    assert.deepEqual(
      [closed.state, closed.closureReason, closed.mergedInto, closed.unreadReporterMessages],
      ['closed', 'duplicate', target.caseId, 0],
    );
    assert.equal(await incidentOf(other.caseId), undefined, 'the incident is counted once');
    const view = await work.viewCase(staff.analyst, target.caseId);
    assert.deepEqual(
      view.notes.map((n) => n.body),
      ['Second reporter, same link.'],
    );
    assert.equal(view.unreadReporterMessages, 1);
    assert.deepEqual(await work.duplicates(staff.analyst, target.reportId), []);
    assert.equal((await services.followUp.view(other.receipt, testClient)).status, 'received', 'the reporter follows the merged case');
    assert.deepEqual(
      (await actionsOf('case', target.caseId)).filter((a) => a === 'case.link'),
      ['case.link'],
    );
    await refused(work.addNote(staff.analyst, other.caseId, 'too late'), 'invalid_state');
  });

  test('lifecycle to closure, with four-eyes approval', async () => {
    const report = await abuse();
    const { caseId } = report;
    await refused(work.setState(staff.analyst, caseId, 'in_progress'), 'invalid_state'); // no skipping triage
    await work.classifyReport(staff.analyst, report.reportId, { category: 'attempted_abuse' });
    await work.setState(staff.analyst, caseId, 'in_progress');
    await refused(work.setState(staff.analyst, caseId, 'new'), 'invalid_state');
    await refused(work.setState(staff.analyst, caseId, 'closed'), 'invalid_state');

    await work.requestClosure(staff.analyst, caseId, 'no_further_action');
    await refused(work.requestClosure(staff.analyst, caseId, 'actioned'), 'invalid_state');
    await refused(work.approveClosure(staff.analyst, caseId), 'forbidden');
    await work.rejectClosure(staff.supervisor, caseId);
    assert.equal((await work.viewCase(staff.analyst, caseId)).closureRequest, null);
    await refused(work.approveClosure(staff.supervisor, caseId), 'invalid_state'); // nothing requested

    await work.requestClosure(staff.supervisor, caseId, 'actioned');
    await refused(work.approveClosure(staff.supervisor, caseId), 'forbidden'); // four eyes
    assert.equal((await caseRow(caseId))!.state, 'in_progress');
    await work.approveClosure(staff.otherSupervisor, caseId);

    const row = (await caseRow(caseId))!;
    assert.deepEqual(
      [row.state, row.closureReason, row.closureRequestedBy, row.closureApprovedBy],
      ['closed', 'actioned', staff.supervisor.id, staff.otherSupervisor.id],
    );
    assert.deepEqual(row.closedAt, now);
    assert.equal((await services.followUp.view(report.receipt, testClient)).status, 'closed');
    await refused(work.setState(staff.supervisor, caseId, 'in_progress'), 'invalid_state');
    await refused(work.addNote(staff.supervisor, caseId, 'after closing'), 'invalid_state');
    assert.deepEqual(await actionsOf('case', caseId), [
      'case.assign',
      'case.state',
      'case.state',
      'case.closure_request',
      'case.closure_reject',
      'case.view',
      'case.closure_request',
      'case.close',
    ]);
    assert.equal((await audit.verify()).ok, true);
  });

  test('referral with FIR pending: the case is referred and an overdue follow-up surfaces; tasks too', async () => {
    const report = await abuse({ childAgeBand: '6-10' });
    const { caseId } = report;
    await refused(
      work.addReferral(staff.analyst, caseId, {
        agencyId: '00000000-0000-4000-8000-000000000000',
        referredAt: now,
        method: 'phone',
        firStatus: 'pending',
      }),
      'validation_failed',
    );
    assert.ok((await work.listAgencies(staff.analyst)).some((a) => a.id === nccia));
    const referralId = await work.addReferral(staff.analyst, caseId, {
      agencyId: nccia,
      referredAt: now,
      method: 'portal',
      agencyReference: 'OCAU-2026-17',
      firStatus: 'pending',
      followUpOn: pkDate(-1),
      notes: 'Officer Khan will call back about the uploader.',
    });
    assert.equal((await caseRow(caseId))!.state, 'referred', 'the first referral refers the case');
    const [stored] = await database.db.select().from(referrals).where(eq(referrals.id, referralId));
    assert.ok(!stored!.notes!.toString('latin1').includes('Khan'), 'referral notes are encrypted');

    const taskId = await work.addTask(staff.analyst, caseId, { title: 'Ask NCCIA for the FIR number', dueOn: pkDate(-2) });
    await work.addTask(staff.analyst, caseId, { title: 'Call the reporter back', dueOn: pkDate(0) }); // due today: not overdue

    let queue = await work.queue(staff.analyst);
    assert.deepEqual(
      queue.overdueFollowUps.map((f) => [f.referralId, f.firStatus, f.followUpOn]),
      [[referralId, 'pending', pkDate(-1)]],
    );
    assert.deepEqual(
      queue.overdueTasks.map((t) => t.taskId),
      [taskId],
    );
    const item = queue.items.find((i) => i.case.id === caseId)!;
    assert.deepEqual([item.overdueFollowUps, item.overdueTasks], [1, 1]);

    const view = await work.viewCase(staff.analyst, caseId);
    assert.equal(view.referrals[0]!.notes, 'Officer Khan will call back about the uploader.');
    assert.equal(view.referrals[0]!.followUpOverdue, true);

    await work.updateReferral(staff.analyst, referralId, { firStatus: 'registered', followUpOn: pkDate(7) });
    await work.completeTask(staff.analyst, taskId);
    await refused(work.completeTask(staff.analyst, taskId), 'invalid_state');
    queue = await work.queue(staff.analyst);
    assert.deepEqual([queue.overdueFollowUps.length, queue.overdueTasks.length], [0, 0]);
    assert.equal((await incidentOf(caseId))!.policeStatus, 'registered');
    await refused(work.updateReferral(staff.otherAnalyst, referralId, { firStatus: 'refused' }), 'forbidden');
    assert.deepEqual(
      (await actionsOf('case', caseId)).filter((a) => a.startsWith('referral.')),
      ['referral.add', 'referral.update'],
    );
  });

  test("a reporter's reply marks the case until it is read; staff questions reach the reporter", async () => {
    const report = await abuse();
    await work.askReporter(staff.analyst, report.reportId, 'Which school is it?');
    const [message] = await database.db.select().from(reportMessages).where(eq(reportMessages.reportId, report.reportId));
    assert.deepEqual([message!.author, message!.staffId], ['staff', staff.analyst.id]);
    assert.deepEqual(
      (await services.followUp.view(report.receipt, testClient)).messages.map((m) => [m.author, m.body]),
      [['staff', 'Which school is it?']],
    );

    await services.followUp.addReporterMessage(report.receipt, 'The government school near the bazaar.', testClient);
    const item = (await work.queue(staff.analyst)).items.find((i) => i.case.id === report.caseId)!;
    assert.equal(item.hasUnreadMessages, true);
    assert.equal(item.case.unreadReporterMessages, 1);
    const thread = (await work.viewReport(staff.analyst, report.reportId)).messages;
    assert.deepEqual(
      thread.map((m) => m.author),
      ['staff', 'reporter'],
    );

    await refused(work.markMessagesRead(staff.otherAnalyst, report.caseId), 'forbidden');
    await work.markMessagesRead(staff.analyst, report.caseId);
    assert.equal((await caseRow(report.caseId))!.unreadReporterMessages, 0);
    assert.equal((await work.queue(staff.analyst)).items.find((i) => i.case.id === report.caseId)!.hasUnreadMessages, false);
    assert.deepEqual(
      (await actionsOf('case', report.caseId)).filter((a) => a === 'messages.read'),
      ['messages.read'],
    );
  });

  test('filing for a caller needs recorded consent and gives the caller a working receipt', async () => {
    const input = reportInputSchema(pakistanToday()).parse({
      kind: 'abuse',
      language: 'ur',
      description: 'Caller says her niece is kept from school.',
      childAgeBand: '11-15',
    });
    await refused(work.fileOnBehalf(staff.analyst, input, { consentRecorded: false, channel: 'phone' }), 'validation_failed');
    await refused(work.fileOnBehalf(staff.auditor, input, { consentRecorded: true, channel: 'phone' }), 'forbidden');
    assert.equal((await database.db.select({ n: sql<number>`count(*)`.mapWith(Number) }).from(reports))[0]!.n, 0);

    const { receipt } = await work.fileOnBehalf(staff.analyst, input, { consentRecorded: true, channel: 'walk_in' });
    const [row] = await database.db
      .select()
      .from(reports)
      .where(eq(reports.receiptHash, keyring.mac('receipt-lookup', receipt)));
    assert.deepEqual([row!.source, row!.filedBy, row!.filingConsent, row!.filingChannel], ['staff', staff.analyst.id, true, 'walk_in']);
    assert.equal((await services.followUp.view(receipt, testClient)).status, 'received');
    const [entry] = (await trail()).filter((e) => e.action === 'report.file');
    assert.deepEqual([entry!.objectId, entry!.actorId, entry!.details], [row!.id, staff.analyst.id, { channel: 'walk_in' }]);
  });

  test('retention: an expired closed case goes with every encrypted field; its incident record stays', async () => {
    const closeAt = async (caseId: string, when: Date) => {
      const real = now;
      now = when;
      await work.requestClosure(staff.supervisor, caseId, 'actioned');
      await work.approveClosure(staff.otherSupervisor, caseId);
      now = real;
    };
    const old = await submit(
      {
        kind: 'online_material',
        urls: ['https://example.com/old', 'https://example.com/old2'],
        description: 'old case',
        contact: { email: 'reporter@example.org', consent: true },
      },
      'idempotency-key-of-the-old-report',
    );
    await services.followUp.addReporterMessage(old.receipt, 'more details', testClient);
    await work.askReporter(staff.supervisor, old.reportId, 'Thank you.');
    await work.classifyReport(staff.supervisor, old.reportId, { category: 'abuse_material', victimSex: 'boy' });
    await work.classifyUrl(staff.supervisor, old.reportId, 1, { category: 'abuse_material' });
    await work.addNote(staff.supervisor, old.caseId, 'secret note');
    await work.addTask(staff.supervisor, old.caseId, { title: 'check', dueOn: pkDate(1) });
    await work.addReferral(staff.supervisor, old.caseId, {
      agencyId: nccia,
      referredAt: now,
      method: 'email',
      firStatus: 'not_applicable',
      notes: 'secret',
    });
    const [{ id: incidentId }] = (await database.db
      .select({ id: incidentRecords.id })
      .from(incidentRecords)
      .where(eq(incidentRecords.caseId, old.caseId))) as [{ id: string }];
    await closeAt(old.caseId, new Date(now.getTime() - 400 * day));

    const recent = await abuse({ description: 'closed two months ago' });
    await closeAt(recent.caseId, new Date(now.getTime() - 60 * day));
    const open = await abuse({ description: 'still open' });
    await work.addNote(staff.supervisor, open.caseId, 'open note');

    assert.deepEqual(await work.purgeClosedCases(now), { cases: 1, reports: 1 });

    const rowsFor = async () => ({
      cases: await database.db.select().from(cases).where(eq(cases.id, old.caseId)),
      reports: await database.db.select().from(reports).where(eq(reports.id, old.reportId)),
      urls: await database.db.select().from(reportUrls).where(eq(reportUrls.reportId, old.reportId)),
      messages: await database.db.select().from(reportMessages).where(eq(reportMessages.reportId, old.reportId)),
      classifications: await database.db.select().from(reportClassifications).where(eq(reportClassifications.reportId, old.reportId)),
      urlClassifications: await database.db
        .select()
        .from(reportUrlClassifications)
        .where(eq(reportUrlClassifications.reportId, old.reportId)),
      notes: await database.db.select().from(caseNotes).where(eq(caseNotes.caseId, old.caseId)),
      tasks: await database.db.select().from(caseTasks).where(eq(caseTasks.caseId, old.caseId)),
      referrals: await database.db.select().from(referrals).where(eq(referrals.caseId, old.caseId)),
      idempotency: await database.db.select().from(idempotencyKeys).where(eq(idempotencyKeys.reportId, old.reportId)),
    });
    for (const [table, rows] of Object.entries(await rowsFor())) assert.deepEqual(rows, [], `${table} has no row of the purged case`);

    const [kept] = await database.db.select().from(incidentRecords).where(eq(incidentRecords.id, incidentId));
    assert.deepEqual([kept!.caseId, kept!.category, kept!.victimSex], [null, 'abuse_material', 'boy']);
    const remaining = await database.db
      .select({ id: cases.id })
      .from(cases)
      .where(inArray(cases.id, [recent.caseId, open.caseId]));
    assert.equal(remaining.length, 2);
    assert.equal((await work.viewCase(staff.supervisor, open.caseId)).notes[0]!.body, 'open note');
    await refused(services.followUp.view(old.receipt, testClient), 'unknown_receipt');

    const [purge] = (await trail()).filter((e) => e.action === 'retention.purge');
    assert.deepEqual([purge!.actorId, purge!.objectId, purge!.details], [null, null, { cases: 1, reports: 1, retentionDays: 365 }]);

    // A shorter retention period set by an administrator takes the case closed two months ago.
    await database.db.update(settings).set({ value: 30 }).where(eq(settings.key, 'retention_days'));
    assert.deepEqual(await work.purgeClosedCases(now), { cases: 1, reports: 1 });
    assert.equal(await caseRow(recent.caseId), undefined);
    assert.deepEqual(await work.purgeClosedCases(now), { cases: 0, reports: 0 });
  });
});
