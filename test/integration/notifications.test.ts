import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, test } from 'node:test';
import { HifazatError } from '../../src/domain/errors.ts';
import { pakistanToday } from '../../src/domain/pakistan-time.ts';
import { AuditLog } from '../../src/services/audit.ts';
import { createNotificationService, type NotificationService } from '../../src/services/notifications.ts';
import { AuditLogStore } from '../../src/store/audit-log.ts';
import { openDatabase, type Database } from '../../src/store/database.ts';
import { testApp, type TestApp } from '../helpers/app.ts';
import { Browser, enrolStaff } from '../helpers/console.ts';
import { forEachEngine } from '../helpers/database.ts';
import {
  startMailReceiver,
  startWebhookReceiver,
  unusedPort,
  type MailReceiver,
  type ReceivedMail,
  type WebhookReceiver,
} from '../helpers/notification-receivers.ts';
import { createStaffTeam, type StaffTeam } from '../helpers/staff.ts';

/**
 * Notifications to staff (issue 16) through a local SMTP server and a local webhook receiver:
 * what each says (nothing of the case), who receives it (role and rota), that a failed delivery is
 * retried and delivered later, that two workers on one database deliver each once, and that only
 * non-urgent kinds can be muted.
 */

const secret = 'a webhook secret of at least thirty-two characters';
const narrative = 'NARRATIVE-7Q: the man at the corner shop near the mosque';

/** The text of a mail's body (quoted-printable or base64 decoded) and its decoded subject. */
function mailText(mail: ReceivedMail): { subject: string; body: string } {
  const [head = '', ...rest] = mail.raw.split('\r\n\r\n');
  const body = rest.join('\r\n\r\n');
  const encoding = /content-transfer-encoding:\s*([\w-]+)/i.exec(head)?.[1]?.toLowerCase();
  const decoded =
    encoding === 'base64'
      ? Buffer.from(body, 'base64').toString('utf8')
      : encoding === 'quoted-printable'
        ? Buffer.from(
            body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
            'latin1',
          ).toString('utf8')
        : body;
  const subjectLine = /^subject:\s*(.*(?:\r\n[ \t].*)*)/im.exec(head)?.[1] ?? '';
  const subject = subjectLine.replace(/\r\n[ \t]/g, '').replace(/=\?utf-8\?([bq])\?([^?]*)\?=\s*/gi, (_, kind: string, text: string) =>
    kind.toLowerCase() === 'b'
      ? Buffer.from(text, 'base64').toString('utf8')
      : Buffer.from(
          text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/g, (__, hex: string) => String.fromCharCode(parseInt(hex, 16))),
          'latin1',
        ).toString('utf8'),
  );
  return { subject, body: decoded };
}

