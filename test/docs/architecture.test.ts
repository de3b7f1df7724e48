// docs/ARCHITECTURE.md against the tree: every source path it names exists, and every source
// module under src/ is named in it, so the map a newcomer reads is the code as it is.
//
// How the doc writes paths, which is what this reads:
// - the module map (the code block under "## Modules") is a tree: a line that starts with a
//   folder (`store/`) opens it for the lines indented below it (and for the rest of its own
//   line); a file name (`schema.ts`) is in the folder of its line; a path with a layer first
//   (`domain/throttling.ts`) is under src/;
// - elsewhere a path has a folder in it: from the repository's root when it starts with one of
//   its folders (`src/…`, `test/…`), under src/ when it starts with a layer (`services/keys.ts`),
//   under src/http/ when it starts with one of http's folders (`views/…`, `assets/…`).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const root = new URL('../..', import.meta.url).pathname;
const docPath = 'docs/ARCHITECTURE.md';

const rootFolders = ['src', 'test', 'bench', 'scripts', 'docs', 'bin'];
const layers = ['domain', 'services', 'store', 'http', 'pdq', 'cli', 'outbound'];
const httpFolders = ['routes', 'views', 'i18n', 'assets'];
const fileName = /(?<![\w./-])((?:[\w-]+\/)*[\w.-]+\.(?:ts|sql|css|js|mjs))(?![\w/-])/g;
const pathWithFolder = /(?<![\w./*-])((?:[\w-]+\/)+[\w.-]+\.(?:ts|sql|css|js|mjs))(?![\w/*-])/g;

/** A path the doc names: as written, the repository path it stands for, and where it is written. */
interface Named {
  written: string;
  path: string | undefined;
  line: number;
  section: string;
}

function underLayer(written: string): string | undefined {
  const first = written.split('/')[0]!;
  if (rootFolders.includes(first)) return written;
  if (layers.includes(first)) return `src/${written}`;
  if (httpFolders.includes(first)) return `src/http/${written}`;
  return undefined;
}

/** Every path `doc` names, read by the conventions above. */
function namedPaths(doc: string): Named[] {
  const named: Named[] = [];
  let section = '(top)';
  let fence: 'none' | 'map' | 'other' = 'none';
  let inModules = false;
  const folders: { indent: number; path: string }[] = [];

  doc.split('\n').forEach((text, index) => {
    const line = index + 1;
    if (text.startsWith('## ')) {
      section = text.slice(3).trim();
      inModules = section === 'Modules';
    }
    if (text.startsWith('```')) {
      fence = fence === 'none' ? (inModules ? 'map' : 'other') : 'none';
      folders.length = 0;
      return;
    }
    if (fence !== 'map') {
      for (const [, written] of text.matchAll(pathWithFolder)) named.push({ written: written!, path: underLayer(written!), line, section });
      return;
    }
    const indent = text.length - text.trimStart().length;
    while (folders.length > 0 && folders.at(-1)!.indent >= indent) folders.pop();
    let rest = text.trim();
    const folder = /^([\w.-]+\/)(?:\s|$)/.exec(rest)?.[1];
    if (folder) {
      const path = join(folders.at(-1)?.path ?? '', folder);
      named.push({ written: folder, path, line, section });
      folders.push({ indent, path });
      rest = rest.slice(folder.length);
    }
    const base = folders.at(-1)?.path ?? '';
    for (const [, written] of rest.matchAll(fileName)) {
      const path = written!.includes('/') && layers.includes(written!.split('/')[0]!) ? `src/${written}` : join(base, written!);
      named.push({ written: written!, path, line, section });
    }
  });
  return named;
}

/** "line 12 (## Modules): services/x.ts, read as src/services/x.ts, does not exist" for each path not in the tree. */
function missingPaths(named: readonly Named[], exists: (path: string) => boolean): string[] {
  return named.flatMap(({ written, path, line, section }) => {
    const where = `${docPath} line ${line} (## ${section})`;
    if (path === undefined) return [`${where}: ${written} starts with no folder the doc's conventions place (src/, services/, views/, …)`];
    return exists(path) ? [] : [`${where}: ${written}${written === path ? '' : `, read as ${path},`} does not exist`];
  });
}

/** Source modules: src/**\/*.ts but tests and generated files. */
function sourceModules(dir = 'src'): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sourceModules(path);
    if (!entry.name.endsWith('.ts') || entry.name.endsWith('.test.ts')) return [];
    return readFileSync(join(root, path), 'utf8').startsWith('// Generated') ? [] : [path];
  });
}

describe('docs/ARCHITECTURE.md', () => {
  const named = namedPaths(readFileSync(join(root, docPath), 'utf8'));

  it('names only paths that exist', () => {
    const missing = missingPaths(named, (path) => existsSync(join(root, path)));
    assert.deepEqual(missing, [], `paths named in ${docPath} that are not in the repository:\n${missing.join('\n')}`);
  });

  it('names every source module under src/', () => {
    const mentioned = new Set(named.map((n) => n.path));
    const unnamed = sourceModules().filter((path) => !mentioned.has(path));
    assert.deepEqual(
      unnamed,
      [],
      `source modules ${docPath} does not name (add them to its module map, "## Modules"):\n${unnamed.join('\n')}`,
    );
  });

  it('reads the module map as a tree and other paths by their first folder', () => {
    const doc = [
      '## Modules',
      '```',
      'src/',
      '  store/      database access',
      '    schema.ts       tables; statistics-schema.ts beside it (rules in domain/throttling.ts)',
      '    migrations/     forward-only SQL',
      '  pdq/        hashing',
      '    wasm/hash-step.ts  its float32 work',
      '    hash256.ts, nowhere.ts',
      '  main.ts     opens storage',
      '```',
      '## Elsewhere',
      'See `services/keys.ts`, views/console/layout.ts, test/helpers/app.ts, core/*.png and somewhere/odd.ts.',
    ].join('\n');
    const named = namedPaths(doc);
    assert.deepEqual(
      named.map((n) => n.path),
      [
        'src/',
        'src/store/',
        'src/store/schema.ts',
        'src/store/statistics-schema.ts',
        'src/domain/throttling.ts',
        'src/store/migrations/',
        'src/pdq/',
        'src/pdq/wasm/hash-step.ts',
        'src/pdq/hash256.ts',
        'src/pdq/nowhere.ts',
        'src/main.ts',
        'src/services/keys.ts',
        'src/http/views/console/layout.ts',
        'test/helpers/app.ts',
        undefined,
      ],
    );
    assert.deepEqual(
      missingPaths(named, (path) => path !== 'src/pdq/nowhere.ts'),
      [
        `${docPath} line 9 (## Modules): nowhere.ts, read as src/pdq/nowhere.ts, does not exist`,
        `${docPath} line 13 (## Elsewhere): somewhere/odd.ts starts with no folder the doc's conventions place (src/, services/, views/, …)`,
      ],
    );
  });
});
