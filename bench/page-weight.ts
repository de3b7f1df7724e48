/**
 * Bytes a phone downloads for each page of the report, in English and in Urdu, against budgets.
 *
 *   npx tsx bench/page-weight.ts
 *
 * Starts the real server (`node bin/hifazat.mjs start`, PGlite in a temporary directory) and goes
 * through `reportSequence` below as a parent would without JavaScript: each page by GET, or by
 * POSTing the form of the page before (its hidden fields, plus what she types). For each page it
 * counts the response and every subresource a browser fetches for it without JavaScript
 * (stylesheets, and what those import), response headers included, as they travel: asked with a
 * phone browser's `Accept-Encoding: gzip, deflate, br`, which Hifazat's public side answers
 * compressed (http/app.ts); the size decoded is printed beside. Scripts are listed apart: they load only with
 * JavaScript. Fonts (the Urdu font, preloaded or linked from the stylesheet) are counted apart too,
 * with their size and whether stylesheets and fonts come with a Cache-Control that lets a browser
 * keep them.
 *
 * Budgets, each page on a first visit (stylesheet included, font excluded), on the wire:
 * the first step of the report (one screen) at most 15 KB, every page of the report at most 30 KB;
 * the Urdu font at most 150 KB. KB = 1000 bytes. Exits 1 when a budget or a caching check fails,
 * or when a page of the sequence does not load.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { hiddenFieldsOfForm } from '../test/helpers/forms.ts';
import { freePort } from '../test/helpers/server-process.ts';

/** The portal's budget for every page of the report. */
const reportPageBudget = 30_000;
/** The first step (what to report, then send) must load fast on a slow phone. */
const firstStepBudget = 15_000;
const fontBudget = 150_000;
const languages = ['en', 'ur'] as const;
type Language = (typeof languages)[number];

/**
 * A page of the report: GET `get`, or POST to `post` the form of the page before whose action is that
 * path (its hidden fields) with `fields` added, as a browser sends it. Paths follow /{lang}.
 */
type WeighedPage = { name: string; budget: number } & ({ get: string } | { post: string; fields: Record<string, string> });

/** The report as a parent goes through it: one line per page. */
const reportSequence: WeighedPage[] = [
  { name: 'choice of two', get: '/report', budget: reportPageBudget },
  { name: 'first step: online material', get: '/report/online', budget: firstStepBudget },
  { name: 'first step: abuse', get: '/report/abuse', budget: firstStepBudget },
  {
    name: 'receipt',
    post: '/report',
    fields: { description: 'ہمسایہ بچی کو روز اسکول کے راستے میں تنگ کرتا ہے۔' },
    budget: reportPageBudget,
  },
  { name: 'details', post: '/report/details', fields: { action: 'open' }, budget: reportPageBudget },
];
const root = fileURLToPath(new URL('..', import.meta.url));

interface Fetched {
  path: string;
  status: number;
  headerBytes: number;
  /** The body as it travelled (compressed when Hifazat compressed it). */
  wireBytes: number;
  /** The body decoded. */
  body: Buffer;
  contentEncoding: string;
  contentType: string;
  cacheControl: string;
}

