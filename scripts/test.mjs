#!/usr/bin/env node
// Runs the whole suite with node:test: unit tests beside the code (src/**/*.test.ts), the checks
// of the linter's rules and of docs/ARCHITECTURE.md (test/lint, test/docs), integration
// (test/integration) and browser tests (test/e2e). The whole suite runs `npm run lint` first;
// given files, it runs only those. Prepares once what every integration test file copies: a
// migrated PGlite data directory (dumped to a tarball) and, when TEST_DATABASE_URL is set, a
// migrated template database on that PostgreSQL server, migrated by its owner (TEST_DATABASE_URL's
// user), who grants the least-privileged role the tests' application connects as (test/helpers).
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const roots = args.length > 0 ? args : ['src', 'test/lint', 'test/docs', 'test/integration', 'test/e2e'];

/** Exit code of `npm run lint`; a failure fails the run, after the tests have run too. */
let lintCode = 0;
if (args.length === 0) {
  const lint = spawn('npm', ['run', '--silent', 'lint'], { cwd: root, stdio: 'inherit' });
  lintCode = await new Promise((resolve) => lint.on('close', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
  if (lintCode !== 0) console.error('npm run lint failed: see above. Running the tests all the same.');
}

function findTests(path) {
  if (statSync(path).isFile()) return [path];
  return readdirSync(path, { withFileTypes: true }).flatMap((entry) => {
    const full = join(path, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : findTests(full);
    return entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

const files = roots
  .flatMap((r) => findTests(join(root, r)))
  .map((f) => relative(root, f))
  .sort();
const workDir = mkdtempSync(join(tmpdir(), 'hifazat-test-'));
const env = { ...process.env, HIFAZAT_TEST_DIR: workDir };

const prepare = spawn(process.execPath, ['--import', 'tsx', join(root, 'test/helpers/prepare.ts')], {
  cwd: root,
  env,
  stdio: ['ignore', 'pipe', 'inherit'],
});
let prepared = '';
prepare.stdout.on('data', (chunk) => (prepared += chunk));
const prepareCode = await new Promise((resolve) => prepare.on('close', resolve));
if (prepareCode !== 0) {
  rmSync(workDir, { recursive: true, force: true });
  process.exit(prepareCode ?? 1);
}
Object.assign(env, JSON.parse(prepared));

// At most two test files at once: CI has two cores.
const run = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files], {
  cwd: root,
  env,
  stdio: 'inherit',
});
const code = await new Promise((resolve) => run.on('close', (c, signal) => resolve(c ?? (signal ? 1 : 0))));

const cleanup = spawn(process.execPath, ['--import', 'tsx', join(root, 'test/helpers/prepare.ts'), '--cleanup'], {
  cwd: root,
  env,
  stdio: 'inherit',
});
await new Promise((resolve) => cleanup.on('close', resolve));
rmSync(workDir, { recursive: true, force: true });
if (lintCode !== 0) console.error('npm run lint failed (see its findings before the tests).');
process.exit(code !== 0 ? code : lintCode);
