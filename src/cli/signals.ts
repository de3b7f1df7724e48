import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config.ts';
import { commandLine } from '../domain/actor.ts';
import { apiKeyExpiry } from '../domain/api-keys.ts';
import { HifazatError } from '../domain/errors.ts';
import { pakistanToday } from '../domain/pakistan-time.ts';
import { defaultApiKeyScopes, normaliseSignal, parseApiKeyScopes } from '../domain/signals.ts';
import { openStorage } from '../main.ts';
import { apiKeyScopeCacheMs } from '../services/api-keys.ts';
import { computeImageSignals } from '../services/image-signals.ts';
import { createServices } from '../services/index.ts';

/** Every file under the given files and directories, in a stable order. */
async function* filesUnder(paths: string[]): AsyncGenerator<string> {
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (info?.isDirectory()) {
      const names = (await readdir(path)).sort();
      yield* filesUnder(names.map((n) => join(path, n)));
    } else {
      yield path;
    }
  }
}

/**
 * `hifazat hash FILE|DIR...`: one JSON object per line on stdout, problems on stderr, and a
 * non-zero exit at the end when any file could not be hashed.
 */
export async function hashCommand(paths: string[], options: { dihedral: boolean }): Promise<number> {
  if (paths.length === 0) {
    process.stderr.write('Usage: hifazat hash [--dihedral] FILE|DIR...\n');
    return 2;
  }
  const files: string[] = [];
  for await (const file of filesUnder(paths)) files.push(file);
  const showProgress = process.stderr.isTTY && files.length > 1;
  let failed = 0;
  for (const [index, file] of files.entries()) {
    try {
      const signals = await computeImageSignals(await readFile(file), { dihedral: options.dihedral });
      process.stdout.write(
        `${JSON.stringify({ file, pdq: signals.pdq, quality: signals.quality, md5: signals.md5, sha256: signals.sha256, ...(signals.pdqDihedral ? { dihedral: signals.pdqDihedral } : {}) })}\n`,
      );
    } catch (error) {
      failed++;
      process.stderr.write(`${showProgress ? '\r\x1b[K' : ''}${file}: ${(error as Error).message}\n`);
    }
    if (showProgress) process.stderr.write(`\r\x1b[K${index + 1}/${files.length} hashed`);
  }
  if (showProgress) process.stderr.write('\n');
  if (failed > 0) process.stderr.write(`${failed} of ${files.length} files could not be hashed.\n`);
  return failed > 0 ? 1 : 0;
}

const bankUsage =
  'Usage: hifazat bank list | bank import NAME FILE [--source TEXT] | bank export NAME\n' +
  '       hifazat bank disable ENTRY_ID --reason TEXT | bank enable ENTRY_ID\n';

/** `hifazat bank list | import NAME FILE | export NAME | disable ENTRY_ID --reason TEXT | enable ENTRY_ID` */
export async function bankCommand(
  config: Config,
  args: string[],
  options: { source: string | undefined; reason?: string | undefined },
): Promise<number> {
  const [action, name, file] = args;
  // Disabling and enabling act on one entry, for every key, as the operator ('cli'), audited.
  let entryId: number | undefined;
  if (action === 'disable' || action === 'enable') {
    entryId = /^[1-9]\d{0,9}$/.test(name ?? '') ? Number(name) : undefined;
    const reason = options.reason?.trim();
    if (
      entryId === undefined ||
      entryId > 2_147_483_647 ||
      (action === 'disable' && !reason) ||
      (action === 'enable' && options.reason !== undefined)
    ) {
      process.stderr.write(bankUsage);
      return 2;
    }
  }
  const storage = await openStorage(config);
  try {
    const { banks } = createServices(storage.database, storage.keyring);
    if (action === 'list') {
      for (const bank of await banks.list()) {
        process.stdout.write(`${bank.name}\t${bank.entries} entries (${bank.disabled} disabled)\t${bank.description ?? ''}\n`);
      }
      return 0;
    }
    if (action === 'import' && name && file) {
      const result = await banks.import(commandLine, name, await readFile(file, 'utf8'), options.source ?? file);
      process.stdout.write(
        `${file}: ${result.layout ?? 'unknown'} layout; ${result.added} added, ${result.alreadyPresent} already in "${name}", ${result.problems.length} refused.\n`,
      );
      for (const p of result.problems) process.stderr.write(`${file}:${p.line}: ${p.problem}\n`);
      return result.problems.length > 0 ? 1 : 0;
    }
    if (action === 'export' && name) {
      process.stdout.write(await banks.export(name));
      return 0;
    }
    if ((action === 'disable' || action === 'enable') && entryId !== undefined) {
      await banks.setDisabled(commandLine, entryId, action === 'disable' ? options.reason!.trim() : null);
      process.stdout.write(`Entry ${entryId} ${action === 'disable' ? 'disabled for every key' : 'enabled again'}.\n`);
      return 0;
    }
    process.stderr.write(bankUsage);
    return 2;
  } finally {
    await storage.close();
  }
}