/** GET (or POST a form) over HTTP/1.1 as a phone's browser asks, compression accepted: the bytes exactly as Hifazat sends them. */
function get(port: number, path: string, form?: Record<string, string>): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const body = form ? new URLSearchParams(form).toString() : undefined;
    const headers = {
      'accept-language': 'en',
      'accept-encoding': 'gzip, deflate, br',
      ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    };
    const request = http.request({ host: '127.0.0.1', port, path, method: body ? 'POST' : 'GET', headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (c: Buffer) => chunks.push(c));
      response.on('error', reject);
      response.on('end', () => {
        const wire = Buffer.concat(chunks);
        const contentEncoding = String(response.headers['content-encoding'] ?? 'identity');
        const body = contentEncoding === 'br' ? brotliDecompressSync(wire) : contentEncoding === 'gzip' ? gunzipSync(wire) : wire;
        let headerBytes = Buffer.byteLength(`HTTP/1.1 ${response.statusCode} ${response.statusMessage}\r\n\r\n`);
        for (let i = 0; i < response.rawHeaders.length; i += 2) {
          headerBytes += Buffer.byteLength(`${response.rawHeaders[i]}: ${response.rawHeaders[i + 1]}\r\n`);
        }
        resolve({
          path,
          status: response.statusCode ?? 0,
          headerBytes,
          wireBytes: wire.length,
          body,
          contentEncoding,
          contentType: String(response.headers['content-type'] ?? ''),
          cacheControl: String(response.headers['cache-control'] ?? ''),
        });
      });
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** Subresources of an HTML page: what loads without JavaScript, and the scripts. */
function htmlResources(html: string): { noScript: string[]; scripts: string[] } {
  const noScript = new Set<string>();
  const scripts = new Set<string>();
  for (const tag of html.match(/<(link|img|script|source|video|audio|iframe)\b[^>]*>/gi) ?? []) {
    const attribute = (name: string) => new RegExp(`\\s${name}="([^"]*)"`, 'i').exec(tag)?.[1];
    const name = /^<(\w+)/.exec(tag)![1]!.toLowerCase();
    if (name === 'script') {
      const src = attribute('src');
      if (src) scripts.add(src);
      continue;
    }
    if (name === 'link') {
      const rel = (attribute('rel') ?? '').toLowerCase().split(/\s+/);
      // Only what a browser fetches by itself; hreflang/alternate/canonical links are not fetched.
      if (!rel.some((r) => ['stylesheet', 'icon', 'preload', 'manifest', 'apple-touch-icon'].includes(r))) continue;
      const href = attribute('href');
      if (href) noScript.add(href);
      continue;
    }
    const src = attribute('src');
    if (src) noScript.add(src);
  }
  const local = (u: string) => !u.startsWith('data:');
  return { noScript: [...noScript].filter(local), scripts: [...scripts].filter(local) };
}

/** url(...) and @import references of a stylesheet, resolved against its path. */
function cssResources(css: string, from: string): string[] {
  const found = new Set<string>();
  for (const m of css.matchAll(/@import\s+(?:url\()?\s*['"]?([^'")\s;]+)|url\(\s*['"]?([^'")]+)['"]?\s*\)/g)) {
    const ref = (m[1] ?? m[2])!;
    if (!ref.startsWith('data:')) found.add(new URL(ref, `http://x${from}`).pathname);
  }
  return [...found];
}

const isFont = (path: string) => /\.(woff2?|ttf|otf|eot)$/i.test(path);

/** A response browsers may keep and reuse: a positive max-age, and not no-store, no-cache or private. */
function cacheable(cacheControl: string): boolean {
  const directives = cacheControl
    .toLowerCase()
    .split(',')
    .map((d) => d.trim());
  const maxAge = Number(/max-age=(\d+)/.exec(cacheControl)?.[1] ?? 0);
  return maxAge > 0 && !directives.some((d) => ['no-store', 'no-cache', 'private'].includes(d));
}

const n = (bytes: number) => bytes.toLocaleString('en-US');

/** One page of the sequence: fetched, or its form (found on the page before) sent. Throws when it does not load. */
async function fetchStep(port: number, lang: Language, step: WeighedPage, previousHtml: string): Promise<Fetched> {
  let page: Fetched;
  if ('get' in step) {
    page = await get(port, `/${lang}${step.get}`);
  } else {
    const action = `/${lang}${step.post}`;
    const hidden = hiddenFieldsOfForm(previousHtml, action);
    if (!hidden) throw new Error(`${step.name}: the page before has no form that posts to ${action}`);
    page = await get(port, action, { ...hidden, ...step.fields });
  }
  if (page.status !== 200) throw new Error(`${step.name}: ${page.path} answered ${page.status}`);
  return page;
}

async function main(): Promise<number> {
  const workDir = mkdtempSync(join(os.tmpdir(), 'hifazat-page-weight-'));
  const port = await freePort();
  const child = spawn(process.execPath, [join(root, 'bin/hifazat.mjs'), 'start'], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
      DATA_DIR: join(workDir, 'data'),
      HIFAZAT_KEY_FILE: join(workDir, 'data.key'),
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let failed = false;
  try {
    for (let waited = 0; ; waited += 50) {
      if (child.exitCode !== null) throw new Error('the server exited before it was ready');
      const ready = await get(port, '/readyz').catch(() => undefined);
      if (ready?.status === 200) break;
      if (waited > 120_000) throw new Error('the server was not ready within 120 s');
      await sleep(50);
    }

    process.stdout.write(
      `Hifazat page weight, ${new Date().toISOString()}: ${os.cpus().length} CPUs, ${os.cpus()[0]?.model.trim()}, Node ${process.version}\n` +
        'Bytes per response: headers + body as sent (its encoding), and the body decoded.\n',
    );
    const row = (f: Fetched, note = '') =>
      `  ${f.path.padEnd(44)} ${String(f.status).padStart(3)}  headers ${n(f.headerBytes).padStart(5)}  ` +
      `body ${n(f.wireBytes).padStart(7)} ${f.contentEncoding.padEnd(8)} (decoded ${n(f.body.length).padStart(7)})  Cache-Control: ${f.cacheControl}${note}\n`;

    const fonts = new Map<string, Fetched>();
    const summary: string[] = [];
    for (const lang of languages) {
      let previous = '';
      for (const step of reportSequence) {
        const page = await fetchStep(port, lang, step, previous);
        previous = page.body.toString('utf8');
        const { noScript, scripts } = htmlResources(previous);
        const counted: Fetched[] = [page];
        const queue = [...noScript];
        const seen = new Set<string>(queue);
        while (queue.length > 0) {
          const path = queue.shift()!;
          if (isFont(path)) {
            if (!fonts.has(path)) fonts.set(path, await get(port, path));
            continue;
          }
          const resource = await get(port, path);
          counted.push(resource);
          if (resource.contentType.startsWith('text/css')) {
            for (const ref of cssResources(resource.body.toString('utf8'), path)) {
              if (!seen.has(ref)) {
                seen.add(ref);
                queue.push(ref);
              }
            }
          }
        }

        const method = 'get' in step ? 'GET' : 'POST';
        process.stdout.write(`\n${step.name}, ${method} ${page.path}, without JavaScript (the font apart):\n`);
        for (const f of counted) process.stdout.write(row(f));
        const headers = counted.reduce((s, f) => s + f.headerBytes, 0);
        const onTheWire = headers + counted.reduce((s, f) => s + f.wireBytes, 0);
        const decoded = headers + counted.reduce((s, f) => s + f.body.length, 0);
        const ok = onTheWire <= step.budget;
        failed ||= !ok;
        const verdict = `budget ${n(step.budget)}: ${ok ? 'met' : 'EXCEEDED'}`;
        process.stdout.write(
          `  total transferred: ${n(onTheWire)} bytes (decoded ${n(decoded)}); ${verdict}\n` +
            `  repeat visit (stylesheet cached): ${n(page.headerBytes + page.wireBytes)}\n`,
        );
        summary.push(
          `  ${`${method} ${page.path}`.padEnd(28)} ${step.name.padEnd(30)} ${n(onTheWire).padStart(7)} ${n(decoded).padStart(8)}  ${verdict}`,
        );
        for (const f of counted.slice(1)) {
          const cached = cacheable(f.cacheControl);
          failed ||= !cached;
          process.stdout.write(`  ${f.path}: ${cached ? 'cacheable' : 'NOT CACHEABLE'} (${f.cacheControl || 'no Cache-Control'})\n`);
        }
        if (scripts.length > 0) {
          process.stdout.write(`  only with JavaScript (not counted above):\n`);
          for (const path of scripts) process.stdout.write(row(await get(port, path)));
        }
      }
    }

    process.stdout.write(`\nSummary, first visit without JavaScript, font apart (bytes on the wire, decoded):\n${summary.join('\n')}\n`);
    process.stdout.write('\nFonts the pages and the stylesheet link:\n');
    for (const font of fonts.values()) {
      const withinBudget = font.body.length <= fontBudget;
      const cached = cacheable(font.cacheControl);
      failed ||= !withinBudget || !cached || font.status !== 200;
      process.stdout.write(
        row(font) +
          `  ${font.path}: ${n(font.body.length)} bytes (${font.contentType}); budget ${n(fontBudget)}: ${withinBudget ? 'met' : 'EXCEEDED'}; ` +
          `${cached ? 'cacheable' : 'NOT CACHEABLE'}\n`,
      );
    }
    if (fonts.size === 0) {
      failed = true;
      process.stdout.write('  none found: the Urdu font is linked neither from the pages nor from the stylesheet\n');
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
    rmSync(workDir, { recursive: true, force: true });
  }
  return failed ? 1 : 0;
}

process.exitCode = await main();
