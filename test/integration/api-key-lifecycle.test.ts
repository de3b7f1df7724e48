import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { commandLine } from '../../src/domain/actor.ts';
import { pakistanToday } from '../../src/domain/pakistan-time.ts';
import { buildApp } from '../../src/http/app.ts';
import { openStorage } from '../../src/main.ts';
import { apiKeyScopeCacheMs } from '../../src/services/api-keys.ts';
import { createServices } from '../../src/services/index.ts';
import { testApp, type TestApp } from '../helpers/app.ts';
import { forEachEngine, testDatabase, type Engine } from '../helpers/database.ts';

const bin = new URL('../../bin/hifazat.mjs', import.meta.url).pathname;
const pdq = 'c3'.repeat(32);
const entry = { signal: { type: 'pdq' as const, value: pdq }, quality: 100, label: 'known', source: null };

forEachEngine('API keys: expiry and last use', (engine) => {
  let t: TestApp;
  let now = Date.parse('2026-06-30T18:00:00Z'); // 23:00 in Pakistan
  before(async () => {
    t = await testApp(engine, { clock: () => new Date(now) });
    await t.services.banks.create(commandLine, 'lifecycle');
    await t.services.banks.add(commandLine, 'lifecycle', entry);
    await t.services.matchIndex.refresh();
  });
  after(() => t.close());

  const match = (secret: string) =>
    t.app.inject({ method: 'POST', url: '/api/v1/match', headers: { authorization: `Bearer ${secret}` }, payload: { pdq } });
  const listed = async (id: string) => (await t.services.apiKeys.list()).find((k) => k.id === id)!;
  /** The last-use write is not awaited by the request: wait until it lands. */
  const lastUseOf = async (id: string, after: number) => {
    for (let i = 0; i < 100; i++) {
      const lastUsedAt = (await listed(id)).lastUsedAt;
      if (lastUsedAt && lastUsedAt.getTime() >= after) return lastUsedAt.getTime();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return (await listed(id)).lastUsedAt?.getTime();
  };

  test('a key that expires today works until midnight in Pakistan, then gets 401, though its scope is cached', async () => {
    const key = await t.services.apiKeys.create(commandLine, 'expiring', ['lifecycle'], ['match'], '2026-06-30');
    assert.equal(key.expiresAt?.toISOString(), '2026-06-30T19:00:00.000Z');
    assert.equal((await listed(key.id)).expiresAt?.toISOString(), '2026-06-30T19:00:00.000Z');
    now = Date.parse('2026-06-30T18:59:58Z');
    const before = await match(key.secret);
    assert.equal(before.statusCode, 200);
    assert.equal(before.json().matches[0]?.label, 'known');
    now += 2000; // within the cache's seconds, at the expiry instant
    assert.ok(now - Date.parse('2026-06-30T18:59:58Z') < apiKeyScopeCacheMs);
    assert.equal((await match(key.secret)).statusCode, 401);
    await assert.rejects(t.services.apiKeys.create(commandLine, 'late', ['lifecycle'], ['match'], '2026-06-30'), {
      code: 'validation_failed',
      message: /over already/,
    });
  });

  test('last use is written on the first request, then at most once a minute, not per request', async () => {
    now = Date.parse('2026-07-01T10:00:00Z');
    const key = await t.services.apiKeys.create(commandLine, 'busy', ['lifecycle'], ['match']);
    assert.equal((await listed(key.id)).lastUsedAt, null);
    assert.equal((await match(key.secret)).statusCode, 200);
    assert.equal(await lastUseOf(key.id, now), now);
    const first = now;
    now += 59_000;
    assert.equal((await match(key.secret)).statusCode, 200);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal((await listed(key.id)).lastUsedAt?.getTime(), first, 'no write within the minute');
    now += 2_000;
    assert.equal((await match(key.secret)).statusCode, 200);
    assert.equal(await lastUseOf(key.id, now), now, 'written again after a minute');
    assert.ok(!JSON.stringify(await t.services.apiKeys.list()).includes(key.secret.slice(3)), 'no secret listed');
  });

  test('a failed last-use write is logged at warn level, without the request, and the request is answered', async () => {
    now = Date.parse('2026-07-02T10:00:00Z');
    const key = await t.services.apiKeys.create(commandLine, 'failing write', ['lifecycle'], ['match']);
    // The key's first use is cached, then the row goes: the next minute's write finds a dropped column.
    assert.equal((await match(key.secret)).statusCode, 200);
    await lastUseOf(key.id, now);
    // Only the owner may change the schema (the application's role on PostgreSQL may not).
    await t.database.asOwner((owner) => owner.db.execute('ALTER TABLE api_keys RENAME COLUMN last_used_at TO last_used_at_moved'));
    try {
      now += 61_000;
      t.logs.length = 0;
      assert.equal((await match(key.secret)).statusCode, 200);
      let line: string | undefined;
      for (let i = 0; i < 100 && !line; i++) {
        line = t.logs.find((l) => l.includes('last use failed'));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.ok(line, t.logs.join(''));
      const logged = JSON.parse(line) as { level: number; req?: unknown };
      assert.equal(logged.level, 40);
      assert.equal(logged.req, undefined);
      assert.ok(!line.includes(key.secret.slice(3)));
    } finally {
      await t.database.asOwner((owner) => owner.db.execute('ALTER TABLE api_keys RENAME COLUMN last_used_at_moved TO last_used_at'));
    }
  });
});

forEachEngine('hifazat apikey create --expires, list and revoke', (engine: Engine) => {
  const dir = mkdtempSync(join(tmpdir(), 'hifazat-apikey-'));
  let database: Awaited<ReturnType<typeof testDatabase>> | undefined;
  let env: Record<string, string>;
  before(async () => {
    env = { DATA_DIR: join(dir, 'data') };
    if (engine === 'postgres') {
      database = await testDatabase(engine);
      env.DATABASE_URL = database.url!;
    }
    await withStorage(async (services) => {
      await services.banks.create(commandLine, 'cli-bank');
      await services.banks.add(commandLine, 'cli-bank', entry);
    });
  });
  after(async () => {
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const config = () => loadConfig({ ...env });
  /** The services as another process has them (the embedded database's lock is released after). */
  async function withStorage<T>(work: (services: ReturnType<typeof createServices>) => Promise<T>): Promise<T> {
    const storage = await openStorage(config());
    try {
      return await work(createServices(storage.database, storage.keyring));
    } finally {
      await storage.close();
    }
  }
  const cliEnv = () => ({ ...process.env, ...env, LOG_LEVEL: 'warn' });
  const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { env: cliEnv(), encoding: 'utf8', timeout: 60_000 });
  const runAsync = (...args: string[]) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [bin, ...args], { env: cliEnv() });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });

  test('a bad --expires is refused with its reason, before anything is created', () => {
    const notADate = run('apikey', 'create', '--name', 'x', '--banks', 'cli-bank', '--expires', '2027-02-30');
    assert.equal(notADate.status, 1);
    assert.match(notADate.stderr, /--expires must be a calendar date, YYYY-MM-DD/);
    const past = run('apikey', 'create', '--name', 'x', '--banks', 'cli-bank', '--expires', '2020-01-01');
    assert.equal(past.status, 1);
    assert.match(past.stderr, /--expires 2020-01-01 is over already/);
    assert.equal(run('apikey', 'list').stdout, '', 'no key was created');
    assert.equal(run('apikey', 'revoke').status, 2);
  });

  test('create with --expires, list shows it and its last use after a match; revoke stops it in another process within the cache time', async () => {
    const tomorrow = pakistanToday(new Date(Date.now() + 86_400_000));
    const created = run('apikey', 'create', '--name', 'platform y', '--banks', 'cli-bank', '--scopes', 'match', '--expires', tomorrow);
    assert.equal(created.status, 0, created.stderr);
    const secret = /^hz_[A-Za-z0-9_-]{43}$/m.exec(created.stdout)![0];
    const id = /API key ([0-9a-f-]{36}) created/.exec(created.stdout)![1]!;
    assert.match(created.stdout, new RegExp(`It expires at the end of ${tomorrow}, Pakistan time`));

    const line = () =>
      run('apikey', 'list')
        .stdout.split('\n')
        .find((l) => l.startsWith(id)) ?? '';
    const first = line().split('\t');
    assert.deepEqual(first.slice(0, 4), [id, 'platform y', 'banks: cli-bank', 'scopes: match']);
    assert.match(first[4]!, /^created \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/);
    assert.equal(first[5], `expires ${tomorrow} (end of day, Pakistan)`);
    assert.deepEqual(first.slice(6), ['never used', 'active']);
    assert.ok(!line().includes(secret.slice(3)), 'the secret is never listed');

    // A match through the API, in a process of its own.
    const matchedAt = Date.now();
    await withStorage(async (services) => {
      await services.matchIndex.refresh();
      const app = await buildApp(services, {
        logLevel: 'warn',
        trustProxy: false,
        https: false,
        publicUrl: 'http://hifazat.test',
        matchRequestsPerMinute: 100,
      });
      try {
        const answer = await app.inject({
          method: 'POST',
          url: '/api/v1/match',
          headers: { authorization: `Bearer ${secret}` },
          payload: { pdq },
        });
        assert.equal(answer.statusCode, 200);
        assert.equal(answer.json().matches[0]?.label, 'known');
        for (let i = 0; i < 100 && !(await services.apiKeys.list()).find((k) => k.id === id)?.lastUsedAt; i++) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      } finally {
        await app.close();
      }
    });
    const lastUsed = /^last used (\d{4}-\d{2}-\d{2} \d{2}:\d{2}) UTC$/.exec(line().split('\t')[6]!);
    assert.ok(lastUsed, line());
    assert.ok(Math.abs(Date.parse(`${lastUsed[1]}Z`) - matchedAt) < 120_000);

    if (engine === 'postgres') {
      // A running process has the key's scope cached while the command line revokes it.
      const elsewhere = await openStorage(config());
      try {
        const services = createServices(elsewhere.database, elsewhere.keyring);
        assert.ok(await services.apiKeys.authenticate(secret));
        const revoked = await runAsync('apikey', 'revoke', id);
        const revokedAt = Date.now();
        assert.equal(revoked.status, 0, revoked.stderr);
        while ((await services.apiKeys.authenticate(secret)) && Date.now() - revokedAt < apiKeyScopeCacheMs + 2_000) {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        assert.equal(await services.apiKeys.authenticate(secret), undefined);
        assert.ok(Date.now() - revokedAt <= apiKeyScopeCacheMs + 500, 'refused within the cache time');
      } finally {
        await elsewhere.close();
      }
    } else {
      // The embedded database is one process's at a time: the revocation is seen by the next one.
      const revoked = run('apikey', 'revoke', id);
      assert.equal(revoked.status, 0, revoked.stderr);
    }
    assert.match(line(), /\tREVOKED \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/);
    await withStorage(async (services) => {
      assert.equal(await services.apiKeys.authenticate(secret), undefined);
      const [audited] = (await services.audit.list({ limit: 50 })).filter((e) => e.action === 'api_key.revoke');
      assert.deepEqual([audited?.actor, audited?.objectId, audited?.details], ['cli', id, { name: 'platform y' }]);
    });
    const unknown = run('apikey', 'revoke', '00000000-0000-4000-8000-000000000000');
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /No API key 00000000-0000-4000-8000-000000000000/);
  });
});
