// The import boundaries of eslint.config.js, run through ESLint as `npm run lint` runs them: a
// file placed in one layer that imports a module of a layer it may not is reported, the
// imports the layering allows are not.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ESLint } from 'eslint';

const root = new URL('../..', import.meta.url).pathname;
const eslint = new ESLint({ cwd: root });

/** The boundary messages ESLint gives for `source` as if it were the file at `filePath`. */
async function boundaryFindings(filePath: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: `${root}${filePath}` });
  assert.ok(result, `ESLint linted nothing for ${filePath}`);
  return result.messages.filter((m) => m.ruleId === 'import-x/no-restricted-paths').map((m) => m.message);
}

describe('the layering enforced by the linter', () => {
  for (const [file, imported] of [
    ['src/http/layer-probe.ts', '../store/database.ts'],
    ['src/http/routes/layer-probe.ts', '../../store/schema.ts'],
    ['src/cli/layer-probe.ts', '../store/database.ts'],
  ]) {
    it(`reports ${file} importing ${imported}: http and cli go through services`, async () => {
      const found = await boundaryFindings(file!, `import { openDatabase } from '${imported}';\nexport const probe = openDatabase;\n`);
      assert.equal(found.length, 1, `expected one boundary finding, got ${JSON.stringify(found)}`);
      assert.match(found[0]!, /reaches the database only through services/);
    });
  }

  it('reports domain importing services, store or http', async () => {
    const found = await boundaryFindings(
      'src/domain/layer-probe.ts',
      [
        "import { createServices } from '../services/index.ts';",
        "import { openDatabase } from '../store/database.ts';",
        "import { buildApp } from '../http/app.ts';",
        'export const probe = [createServices, openDatabase, buildApp];',
      ].join('\n'),
    );
    assert.equal(found.length, 3, JSON.stringify(found));
    for (const message of found) assert.match(message, /domain\/ is pure rules/);
  });

  it('reports store importing services, and pdq importing domain', async () => {
    const store = await boundaryFindings('src/store/layer-probe.ts', "export { createServices } from '../services/index.ts';\n");
    assert.equal(store.length, 1, JSON.stringify(store));
    assert.match(store[0]!, /"\.\.\/services\/index\.ts" imported in restricted zone\. store\/ imports only domain\/\./);
    const pdq = await boundaryFindings('src/pdq/layer-probe.ts', "export { HifazatError } from '../domain/errors.ts';\n");
    assert.equal(pdq.length, 1, JSON.stringify(pdq));
    assert.match(pdq[0]!, /pdq\/ runs in a browser too: it imports no other layer\./);
  });

  it('reports outbound importing store or services, and allows services to use outbound', async () => {
    const outbound = await boundaryFindings('src/outbound/layer-probe.ts', "export { openDatabase } from '../store/database.ts';\n");
    assert.equal(outbound.length, 1, JSON.stringify(outbound));
    assert.match(outbound[0]!, /outbound\/ \(guarded requests to other servers\) imports only domain\//);
    assert.deepEqual(await boundaryFindings('src/services/layer-probe.ts', "export { OutboundClient } from '../outbound/http.ts';\n"), []);
    assert.equal((await boundaryFindings('src/store/layer-probe.ts', "export { OutboundClient } from '../outbound/http.ts';\n")).length, 1);
  });

  it('reports services importing http', async () => {
    assert.equal((await boundaryFindings('src/services/layer-probe.ts', "export { buildApp } from '../http/app.ts';\n")).length, 1);
  });

  it('allows services to use store, domain and pdq, and main.ts (the composition root) to use store', async () => {
    const services = [
      "import { openDatabase } from '../store/database.ts';",
      "import { HifazatError } from '../domain/errors.ts';",
      "import { hammingDistance } from '../pdq/hash256.ts';",
      'export const probe = [openDatabase, HifazatError, hammingDistance];',
    ].join('\n');
    assert.deepEqual(await boundaryFindings('src/services/layer-probe.ts', services), []);
    assert.deepEqual(await boundaryFindings('src/main.ts', "export { openDatabase } from './store/database.ts';\n"), []);
    assert.deepEqual(await boundaryFindings('src/http/layer-probe.ts', "export { createServices } from '../services/index.ts';\n"), []);
  });
});
