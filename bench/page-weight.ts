/**
 * Bytes a phone downloads for the report page without JavaScript, in English and in Urdu.
 *
 *   npx tsx bench/page-weight.ts
 *
 * Starts the real server (`node bin/hifazat.mjs start`, PGlite in a temporary directory), fetches
 * GET /en/report and /ur/report and every subresource a browser fetches for them without
 * JavaScript (stylesheets, and what those import), and counts response headers and bodies:
 * uncompressed, as Hifazat sends them, and gzip-compressed as a reverse proxy in front would send
 * them (level 6, the zlib/`gzip` default; level 1, nginx's default, in brackets). Scripts are
 * listed apart: they load only with JavaScript. Fonts are counted apart too (the Urdu font), with
 * their size and whether stylesheets and fonts come with a Cache-Control that lets a browser
 * keep them.
 *
 * Budgets: the no-JavaScript report page at most 30 KB transferred (gzip, headers included) without
 * the font; the Urdu font at most 150 KB. KB = 1000 bytes. Exits 1 when a budget or a caching
 * check fails.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { freePort } from '../test/helpers/server-process.ts';

const pageBudget = 30_000;
const fontBudget = 150_000;
const languages = ['en', 'ur'] as const;
const root = fileURLToPath(new URL('..', import.meta.url));

interface Fetched {
  path: string;
  status: number;
  headerBytes: number;
  body: Buffer;
  gzip6: number;
  gzip1: number;
  contentType: string;
  cacheControl: string;
}

/** GET over HTTP/1.1 without asking for compression: the bytes exactly as Hifazat sends them. */
function get(port: number, path: string): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path, headers: { 'accept-language': 'en' } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (c: Buffer) => chunks.push(c));
      response.on('error', reject);
      response.on('end', () => {
        const body = Buffer.concat(chunks);
        let headerBytes = Buffer.byteLength(`HTTP/1.1 ${response.statusCode} ${response.statusMessage}\r\n\r\n`);
        for (let i = 0; i < response.rawHeaders.length; i += 2) {
          headerBytes += Buffer.byteLength(`${response.rawHeaders[i]}: ${response.rawHeaders[i + 1]}\r\n`);
        }
        resolve({
          path,
          status: response.statusCode ?? 0,
          headerBytes,
          body,
          gzip6: gzipSync(body, { level: 6 }).length,
          gzip1: gzipSync(body, { level: 1 }).length,
          contentType: String(response.headers['content-type'] ?? ''),
          cacheControl: String(response.headers['cache-control'] ?? ''),
        });
      });
    });
    request.on('error', reject);
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
        'Bytes per response: headers + body; gzip = body compressed at level 6 [level 1].\n',
    );
    const row = (f: Fetched, note = '') =>
      `  ${f.path.padEnd(44)} ${String(f.status).padStart(3)}  headers ${n(f.headerBytes).padStart(5)}  ` +
      `body ${n(f.body.length).padStart(7)}  gzip ${n(f.gzip6).padStart(6)} [${n(f.gzip1)}]  Cache-Control: ${f.cacheControl}${note}\n`;

    const fonts = new Map<string, Fetched>();
    for (const lang of languages) {
      const page = await get(port, `/${lang}/report`);
      if (page.status !== 200) throw new Error(`GET ${page.path}: ${page.status}`);
      const { noScript, scripts } = htmlResources(page.body.toString('utf8'));
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

      process.stdout.write(`\n/${lang}/report without JavaScript (the font apart):\n`);
      for (const f of counted) process.stdout.write(row(f));
      const headers = counted.reduce((s, f) => s + f.headerBytes, 0);
      const raw = headers + counted.reduce((s, f) => s + f.body.length, 0);
      const gzip6 = headers + counted.reduce((s, f) => s + f.gzip6, 0);
      const gzip1 = headers + counted.reduce((s, f) => s + f.gzip1, 0);
      const ok = gzip6 <= pageBudget && gzip1 <= pageBudget;
      failed ||= !ok;
      process.stdout.write(
        `  total transferred: ${n(raw)} bytes uncompressed, ${n(gzip6)} gzip [${n(gzip1)}]; ` +
          `budget ${n(pageBudget)}: ${ok ? 'met' : 'EXCEEDED'}\n` +
          `  repeat visit (stylesheet cached): ${n(page.headerBytes + page.body.length)} uncompressed, ${n(page.headerBytes + page.gzip6)} gzip\n`,
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

    process.stdout.write('\nFonts the stylesheet links:\n');
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
      process.stdout.write('  none found: the Urdu font is not linked from the stylesheet\n');
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
    rmSync(workDir, { recursive: true, force: true });
  }
  return failed ? 1 : 0;
}

process.exitCode = await main();
