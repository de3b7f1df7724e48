import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { loadConfig } from '../../src/config.ts';
import { commandLine } from '../../src/domain/actor.ts';
import { openStorage } from '../../src/main.ts';
import { createServices } from '../../src/services/index.ts';
import { staffSessions } from '../../src/store/schema.ts';
import { testApp, type TestApp } from '../helpers/app.ts';
import { Browser, enrolStaff, totp, type EnrolledStaff } from '../helpers/console.ts';
import { freePort, startServerProcess } from '../helpers/server-process.ts';
import { forEachEngine } from '../helpers/database.ts';

forEachEngine('staff lifecycle: disable and enable', (engine) => {
  let t: TestApp;
  let now = new Date('2026-12-01T09:00:10Z');
  const clock = () => now;
  /** A new TOTP time step, so that signing in again is not a replayed code. */
  const nextStep = () => {
    now = new Date(now.getTime() + 60_000);
  };
  let administrator: EnrolledStaff;
  let analyst: EnrolledStaff;

  before(async () => {
    t = await testApp(engine, { clock });
    administrator = await enrolStaff(t, 'administrator', clock);
    analyst = await enrolStaff(t, 'analyst', clock);
  });
  after(() => t.close());

  const auditedFor = async (action: string, objectId: string) =>
    (await t.services.audit.list({ limit: 500 })).filter((e) => e.action === action && e.objectId === objectId);

  test('a disabled account is refused at its next console request and cannot sign in; enabled, it signs in again', async () => {
    const browser = new Browser(t);
    assert.equal((await browser.signIn(analyst, now)).statusCode, 303);
    assert.equal((await browser.get('/console/en/')).statusCode, 200, 'signed in');

    const disabled = await t.services.staffAdministration.disable(administrator, analyst.id);
    assert.equal(disabled.email, analyst.email);
    const sessionsLeft = await t.database.db.select().from(staffSessions).where(eq(staffSessions.userId, analyst.id));
    assert.equal(sessionsLeft.length, 0, 'every session ended with the account, before any request');
    const next = await browser.get('/console/en/');
    assert.equal(next.statusCode, 303, 'the live session is refused');
    assert.match(String(next.headers.location), /\/console\/en\/sign-in/);
    assert.equal((await t.services.staff.list()).find((s) => s.id === analyst.id)?.status, 'disabled');
    nextStep();
    assert.equal((await new Browser(t).signIn(analyst, now)).statusCode, 401, 'a disabled account cannot sign in');

    const [entry] = await auditedFor('staff.disable', analyst.id);
    assert.equal(entry?.actor, administrator.email);
    assert.deepEqual(entry?.details, { staffId: analyst.id, email: analyst.email });

    await t.services.staffAdministration.enable(administrator, analyst.id);
    nextStep();
    const again = new Browser(t);
    assert.equal((await again.signIn(analyst, now)).statusCode, 303);
    assert.equal((await again.get('/console/en/')).statusCode, 200, 'signed in again');
    assert.equal((await auditedFor('staff.enable', analyst.id)).length, 1);
    assert.equal((await t.services.audit.verify()).ok, true);
  });

  test('the last active administrator cannot be disabled, nor does anyone disable themselves', async () => {
    await assert.rejects(t.services.staffAdministration.disable(commandLine, administrator.id), {
      code: 'invalid_state',
      message: /last active administrator/,
    });
    await assert.rejects(t.services.staffAdministration.disable(administrator, administrator.id), {
      code: 'invalid_state',
      message: /your own/,
    });
    const second = await enrolStaff(t, 'administrator', clock);
    await t.services.staffAdministration.disable(second, administrator.id);
    await assert.rejects(t.services.staffAdministration.disable(commandLine, second.id), {
      code: 'invalid_state',
      message: /last active administrator/,
    });
    await t.services.staffAdministration.enable(commandLine, administrator.id);
    assert.equal((await auditedFor('staff.enable', administrator.id))[0]?.actor, 'cli');
  });

  test('an analyst cannot disable or enable anyone; unknown ids and never-enrolled accounts are refused', async () => {
    await assert.rejects(t.services.staffAdministration.disable(analyst, administrator.id), { code: 'forbidden' });
    await assert.rejects(t.services.staffAdministration.enable(analyst, analyst.id), { code: 'forbidden' });
    await assert.rejects(t.services.staffAdministration.disable(administrator, 'not-a-uuid'), { code: 'not_found' });
    await assert.rejects(t.services.staffAdministration.disable(administrator, '00000000-0000-4000-8000-000000000000'), {
      code: 'not_found',
    });
    const { userId } = await t.services.staff.invite(commandLine, {
      email: 'pending@hotline.example.org',
      displayName: 'P',
      role: 'analyst',
    });
    await assert.rejects(t.services.staffAdministration.enable(administrator, userId), {
      code: 'invalid_state',
      message: /new invitation/,
    });
    assert.equal((await t.services.staff.list()).find((s) => s.email === analyst.email)?.status, 'active', 'nothing changed');
  });
});

