import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { auditActions } from './audit-actions.ts';

const src = new URL('..', import.meta.url).pathname;
/** The source files, tests and this list left out. */
const sources = readdirSync(src, { recursive: true, encoding: 'utf8' })
  .filter((path) => path.endsWith('.ts') && !path.endsWith('.test.ts') && !path.endsWith('audit-actions.ts'))
  .map((path) => ({ path, text: readFileSync(join(src, path), 'utf8') }));
const actionName = /^[a-z_]+(\.[a-z_]+)?$/;

test('the audit actions are listed once each', () => {
  assert.deepEqual(
    auditActions.filter((action, i) => auditActions.indexOf(action) !== i),
    [],
  );
  for (const action of auditActions) assert.match(action, actionName);
});

test('every action the source gives an audit entry is on the list', () => {
  const listed = new Set<string>(auditActions);
  const used = new Set<string>();
  for (const { path, text } of sources) {
    // `action: 'x'`, and both names of `action: cond ? 'x' : 'y'` (a literal that is the value, not an argument).
    for (const [expression] of text.matchAll(/\baction:\s*[^,}\n]*(?:\n\s*[?:][^,}\n]*)*/g)) {
      for (const [, literal] of expression.matchAll(/(?:action:|[?:])\s*'([^']*)'/g)) {
        if (!actionName.test(literal!)) continue;
        used.add(literal!);
        assert.ok(listed.has(literal!), `${path}: '${literal}' is not in domain/audit-actions.ts`);
      }
    }
  }
  // The scan finds what it is meant to (a scan that finds nothing would pass).
  for (const action of ['sign_in', 'case.assign', 'bank_entry.disable', 'bank_entry.enable']) assert.ok(used.has(action), action);
});

test('every listed action is written somewhere in the source (no name is left from removed code)', () => {
  const all = sources.map((s) => s.text).join('\n');
  for (const action of auditActions) assert.ok(all.includes(`'${action}'`), action);
});