forEachEngine('notifications', (engine) => {
  let t: TestApp;
  let team: StaffTeam;
  let mail: MailReceiver;
  let hooks: WebhookReceiver;
  let offset = 0;
  const clock = () => new Date(Date.now() + offset);
  const opened: Database[] = [];

  /** A worker as a process would run it: its own service over `database`, mailing to `smtpUrl`, posting to the receiver. */
  const worker = (
    options: { smtpUrl?: string; webhook?: boolean; database?: Database; allowAddresses?: string[] } = {},
  ): NotificationService => {
    const database = options.database ?? t.database;
    const audit = database === t.database ? t.services.audit : new AuditLog(new AuditLogStore(database), t.keyring);
    return createNotificationService(
      database,
      audit,
      {
        publicUrl: 'http://hifazat.test',
        smtpUrl: options.smtpUrl ?? mail.url,
        from: 'hifazat@hifazat.test',
        ...(options.webhook === false ? {} : { webhookUrl: hooks.url, webhookSecret: secret }),
        outboundAllowAddresses: options.allowAddresses ?? ['127.0.0.1'],
      },
      clock,
    );
  };

  const onDutyAllWeek = (staffId: string) =>
    t.services.notifications.addShifts(team.supervisor, {
      staffId,
      weekdays: ['1', '2', '3', '4', '5', '6', '7'],
      start: '00:00',
      end: '00:00',
    });

  const submit = async (payload: Record<string, unknown>) => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/reports',
      payload: { kind: 'abuse', language: 'en', description: narrative, ...payload },
    });
    assert.equal(response.statusCode, 201, response.body);
    const [row] = await t.database.rawTransaction((raw) =>
      raw.query<{ id: string; case_id: string; reference: string }>(
        'SELECT r.id, r.case_id, c.reference FROM reports r JOIN cases c ON c.id = r.case_id ORDER BY r.created_at DESC LIMIT 1',
      ),
    );
    return { ...row!, receipt: (response.json() as { receipt: string }).receipt };
  };

  beforeEach(async () => {
    offset = 0;
    t = await testApp(engine, { clock });
    team = await createStaffTeam(t.database);
    mail = await startMailReceiver();
    hooks = await startWebhookReceiver();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((d) => d.close()));
    await mail.close();
    await hooks.close();
    await t.close();
  });

  test('a danger-now report reaches the staff on duty, by email and a signed webhook, saying nothing of the case', async () => {
    await onDutyAllWeek(team.analyst.id);
    await onDutyAllWeek(team.supervisor.id);
    const quiet = await submit({ inDangerNow: false });
    const report = await submit({ inDangerNow: true });
    const w = worker();
    const run = await w.runOnce();
    assert.deepEqual(run.created, { danger_report: 2 });
    assert.deepEqual(run.delivered, { sent: 4, failed: 0 });

    assert.deepEqual(mail.mails.flatMap((m) => m.to).sort(), [team.analyst.email, team.supervisor.email].sort());
    const secrets = [narrative, 'NARRATIVE', report.reference, report.id, report.case_id, quiet.reference, report.receipt];
    for (const m of mail.mails) {
      const { subject, body } = mailText(m);
      assert.equal(subject, 'Hifazat: an urgent report is waiting');
      assert.match(body, /An urgent report is waiting in Hifazat\./);
      assert.deepEqual(body.match(/https?:\/\/\S+/g), ['http://hifazat.test/console/en/sign-in']);
      for (const s of secrets) assert.ok(!m.raw.includes(s) && !body.includes(s), `the mail says ${s}`);
    }

    assert.equal(hooks.hooks.length, 2);
    for (const hook of hooks.hooks) {
      const timestamp = String(hook.headers['x-hifazat-timestamp']);
      const expected = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${hook.body}`).digest('hex')}`;
      assert.equal(hook.headers['x-hifazat-signature'], expected);
      assert.notEqual(
        hook.headers['x-hifazat-signature'],
        `sha256=${createHmac('sha256', 'another secret').update(`${timestamp}.${hook.body}`).digest('hex')}`,
      );
      assert.ok(Math.abs(Number(timestamp) - Date.now() / 1000) < 60);
      const body = JSON.parse(hook.body) as {
        kind: string;
        urgent: boolean;
        recipient: { email: string };
        text: string;
        signInUrl: string;
      };
      assert.equal(body.kind, 'danger_report');
      assert.equal(body.urgent, true);
      assert.ok([team.analyst.email, team.supervisor.email].includes(body.recipient.email));
      assert.equal(body.signInUrl, 'http://hifazat.test/console/en/sign-in');
      for (const s of secrets) assert.ok(!hook.body.includes(s), `the webhook says ${s}`);
    }

    // Found again at the next scan, it is not stored or sent again.
    assert.deepEqual(await w.runOnce(), { created: {}, delivered: { sent: 0, failed: 0 } });
    assert.equal(mail.mails.length, 2);
    const [audited] = await t.database.rawTransaction((raw) =>
      raw.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE action = 'notification.create'"),
    );
    assert.equal(audited!.n, 1);
  });

  test('with nobody on duty every supervisor is told; a triage clock 30 minutes from its end escalates to supervisors on duty', async () => {
    assert.equal((await t.services.notifications.rota(team.supervisor)).nobodyOnDuty, true);
    await submit({ inDangerNow: true });
    const w = worker({ webhook: false });
    await w.runOnce();
    assert.deepEqual(mail.mails.flatMap((m) => m.to).sort(), [team.supervisor.email, team.otherSupervisor.email].sort());

    await onDutyAllWeek(team.otherSupervisor.id);
    await onDutyAllWeek(team.analyst.id);
    assert.equal((await t.services.notifications.rota(team.supervisor)).nobodyOnDuty, false);
    mail.mails.length = 0;
    // 1 h 29 min after receipt, the 2-hour clock has 31 minutes left: not yet. The analyst, now on
    // duty, is told of the danger-now report that still waits (the supervisors were told already).
    offset = 89 * 60_000;
    assert.deepEqual((await w.runOnce()).created, { danger_report: 1 });
    assert.deepEqual(
      mail.mails.map((m) => m.to),
      [[team.analyst.email]],
    );
    mail.mails.length = 0;
    offset = 91 * 60_000;
    assert.deepEqual((await w.runOnce()).created, { triage_due: 1 });
    assert.deepEqual(
      mail.mails.map((m) => [m.to, mailText(m).subject]),
      [[[team.otherSupervisor.email], 'Hifazat: a triage time ends within 30 minutes']],
    );
  });

  test('replies and follow-ups reach the assignee, closures the other supervisors; only non-urgent kinds can be muted', async () => {
    const w = worker({ webhook: false });
    const report = await submit({ inDangerNow: false });
    await t.database.rawTransaction((raw) =>
      raw.query('UPDATE cases SET assigned_to = $1 WHERE id = $2', [team.analyst.id, report.case_id]),
    );

    await assert.rejects(t.services.notifications.setMute(team.analyst, 'danger_report', true), (error: unknown) => {
      assert.ok(error instanceof HifazatError && error.code === 'validation_failed');
      assert.equal(error.issues[0]?.problem, 'not_mutable');
      return true;
    });
    await assert.rejects(t.services.notifications.setMute(team.analyst, 'triage_due', true), HifazatError);
    await t.services.notifications.setMute(team.analyst, 'reporter_reply', true);

    const reply = () =>
      t.app.inject({ method: 'POST', url: '/api/v1/follow-up/messages', payload: { receipt: report.receipt, body: `${narrative} again` } });
    assert.equal((await reply()).statusCode, 201);
    assert.deepEqual((await w.runOnce()).created, { reporter_reply: 1 });
    assert.equal(mail.mails.length, 0, 'muted: stored, not sent');
    const own = await t.services.notifications.own(team.analyst);
    assert.deepEqual(
      own.notifications.map((n) => [n.kind, n.muted, n.deliveries.length]),
      [['reporter_reply', true, 0]],
    );
    assert.deepEqual(own.muted, ['reporter_reply']);

    await t.services.notifications.setMute(team.analyst, 'reporter_reply', false);
    assert.equal((await reply()).statusCode, 201);
    await w.runOnce();
    assert.deepEqual(
      mail.mails.map((m) => [m.to, mailText(m).subject]),
      [[[team.analyst.email], 'Hifazat: a reporter has replied']],
    );
    assert.ok(!mailText(mail.mails[0]!).body.includes('NARRATIVE'));

    mail.mails.length = 0;
    await t.database.rawTransaction((raw) =>
      raw.query(
        "UPDATE cases SET closure_requested_by = $1, closure_requested_at = now(), closure_reason = 'no_further_action' WHERE id = $2",
        [team.supervisor.id, report.case_id],
      ),
    );
    await t.database.rawTransaction((raw) =>
      raw.query(
        `INSERT INTO referrals (case_id, agency_id, referred_at, method, fir_status, follow_up_on, created_by)
         VALUES ($1, '00000000-0000-4000-8000-000000000015', now(), 'phone', 'pending', $2::date, $3)`,
        [report.case_id, pakistanToday(clock()), team.analyst.id],
      ),
    );
    await w.runOnce();
    assert.deepEqual(
      mail.mails.map((m) => [m.to[0], mailText(m).subject]).sort(),
      [
        [team.analyst.email, 'Hifazat: a referral follow-up is due'],
        [team.otherSupervisor.email, 'Hifazat: a closure awaits approval'],
      ].sort(),
    );
    const [audited] = await t.database.rawTransaction((raw) =>
      raw.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE action = 'notification.mute'"),
    );
    assert.equal(audited!.n, 2, 'a mute and an unmute; the refused ones are not recorded');
  });

  test('while the mail server is down a delivery is retried with backoff, each attempt recorded, then delivered once', async () => {
    await onDutyAllWeek(team.supervisor.id);
    const port = await unusedPort();
    await mail.close();
    const w = worker({ smtpUrl: `smtp://127.0.0.1:${port}`, webhook: false });
    await submit({ inDangerNow: true });
    assert.deepEqual((await w.runOnce()).delivered, { sent: 0, failed: 1 });
    const state = () =>
      t.database.rawTransaction(async (raw) => ({
        deliveries: await raw.query<{ status: string; attempts: number; last_error: string | null }>(
          'SELECT status, attempts, last_error FROM notification_deliveries',
        ),
        attempts: (await raw.query<{ outcome: string }>('SELECT outcome FROM notification_attempts ORDER BY id')).map((a) => a.outcome),
      }));
    let now = await state();
    assert.equal(now.deliveries[0]!.status, 'pending');
    assert.equal(now.deliveries[0]!.attempts, 1);
    assert.match(now.deliveries[0]!.last_error ?? '', /ECONNREFUSED|connect/i);
    assert.deepEqual(now.attempts, ['failed']);

    // Not again before its backoff (15 s) has passed.
    assert.deepEqual((await w.runOnce()).delivered, { sent: 0, failed: 0 });
    mail = await startMailReceiver(port);
    offset = 16_000;
    assert.deepEqual((await w.runOnce()).delivered, { sent: 1, failed: 0 });
    assert.deepEqual(
      mail.mails.map((m) => m.to),
      [[team.supervisor.email]],
    );
    now = await state();
    assert.deepEqual(now.attempts, ['failed', 'sent']);
    assert.equal(now.deliveries[0]!.status, 'sent');
    offset = 3_600_000;
    assert.deepEqual((await w.runOnce()).delivered, { sent: 0, failed: 0 });
    assert.equal(mail.mails.length, 1);
    const own = await t.services.notifications.own(team.supervisor);
    assert.deepEqual(
      own.notifications[0]!.deliveries.map((d) => [d.channel, d.status, d.attempts]),
      [['email', 'sent', 2]],
    );
  });

  test('an account disabled before its notification goes out is sent nothing (recorded), and others on duty are told', async () => {
    await onDutyAllWeek(team.analyst.id);
    await submit({ inDangerNow: true });
    const w = worker({ webhook: false });
    assert.deepEqual(await w.scan(), { danger_report: 1 });
    await t.database.rawTransaction((raw) => raw.query("UPDATE staff_users SET status = 'disabled' WHERE id = $1", [team.analyst.id]));
    // Nobody is on duty any more, so the supervisors are told instead.
    assert.deepEqual(await w.runOnce(), { created: { danger_report: 2 }, delivered: { sent: 2, failed: 1 } });
    assert.deepEqual(mail.mails.flatMap((m) => m.to).sort(), [team.supervisor.email, team.otherSupervisor.email].sort());
    const rows = await t.database.rawTransaction((raw) =>
      raw.query<{ status: string; error: string }>(
        `SELECT d.status, a.error FROM notification_deliveries d JOIN notification_attempts a ON a.delivery_id = d.id
         JOIN notifications n ON n.id = d.notification_id WHERE n.recipient_id = $1`,
        [team.analyst.id],
      ),
    );
    assert.deepEqual(rows, [{ status: 'failed', error: 'The recipient’s account is no longer active.' }]);
  });

  test('the webhook goes through the outbound guard: a loopback address not allowed is refused, and that is recorded', async () => {
    await onDutyAllWeek(team.supervisor.id);
    await submit({ inDangerNow: true });
    const w = worker({ allowAddresses: [] });
    assert.deepEqual((await w.runOnce()).delivered, { sent: 1, failed: 1 });
    assert.equal(hooks.hooks.length, 0, 'nothing reached the receiver');
    assert.equal(mail.mails.length, 1, 'the email went (SMTP is the operator’s own server, not guarded)');
    const [webhook] = await t.database.rawTransaction((raw) =>
      raw.query<{ status: string; last_error: string }>("SELECT status, last_error FROM notification_deliveries WHERE channel = 'webhook'"),
    );
    assert.equal(webhook?.status, 'pending');
    assert.match(webhook?.last_error ?? '', /127\.0\.0\.1.*not allowed/);
  });

  test('two workers on one database store and deliver each notification exactly once', async () => {
    await mail.close();
    mail = await startMailReceiver(0, 20);
    for (const member of [team.analyst, team.otherAnalyst, team.supervisor, team.otherSupervisor]) await onDutyAllWeek(member.id);
    for (let i = 0; i < 5; i++) await submit({ inDangerNow: true });
    let second = t.database as Database;
    if (engine === 'postgres') {
      second = await openDatabase({ engine: 'postgres', url: t.database.url!, poolSize: 4 });
      opened.push(second);
    }
    const a = worker();
    const b = worker({ database: second });
    await Promise.all([a.scan(), b.scan(), a.scan(), b.scan()]);
    const [stored] = await t.database.rawTransaction((raw) =>
      raw.query<{ n: number; d: number }>(
        'SELECT (SELECT count(*)::int FROM notifications) AS n, (SELECT count(*)::int FROM notification_deliveries) AS d',
      ),
    );
    assert.deepEqual(stored, { n: 20, d: 40 });

    const runs = await Promise.all([a.runOnce(), b.runOnce(), a.runOnce(), b.runOnce()]);
    const sent = runs.reduce((sum, r) => sum + r.delivered.sent, 0);
    assert.equal(sent, 40);
    assert.equal(mail.mails.length, 20);
    assert.equal(hooks.hooks.length, 20);
    assert.equal(new Set(hooks.hooks.map((h) => h.headers['x-hifazat-delivery'])).size, 20);
    const perRecipient = new Map<string, number>();
    for (const m of mail.mails) for (const to of m.to) perRecipient.set(to, (perRecipient.get(to) ?? 0) + 1);
    assert.deepEqual([...perRecipient.values()], [5, 5, 5, 5]);
    const [attempts] = await t.database.rawTransaction((raw) =>
      raw.query<{ n: number }>('SELECT count(*)::int AS n FROM notification_attempts'),
    );
    assert.equal(attempts!.n, 40);
  });

  test('in the console a supervisor sets the rota and each person mutes their own non-urgent kinds', async () => {
    const supervisor = await enrolStaff(t, 'supervisor');
    const analyst = await enrolStaff(t, 'analyst');
    const browser = new Browser(t);
    await browser.signIn(supervisor);
    let page = await browser.get('/console/en/rota');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Nobody is on duty now: urgent notices go to every supervisor\./);

    const refused = await browser.post(
      '/console/en/rota',
      { staffId: analyst.id, weekdays: '1', start: '9am', end: '17:00' },
      { formPage: '/console/en/rota' },
    );
    assert.equal(refused.statusCode, 400);
    assert.match(refused.body, /Give a time as HH:MM/);

    const added = await browser.post(
      '/console/en/rota',
      { staffId: analyst.id, weekdays: '1', start: '09:00', end: '17:00' },
      { formPage: '/console/en/rota' },
    );
    assert.equal(added.statusCode, 303);
    page = await browser.get('/console/en/rota?done=added');
    assert.match(page.body, /Shifts added\./);
    assert.match(page.body, /Monday 09:00–17:00/);
    const ur = await browser.get('/console/ur/rota');
    assert.match(ur.body, /پیر 09:00–17:00/);
    const [audited] = await t.database.rawTransaction((raw) =>
      raw.query<{ action: string; object_id: string }>("SELECT action, object_id FROM audit_log WHERE action = 'rota.add'"),
    );
    assert.equal(audited?.object_id, analyst.id);
    const shiftId = /name="shift" value="(\d+)"/.exec(page.body)?.[1];
    assert.ok(shiftId);
    const removed = await browser.post('/console/en/rota/remove', { shift: shiftId }, { formPage: '/console/en/rota' });
    assert.equal(removed.statusCode, 303);
    assert.doesNotMatch((await browser.get('/console/en/rota')).body, /Monday 09:00/);

    const analystBrowser = new Browser(t);
    await analystBrowser.signIn(analyst);
    const urgent = await analystBrowser.post(
      '/console/en/notifications/mutes',
      { muted: 'danger_report' },
      { formPage: '/console/en/notifications' },
    );
    assert.equal(urgent.statusCode, 400);
    assert.match(urgent.body, /Urgent notices cannot be muted\./);
    const muted = await analystBrowser.post(
      '/console/en/notifications/mutes',
      { muted: 'closure_request' },
      { formPage: '/console/en/notifications' },
    );
    assert.equal(muted.statusCode, 303);
    const own = await analystBrowser.get('/console/en/notifications?saved=1');
    assert.match(own.body, /Your choices are saved\./);
    assert.match(own.body, /value="closure_request" checked/);
    assert.doesNotMatch(own.body, /value="reporter_reply" checked/);
    assert.match(own.body, /No email or messaging bridge is set up on this server/);
    assert.equal((await analystBrowser.get('/console/en/rota')).statusCode, 403);
  });

  test('each person chooses the language of their own notifications, and the next one is written in it', async () => {
    const analyst = await enrolStaff(t, 'analyst');
    await onDutyAllWeek(analyst.id);
    const browser = new Browser(t);
    await browser.signIn(analyst);
    const refused = await browser.post('/console/en/notifications/language', { language: 'fr' }, { formPage: '/console/en/notifications' });
    assert.equal(refused.statusCode, 400);
    assert.match(refused.body, /value="en" checked/);
    const chosen = await browser.post('/console/en/notifications/language', { language: 'ur' }, { formPage: '/console/en/notifications' });
    assert.equal(chosen.statusCode, 303);
    assert.match((await browser.get('/console/ur/notifications?saved=1')).body, /value="ur" checked/);
    const [audited] = await t.database.rawTransaction((raw) =>
      raw.query<{ details: { language: string } }>("SELECT details FROM audit_log WHERE action = 'notification.language'"),
    );
    assert.equal(audited?.details.language, 'ur');

    await submit({ inDangerNow: true });
    await worker({ webhook: false }).runOnce();
    const received = mail.mails.find((m) => m.to.includes(analyst.email));
    assert.ok(received, 'the analyst on duty was sent the notice');
    const { subject, body } = mailText(received);
    assert.equal(subject, 'حفاظت: ایک فوری رپورٹ منتظر ہے');
    assert.match(body, /حفاظت میں ایک فوری رپورٹ آپ کی منتظر ہے۔/);
    assert.match(body, /\/console\/ur\/sign-in/);
  });
});