test('hifazat admin: list, role, sessions, revoke-sessions, disable, enable, cancel and reset act by email, as the command line', async () => {
  const bin = new URL('../../bin/hifazat.mjs', import.meta.url).pathname;
  const dataDir = mkdtempSync(join(tmpdir(), 'hifazat-cli-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));
  const run = (args: string[]) =>
    spawnSync(process.execPath, [bin, ...args], {
      env: { ...process.env, LOG_LEVEL: 'warn', DATA_DIR: dataDir },
      encoding: 'utf8',
      timeout: 60_000,
    });
  assert.equal(run(['admin', 'create', '--email', 'head@hotline.example.org']).status, 0);

  const unknown = run(['admin', 'disable', '--email', 'nobody@hotline.example.org']);
  assert.equal(unknown.status, 1);
  assert.match(unknown.stderr, /No staff account has the email nobody@hotline\.example\.org/);
  const invited = run(['admin', 'enable', '--email', 'Head@Hotline.example.org']);
  assert.equal(invited.status, 1, 'an account that never enrolled is not enabled');
  assert.match(invited.stderr, /never enrolled: send a new invitation/);
  const notEnrolled = run(['admin', 'disable', '--email', 'head@hotline.example.org']);
  assert.equal(notEnrolled.status, 1);
  assert.match(notEnrolled.stderr, /has not enrolled yet/);
  const usage = run(['admin', 'role', '--email', 'head@hotline.example.org']);
  assert.equal(usage.status, 2, 'no role: the usage');
  assert.match(usage.stderr, /hifazat admin role --email EMAIL --role/);

  // An analyst enrolled and signed in through the services, and an invitation, on the same data
  // directory (the commands have exited).
  const withServices = async <T>(work: (services: ReturnType<typeof createServices>) => Promise<T>): Promise<T> => {
    const storage = await openStorage(loadConfig({ DATA_DIR: dataDir }));
    try {
      return await work(createServices(storage.database, storage.keyring));
    } finally {
      await storage.close();
    }
  };
  await withServices(async ({ staff }) => {
    const { enrolmentToken } = await staff.invite(commandLine, { email: 'leaver@hotline.example.org', displayName: 'L', role: 'analyst' });
    const { secret } = await staff.beginEnrolment(enrolmentToken);
    const password = 'river lantern copper meadow';
    const { recoveryCodes } = await staff.completeEnrolment(enrolmentToken, password, await totp(secret));
    await staff.signIn({ email: 'leaver@hotline.example.org', password, code: recoveryCodes[0]! }, { address: '127.0.0.1' });
    await staff.invite(commandLine, { email: 'pending@hotline.example.org', displayName: 'P', role: 'auditor' });
  });

  const list = run(['admin', 'list']);
  assert.equal(list.status, 0, list.stderr);
  assert.match(list.stdout, /^head@hotline\.example\.org\tadministrator\tinvited\t/m);
  assert.match(list.stdout, /^leaver@hotline\.example\.org\tanalyst\tactive\tL$/m);

  const sessions = run(['admin', 'sessions', '--email', 'leaver@hotline.example.org']);
  assert.equal(sessions.status, 0, sessions.stderr);
  assert.match(sessions.stdout, /^created\tlast active\tends\n\d{4}-\d\d-\d\dT[^\t]+Z\t[^\t]+Z\t[^\t]+Z\n$/);

  const role = run(['admin', 'role', '--email', 'leaver@hotline.example.org', '--role', 'supervisor']);
  assert.equal(role.status, 0, role.stderr);
  assert.match(role.stdout, /leaver@hotline\.example\.org is now supervisor \(was analyst\)/);
  const badRole = run(['admin', 'role', '--email', 'leaver@hotline.example.org', '--role', 'owner']);
  assert.equal(badRole.status, 1);
  assert.match(badRole.stderr, /Unknown role/);

  const revoked = run(['admin', 'revoke-sessions', '--email', 'leaver@hotline.example.org']);
  assert.equal(revoked.status, 0, revoked.stderr);
  assert.match(revoked.stdout, /Ended 1 session\(s\) of leaver@hotline\.example\.org/);
  assert.match(run(['admin', 'sessions', '--email', 'leaver@hotline.example.org']).stdout, /has no sessions/);

  const disabled = run(['admin', 'disable', '--email', 'Leaver@hotline.example.org']);
  assert.equal(disabled.status, 0, disabled.stderr);
  assert.match(disabled.stdout, /Disabled leaver@hotline\.example\.org \(supervisor\); every session of the account has ended/);
  assert.equal(run(['admin', 'disable', '--email', 'leaver@hotline.example.org']).status, 1, 'already disabled');
  const enabled = run(['admin', 'enable', '--email', 'leaver@hotline.example.org']);
  assert.equal(enabled.status, 0, enabled.stderr);
  assert.match(enabled.stdout, /Enabled leaver@hotline\.example\.org/);

  const cancelled = run(['admin', 'cancel', '--email', 'pending@hotline.example.org']);
  assert.equal(cancelled.status, 0, cancelled.stderr);
  assert.match(cancelled.stdout, /Cancelled the invitation of pending@hotline\.example\.org/);
  assert.match(run(['admin', 'cancel', '--email', 'pending@hotline.example.org']).stderr, /no invitation to cancel/);
  assert.match(run(['admin', 'list']).stdout, /^pending@hotline\.example\.org\tauditor\tinvitation cancelled\t/m);

  // A locked-out administrator is reset from the server: a new link, built from --url.
  const reset = run(['admin', 'reset', '--email', 'leaver@hotline.example.org', '--url', 'https://hotline.example.org']);
  assert.equal(reset.status, 0, reset.stderr);
  assert.match(reset.stdout, /every session ended; the password, second factor and recovery codes no longer work/);
  const token = /^https:\/\/hotline\.example\.org\/console\/en\/enrol\/([\w-]+)$/m.exec(reset.stdout)?.[1];
  assert.ok(token, reset.stdout);
  await withServices(async ({ staff, audit }) => {
    assert.equal((await staff.beginEnrolment(token)).email, 'leaver@hotline.example.org', 'the printed link works');
    const entries = await audit.list({ limit: 100 });
    for (const action of ['staff.role', 'sessions.revoke', 'staff.cancel', 'staff.reset']) {
      assert.equal(entries.find((e) => e.action === action)?.actor, 'cli', action);
    }
  });

  // A process holding the embedded database that is not a server (this one) takes no commands: the command says so.
  const storage = await openStorage(loadConfig({ DATA_DIR: dataDir }));
  try {
    // Not spawnSync: this process must stay free to greet the command on the lock's socket.
    const held = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [bin, 'admin', 'list'], { env: { ...process.env, LOG_LEVEL: 'warn', DATA_DIR: dataDir } });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      child.on('close', (status) => resolve({ status, stderr }));
    });
    assert.equal(held.status, 1);
    assert.match(held.stderr, new RegExp(`\\(PID ${process.pid}\\) is not a running server .*wait for it to finish`));
  } finally {
    await storage.close();
  }

  // While a server runs on it, the commands are run by the server (the control channel): no need to stop it.
  const { DATABASE_URL: _embedded, ...inherited } = process.env;
  const port = await freePort();
  const server = startServerProcess({ ...inherited, DATA_DIR: dataDir, LOG_LEVEL: 'warn', PORT: String(port), HOST: '127.0.0.1' });
  try {
    for (const deadline = Date.now() + 40_000; Date.now() < deadline && !server.hasExited();) {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const cancelledWhileRunning = run(['admin', 'cancel', '--email', 'leaver@hotline.example.org']);
    assert.equal(cancelledWhileRunning.status, 0, `${cancelledWhileRunning.stderr}\n${server.output()}`);
    assert.match(cancelledWhileRunning.stdout, /Cancelled the invitation of leaver@hotline\.example\.org/);
    assert.match(run(['admin', 'list']).stdout, /^leaver@hotline\.example\.org\tsupervisor\tinvitation cancelled\t/m);
    assert.match(
      run(['admin', 'cancel', '--email', 'leaver@hotline.example.org']).stderr,
      /no invitation to cancel/,
      'refusals come back too',
    );
    assert.equal(server.hasExited(), false, 'the server still runs');
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
  }
});
