/**
 * The embedded data directory's lock (store/data-dir-lock.ts): released by the operating system
 * when its process dies, so a server killed with SIGKILL restarts at once; a second live process
 * is refused with the holder's PID; and the control channel it carries answers only with the
 * secret in the data directory. PGlite only: with DATABASE_URL nothing is locked.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, test } from 'node:test';
import { controlSecretFile, lockDataDir, runInHolder, type LockKind } from '../../src/store/data-dir-lock.ts';
import { freePort, startServerProcess, type ServerProcess } from '../helpers/server-process.ts';

const root = new URL('../..', import.meta.url).pathname;
const bin = join(root, 'bin/hifazat.mjs');
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hifazat-lock-'));
  dirs.push(dir);
  return dir;
}

async function startServer(dataDir: string): Promise<ServerProcess> {
  const server = startServerProcess({
    PATH: process.env.PATH,
    DATA_DIR: dataDir,
    PORT: String(await freePort()),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
  });
  for (let waited = 0; !server.output().includes('running at'); waited += 100) {
    if (server.hasExited() || waited > 60_000) throw new Error(`the server did not start:\n${server.output()}`);
    await sleep(100);
  }
  return server;
}

describe('the data directory lock [pglite]', () => {
  test('a server killed with SIGKILL starts again at once; a second live process is refused with the holder’s PID', async () => {
    const dataDir = tempDir();
    const first = await startServer(dataDir);
    first.child.kill('SIGKILL');
    assert.equal((await first.exited).signal, 'SIGKILL');

    // A PID file naming a live process, as a container restart leaves one (its PID 1 lives
    // again): the PID lock of earlier versions refused to start; nothing reads it now.
    writeFileSync(join(dataDir, 'hifazat.lock'), String(process.pid));
    // No wait, no clean-up in between: the kernel released the lock with the process.
    const second = await startServer(dataDir);
    assert.ok(!existsSync(join(dataDir, 'hifazat.lock')), 'the old PID file is removed');
    try {
      const refused = spawnSync(process.execPath, [bin, 'migrate'], {
        env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
        encoding: 'utf8',
        timeout: 60_000,
      });
      assert.equal(refused.status, 1, refused.stderr);
      assert.equal(
        refused.stderr.trim(),
        `The data directory ${dataDir} is in use by another Hifazat process (PID ${second.pid}). Stop it, or set DATA_DIR to another directory.`,
      );
    } finally {
      second.child.kill('SIGTERM');
      assert.equal((await second.exited).code, 0, second.output());
    }
  });

  for (const kind of ['abstract', 'file'] as const satisfies LockKind[]) {
    test(`in one process (${kind}): held until released, then free again`, async () => {
      const dataDir = tempDir();
      const lock = await lockDataDir(dataDir, { kind });
      await assert.rejects(lockDataDir(dataDir, { kind }), {
        code: 'data_dir_locked',
        message: `The data directory ${dataDir} is in use by another Hifazat process (PID ${process.pid}). Stop it, or set DATA_DIR to another directory.`,
      });
      await lock.release();
      await (await lockDataDir(dataDir, { kind })).release();
    });
  }

  test('the socket file a killed process left (where there are no abstract sockets) is taken over', async () => {
    const dataDir = tempDir();
    const holder = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `const { lockDataDir } = await import(${JSON.stringify(join(root, 'src/store/data-dir-lock.ts'))});
         await lockDataDir(${JSON.stringify(dataDir)}, { kind: 'file' });
         console.log('locked');
         setInterval(() => {}, 1000);`,
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    holder.stdout.on('data', (chunk: Buffer) => (out += chunk));
    for (let waited = 0; !out.includes('locked'); waited += 50) {
      assert.ok(waited < 30_000, 'the holder did not lock');
      await sleep(50);
    }
    await assert.rejects(lockDataDir(dataDir, { kind: 'file' }), { message: new RegExp(`\\(PID ${holder.pid}\\)`) });
    holder.kill('SIGKILL');
    await new Promise((resolve) => holder.once('exit', resolve));
    assert.ok(existsSync(join(dataDir, 'hifazat.sock')), 'SIGKILL left the socket file');
    const lock = await lockDataDir(dataDir, { kind: 'file' });
    await lock.release();
    assert.ok(!existsSync(join(dataDir, 'hifazat.sock')), 'a release removes it');
  });

  test('the control channel: nothing when nobody holds the directory; only a server answers, and only with the secret', async () => {
    const dataDir = tempDir();
    assert.equal(await runInHolder(dataDir, 'echo', {}), undefined);
    const lock = await lockDataDir(dataDir);
    try {
      await assert.rejects(runInHolder(dataDir, 'echo', {}), {
        code: 'invalid_state',
        message: new RegExp(`PID ${process.pid}\\) is not a running server`),
      });
      lock.serve(async (command, args) => Buffer.from(`${command} ${args.word}`));
      const answer = await runInHolder(dataDir, 'echo', { word: 'hello' });
      assert.equal(answer?.pid, process.pid);
      assert.equal(Buffer.from(answer!.body).toString(), 'echo hello');

      writeFileSync(join(dataDir, controlSecretFile), 'f'.repeat(64));
      await assert.rejects(runInHolder(dataDir, 'echo', { word: 'hello' }), { code: 'forbidden', message: /control secret is wrong/ });
    } finally {
      await lock.release();
    }
  });
});
