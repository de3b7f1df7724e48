import { readFile } from 'node:fs/promises';
import type { Config } from '../config.ts';
import { commandLine } from '../domain/actor.ts';
import { HifazatError } from '../domain/errors.ts';
import { describeProblem } from '../domain/media.ts';
import { openStorage } from '../main.ts';
import { createServices } from '../services/index.ts';
import type { ImportResult } from '../services/statistics/media-reports.ts';

/**
 * `hifazat media import FILE.csv`: imports newspaper reports, all or nothing, and prints the
 * validation report (row, column, problem); exits 1 when any row was rejected (nothing is then
 * imported), 2 on wrong usage. Recorded in the audit log as 'cli'.
 */
export async function mediaCommand(config: Config, args: string[]): Promise<number> {
  const [action, file, ...rest] = args;
  if (action !== 'import' || !file || rest.length) {
    process.stderr.write('Usage: hifazat media import FILE.csv\n');
    return 2;
  }
  const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw new HifazatError('not_found', `Cannot read ${file}: ${error.code ?? error.message}`);
  });
  const storage = await openStorage(config);
  try {
    const result = await createServices(storage.database, storage.keyring).statistics.importMedia(commandLine, bytes);
    process.stdout.write(importReport(result));
    return result.problems.length ? 1 : 0;
  } finally {
    await storage.close();
  }
}

/**
 * `hifazat stats publish --from YYYY-MM-DD --to YYYY-MM-DD [--k 5]`: publishes a release of
 * every source and province for the period and prints its id. Recorded as 'cli'. A period that
 * is refused (not a real period, or overlapping an earlier release without being its period)
 * prints why on stderr and exits 1.
 */
export async function statsCommand(
  config: Config,
  args: string[],
  options: { from: string | undefined; to: string | undefined; k: string | undefined },
): Promise<number> {
  if (args[0] !== 'publish' || args.length !== 1 || !options.from || !options.to) {
    process.stderr.write('Usage: hifazat stats publish --from YYYY-MM-DD --to YYYY-MM-DD [--k 5]\n');
    return 2;
  }
  const k = options.k === undefined ? undefined : Number(options.k);
  if (k !== undefined && !/^\d+$/.test(options.k!)) {
    process.stderr.write('--k must be a whole number (the smallest count published, 2 to 100).\n');
    return 2;
  }
  const storage = await openStorage(config);
  try {
    const id = await createServices(storage.database, storage.keyring).statistics.publish(commandLine, {
      from: options.from,
      to: options.to,
      k,
    });
    process.stdout.write(`${id}\n`);
    return 0;
  } catch (error) {
    if (error instanceof HifazatError && error.code === 'validation_failed') {
      process.stderr.write(`${error.message} ${error.issues.map((i) => `--${i.field}: ${i.problem}`).join(', ')}\n`);
      return 1;
    }
    throw error;
  } finally {
    await storage.close();
  }
}

/** The validation report as the command line prints it: one problem a line. */
function importReport(result: ImportResult): string {
  const head =
    result.problems.length === 0
      ? `Imported ${result.imported} of ${result.rows} rows.\n`
      : `Imported nothing: ${result.problems.length} problem(s) in ${result.rows} rows. Correct the file and import it again.\n`;
  return head + result.problems.map((p) => `  ${describeProblem(p)}\n`).join('');
}
