import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { freePort } from '../helpers/server-process.ts';

const bin = new URL('../../bin/hifazat.mjs', import.meta.url).pathname;
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hifazat-cli-'));
  dirs.push(dir);
  return dir;
}

function run(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [bin, ...args], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

test('hifazat --help lists the commands and the configuration', () => {
  const result = run(['--help']);
  assert.equal(result.status, 0);
  for (const word of ['start', 'migrate', 'DATABASE_URL', 'DATA_DIR', 'HIFAZAT_KEY_FILE']) assert.ok(result.stdout.includes(word), word);
});

test('bad configuration says what is wrong and exits 1', () => {
  const result = run(['migrate'], { PORT: 'eighty', DATA_DIR: tempDir() });
  assert.equal(result.status, 1);
  assert.match(result.stderr, /Invalid configuration:[\s\S]*PORT/);
  const badUrl = run(['migrate'], { DATABASE_URL: 'mysql://x', DATA_DIR: tempDir() });
  assert.equal(badUrl.status, 1);
  assert.match(badUrl.stderr, /DATABASE_URL/);
});

test('an unknown command exits 2 with the help', () => {
  const result = run(['frobnicate']);
  assert.equal(result.status, 2);
  assert.match(result.stderr, /Unknown command: frobnicate/);
});

test('migrate creates the embedded database and a private data key; admin create prints a one-time enrolment link', () => {
  const dataDir = tempDir();
  const keyFile = join(tempDir(), 'elsewhere.key');
  const result = run(['migrate'], { DATA_DIR: dataDir, HIFAZAT_KEY_FILE: keyFile });
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /Database is up to date/);
  assert.equal(statSync(keyFile).mode & 0o777, 0o600);
  assert.ok(statSync(join(dataDir, 'pglite')).isDirectory());

  const env = { DATA_DIR: dataDir, HIFAZAT_KEY_FILE: keyFile };
  const admin = run(['admin', 'create', '--email', 'Head@Hotline.example.org', '--url', 'https://hotline.example.org/'], env);
  assert.equal(admin.status, 0, admin.stderr);
  assert.match(admin.stdout, /Administrator head@hotline\.example\.org created/);
  assert.match(admin.stdout, /^https:\/\/hotline\.example\.org\/console\/en\/enrol\/[A-Za-z0-9_-]{43}$/m);
  const again = run(['admin', 'create', '--email', 'head@hotline.example.org'], env);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /already has an account/);
});

test('start serves, and a second process on the same data directory is refused', async () => {
  const dataDir = tempDir();
  const port = await freePort();
  const server = spawn(process.execPath, [bin, 'start'], {
    env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let out = '';
    server.stdout.on('data', (chunk: Buffer) => (out += chunk));
    const deadline = Date.now() + 40_000;
    while (!out.includes('running at') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.ok(out.includes(`Hifazat is running at http://127.0.0.1:${port}/`), out);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    assert.equal(ready.status, 200);
    assert.equal(statSync(join(dataDir, 'data.key')).mode & 0o777, 0o600, 'a private data key by default');

    const second = run(['start'], { DATA_DIR: dataDir, PORT: String(await freePort()) });
    assert.equal(second.status, 1);
    assert.match(second.stderr, /in use by another Hifazat process/);
  } finally {
    server.kill('SIGTERM');
    const code = await new Promise((resolve) => server.on('close', resolve));
    assert.equal(code, 0, 'a clean shutdown on SIGTERM');
  }
  // The lock was released: the directory can be used again.
  assert.equal(run(['migrate'], { DATA_DIR: dataDir }).status, 0);
});
