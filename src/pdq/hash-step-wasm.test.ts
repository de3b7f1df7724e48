import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';

test('the committed WebAssembly is what src/pdq/wasm/hash-step.ts compiles to', async () => {
  const script = new URL('../../scripts/build-pdq-wasm.mjs', import.meta.url).pathname;
  // Exits 1 with a message when they differ; execFile then rejects with that output.
  const { stderr } = await promisify(execFile)(process.execPath, [script, '--check']);
  assert.equal(stderr, '');
});
