/**
 * Per-client limits hold across processes: two `hifazat start` processes on one PostgreSQL
 * database (as behind a load balancer) share each client's count, so two processes do not give
 * a client twice the limit. PostgreSQL only: an embedded database belongs to one process.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { dammCheckDigit } from '../../src/domain/receipt.ts';
import { engines, testDatabase } from '../helpers/database.ts';
import { formEncode } from '../helpers/forms.ts';
import { freePort, startServerProcess, type ServerProcess } from '../helpers/server-process.ts';

const report = { kind: 'abuse', language: 'en', description: 'Someone keeps sending my son messages.' };

describe('per-client limits across two processes [postgres]', { skip: !engines.includes('postgres') && 'needs TEST_DATABASE_URL' }, () => {
  let workDir: string;
  let database: Awaited<ReturnType<typeof testDatabase>>;
  const servers: ServerProcess[] = [];
  const bases: string[] = [];

  before(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'hifazat-throttles-'));
    database = await testDatabase('postgres');
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      servers.push(
        startServerProcess({
          PATH: process.env.PATH,
          DATA_DIR: join(workDir, `data-${i}`),
          // One data key, as every process of one installation has: the throttles' tags derive from it.
          HIFAZAT_KEY_FILE: join(workDir, 'data.key'),
          DATABASE_URL: database.url!,
          PORT: String(port),
          HOST: '127.0.0.1',
          LOG_LEVEL: 'warn',
          CLIENT_UNVERIFIED_REPORTS_PER_HOUR: '3',
        }),
      );
      bases.push(`http://127.0.0.1:${port}`);
      // The first creates the key file; the second must read the same one.
      await waitUntilReady(bases[i]!, servers[i]!);
    }
  });

  after(async () => {
    for (const server of servers) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    await database.close();
    rmSync(workDir, { recursive: true, force: true });
  });

  /** The i-th request goes to process i mod 2, as a round-robin balancer sends them. */
  const base = (i: number) => bases[i % 2]!;

  test('reports without proof of work: three an hour for one client, not three per process', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const response = await fetch(`${base(i)}/api/v1/reports`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(report),
      });
      statuses.push(response.status);
    }
    assert.deepEqual(statuses, [201, 201, 201, 429, 429, 429]);
  });

  test('failed receipt look-ups: five free for one client across both processes, then a wait', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const body = String(i).padStart(35, '3');
      const response = await fetch(`${base(i)}/api/v1/follow-up`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ receipt: body + String(dammCheckDigit(body)) }),
      });
      statuses.push(response.status);
    }
    assert.deepEqual(statuses, [404, 404, 404, 404, 404, 429]);
  });

  test('failed sign-ins of one account from one client: five free across both processes, then a wait', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const page = await fetch(`${base(i)}/console/en/sign-in`);
      const cookie = page.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1];
      assert.ok(token);
      const response = await fetch(`${base(i)}/console/en/sign-in`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
        body: formEncode({ email: 'nobody@hotline.example.org', password: 'not the password at all', code: '123456', _csrf: token }),
      });
      statuses.push(response.status);
    }
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429]);
  });
});

async function waitUntilReady(base: string, server: ServerProcess): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt++) {
    if (server.hasExited()) throw new Error(`the server exited:\n${server.output()}`);
    try {
      if ((await fetch(`${base}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`the server did not become ready:\n${server.output()}`);
}