/** `hifazat match [--bank NAME] [--distance T] FILE|HASH...`: matches as JSON lines. */
export async function matchCommand(
  config: Config,
  inputs: string[],
  options: { bank: string | undefined; distance: number | undefined },
): Promise<number> {
  if (inputs.length === 0) {
    process.stderr.write('Usage: hifazat match [--bank NAME] [--distance T] FILE|HASH...\n');
    return 2;
  }
  const storage = await openStorage(config);
  try {
    const { banks, matchIndex } = createServices(storage.database, storage.keyring);
    const all = await banks.list();
    const chosen = options.bank ? all.filter((b) => b.name === options.bank) : all;
    if (chosen.length === 0) throw new HifazatError('not_found', `No bank named "${options.bank}".`);
    let failed = 0;
    for (const input of inputs) {
      let query: { pdq?: string[]; md5?: string; sha256?: string };
      const asHash = normaliseSignal(input.length === 32 ? 'md5' : 'pdq', input);
      if (asHash) {
        query = asHash.type === 'md5' ? { md5: asHash.value } : { pdq: [asHash.value], sha256: asHash.value };
      } else {
        try {
          const signals = await computeImageSignals(await readFile(input), { dihedral: true });
          query = { pdq: Object.values(signals.pdqDihedral!), md5: signals.md5, sha256: signals.sha256 };
        } catch (error) {
          failed++;
          process.stderr.write(`${input}: ${(error as Error).message}\n`);
          continue;
        }
      }
      const found = await matchIndex.match(query, {
        bankIds: chosen.map((b) => b.id),
        ...(options.distance === undefined ? {} : { maxDistance: options.distance }),
      });
      const details = await banks.describe(found.map((m) => m.entryId));
      process.stdout.write(
        `${JSON.stringify({ input, matches: found.map((m) => ({ ...details.get(m.entryId), entryId: m.entryId, distance: m.distance })) })}\n`,
      );
    }
    return failed > 0 ? 1 : 0;
  } finally {
    await storage.close();
  }
}

const apiKeyUsage =
  'Usage: hifazat apikey create --name NAME --banks BANK[,BANK...] [--scopes match,feedback] [--expires YYYY-MM-DD]\n' +
  '       hifazat apikey list | apikey revoke ID\n';

/** A moment as `apikey list` shows it: UTC to the minute. */
const shownTime = (at: Date) => `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/**
 * `hifazat apikey create --name NAME --banks a,b [--scopes match,feedback] [--expires YYYY-MM-DD]`
 * (prints the key once), `apikey list`, `apikey revoke ID` (audited, as the operator).
 */
export async function apiKeyCommand(
  config: Config,
  args: string[],
  options: { name: string | undefined; banks: string | undefined; scopes?: string | undefined; expires?: string | undefined },
): Promise<number> {
  const [action, id] = args;
  const scopes = options.scopes === undefined ? defaultApiKeyScopes : parseApiKeyScopes(options.scopes);
  const valid =
    action === 'create'
      ? Boolean(options.name && options.banks && scopes)
      : (action === 'list' && args.length === 1) || (action === 'revoke' && id !== undefined && args.length === 2);
  if (!valid) {
    process.stderr.write(apiKeyUsage);
    return 2;
  }
  // A bad date is refused before the database is opened (the same rule create applies).
  if (action === 'create' && options.expires !== undefined) apiKeyExpiry(options.expires, new Date());
  const storage = await openStorage(config);
  try {
    const { apiKeys } = createServices(storage.database, storage.keyring);
    if (action === 'list') {
      for (const key of await apiKeys.list()) {
        const expires = key.expiresAt
          ? `expires ${pakistanToday(new Date(key.expiresAt.getTime() - 1))} (end of day, Pakistan)`
          : 'no expiry';
        process.stdout.write(
          `${[
            key.id,
            key.name,
            `banks: ${key.bankNames.join(', ')}`,
            `scopes: ${key.scopes.join(', ')}`,
            `created ${shownTime(key.createdAt)}`,
            expires,
            key.lastUsedAt ? `last used ${shownTime(key.lastUsedAt)}` : 'never used',
            key.revokedAt ? `REVOKED ${shownTime(key.revokedAt)}` : 'active',
          ].join('\t')}\n`,
        );
      }
      return 0;
    }
    if (action === 'revoke') {
      const revoked = await apiKeys.revoke(commandLine, id!);
      if (!revoked) throw new HifazatError('not_found', `No API key ${id}; "hifazat apikey list" shows every key's id.`);
      process.stdout.write(
        `API key ${id} ("${revoked.name}") revoked. Every Hifazat process refuses it within ${apiKeyScopeCacheMs / 1000} seconds.\n`,
      );
      return 0;
    }
    const created = await apiKeys.create(
      commandLine,
      options.name!,
      options
        .banks!.split(',')
        .map((b) => b.trim())
        .filter(Boolean),
      scopes!,
      options.expires,
    );
    const expiry = options.expires ? ` It expires at the end of ${options.expires}, Pakistan time.` : '';
    process.stdout.write(
      `API key ${created.id} created for ${options.banks} (scopes: ${scopes!.join(', ')}).${expiry} It is shown only now; give it to the platform by a safe channel:\n${created.secret}\n`,
    );
    return 0;
  } finally {
    await storage.close();
  }
}
