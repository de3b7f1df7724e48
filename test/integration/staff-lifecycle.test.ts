import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
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

    const disabled = await t.services.staff.disable(administrator, analyst.id);
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

    await t.services.staff.enable(administrator, analyst.id);
    nextStep();
    const again = new Browser(t);
    assert.equal((await again.signIn(analyst, now)).statusCode, 303);
    assert.equal((await again.get('/console/en/')).statusCode, 200, 'signed in again');
    assert.equal((await auditedFor('staff.enable', analyst.id)).length, 1);
    assert.equal((await t.services.audit.verify()).ok, true);
  });

  test('the last active administrator cannot be disabled, nor does anyone disable themselves', async () => {
    await assert.rejects(t.services.staff.disable(commandLine, administrator.id), {
      code: 'invalid_state',
      message: /last active administrator/,
    });
    await assert.rejects(t.services.staff.disable(administrator, administrator.id), { code: 'invalid_state', message: /your own/ });
    const second = await enrolStaff(t, 'administrator', clock);
    await t.services.staff.disable(second, administrator.id);
    await assert.rejects(t.services.staff.disable(commandLine, second.id), { code: 'invalid_state', message: /last active administrator/ });
    await t.services.staff.enable(commandLine, administrator.id);
    assert.equal((await auditedFor('staff.enable', administrator.id))[0]?.actor, 'cli');
  });

  test('an analyst cannot disable or enable anyone; unknown ids and never-enrolled accounts are refused', async () => {
    await assert.rejects(t.services.staff.disable(analyst, administrator.id), { code: 'forbidden' });
    await assert.rejects(t.services.staff.enable(analyst, analyst.id), { code: 'forbidden' });
    await assert.rejects(t.services.staff.disable(administrator, 'not-a-uuid'), { code: 'not_found' });
    await assert.rejects(t.services.staff.disable(administrator, '00000000-0000-4000-8000-000000000000'), { code: 'not_found' });
    const { userId } = await t.services.staff.invite(commandLine, {
      email: 'pending@hotline.example.org',
      displayName: 'P',
      role: 'analyst',
    });
    await assert.rejects(t.services.staff.enable(administrator, userId), { code: 'invalid_state', message: /new invitation/ });
    assert.equal((await t.services.staff.list()).find((s) => s.email === analyst.email)?.status, 'active', 'nothing changed');
  });
});

test('hifazat admin disable and enable act by email, as the command line; an unknown email exits 1', async () => {
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
  assert.equal(run(['admin', 'enable', '--email', 'nobody@hotline.example.org']).status, 1);

  const invited = run(['admin', 'enable', '--email', 'Head@Hotline.example.org']);
  assert.equal(invited.status, 1, 'an account that never enrolled is not enabled');
  assert.match(invited.stderr, /never enrolled: send a new invitation/);
  const notEnrolled = run(['admin', 'disable', '--email', 'head@hotline.example.org']);
  assert.equal(notEnrolled.status, 1);
  assert.match(notEnrolled.stderr, /has not enrolled yet/);
  assert.equal(run(['admin', 'disable']).status, 2, 'no email: the usage');

  // An analyst enrolled through the services, on the same data directory (the command has exited).
  const storage = await openStorage(loadConfig({ DATA_DIR: dataDir }));
  try {
    const { staff } = createServices(storage.database, storage.keyring);
    const { enrolmentToken } = await staff.invite(commandLine, { email: 'leaver@hotline.example.org', displayName: 'L', role: 'analyst' });
    const { secret } = await staff.beginEnrolment(enrolmentToken);
    await staff.completeEnrolment(enrolmentToken, 'river lantern copper meadow', await totp(secret));
  } finally {
    await storage.close();
  }
  const disabled = run(['admin', 'disable', '--email', 'Leaver@hotline.example.org']);
  assert.equal(disabled.status, 0, disabled.stderr);
  assert.match(disabled.stdout, /Disabled leaver@hotline\.example\.org \(analyst\); every session of the account has ended/);
  assert.equal(run(['admin', 'disable', '--email', 'leaver@hotline.example.org']).status, 1, 'already disabled');
  const enabled = run(['admin', 'enable', '--email', 'leaver@hotline.example.org']);
  assert.equal(enabled.status, 0, enabled.stderr);
  assert.match(enabled.stdout, /Enabled leaver@hotline\.example\.org/);

  // While a live process (this one) holds the embedded database, the command says to stop it first.
  const lock = join(dataDir, 'hifazat.lock');
  writeFileSync(lock, String(process.pid));
  try {
    const locked = run(['admin', 'disable', '--email', 'leaver@hotline.example.org']);
    assert.equal(locked.status, 1);
    assert.match(locked.stderr, /in use by another Hifazat process \(PID \d+\)\. Stop it/);
  } finally {
    unlinkSync(lock);
  }
});
