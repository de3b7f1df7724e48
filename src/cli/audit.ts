import type { Config } from '../config.ts';
import { openStorage, runInServer } from '../main.ts';
import { auditProblemDescriptions, parseAuditHead, type AuditHead, type AuditVerification } from '../services/audit.ts';
import { createServices } from '../services/index.ts';

/**
 * `hifazat audit verify [--head SEQ:HASH]` and `hifazat audit head`. On the embedded database a
 * running server holds the data, so the command asks it (the control channel): an operator's cron
 * sends the head elsewhere while Hifazat runs. Otherwise the command opens the storage itself.
 */
export async function auditCommand(config: Config, args: string[], options: { head: string | undefined }): Promise<number> {
  const [sub] = args;
  if (sub === 'head' && args.length === 1) return printHead(await readHead(config));
  if (sub === 'verify' && args.length === 1) {
    if (options.head !== undefined && parseAuditHead(options.head) === null) {
      process.stderr.write('--head must be SEQ:HASH, as printed by a previous verify (64 hex digits).\n');
      return 2;
    }
    return printVerification(await verify(config, options.head));
  }
  process.stderr.write('Usage: hifazat audit verify [--head SEQ:HASH] | hifazat audit head\n');
  return 2;
}

async function readHead(config: Config): Promise<AuditHead | null> {
  const fromServer = await runInServer(config, 'audit-head');
  if (fromServer) return JSON.parse(Buffer.from(fromServer.body).toString('utf8')) as AuditHead | null;
  const storage = await openStorage(config);
  try {
    return await createServices(storage.database, storage.keyring).audit.head();
  } finally {
    await storage.close();
  }
}

async function verify(config: Config, recordedHead: string | undefined): Promise<AuditVerification> {
  const fromServer = await runInServer(config, 'audit-verify', recordedHead === undefined ? {} : { head: recordedHead });
  if (fromServer) return JSON.parse(Buffer.from(fromServer.body).toString('utf8')) as AuditVerification;
  const storage = await openStorage(config);
  try {
    const expectHead = recordedHead === undefined ? null : parseAuditHead(recordedHead);
    return await createServices(storage.database, storage.keyring).audit.verify(expectHead ? { expectHead } : {});
  } finally {
    await storage.close();
  }
}

/** The newest entry as SEQ:HASH, the form `audit verify --head` takes: for an operator's cron to send elsewhere. */
function printHead(head: AuditHead | null): number {
  process.stdout.write(head ? `${head.seq}:${head.hash}\n` : 'The audit log is empty: no head to record yet.\n');
  return 0;
}

function printVerification(result: AuditVerification): number {
  const head = result.head ? `seq ${result.head.seq}, hash ${result.head.hash}` : 'none (the log is empty)';
  if (result.ok) {
    process.stdout.write(`Audit log intact: ${result.entries} entries checked.\nHead: ${head}\n`);
    // Truncating the newest entries leaves a valid chain: only a head kept elsewhere shows it.
    if (result.head) {
      process.stdout.write(
        `Record the head outside the database; later, "hifazat audit verify --head ${result.head.seq}:${result.head.hash}" checks it is still there.\n`,
      );
    }
    return 0;
  }
  process.stdout.write(
    `Audit log NOT intact: ${result.entries} entries checked, ${result.problemCount} problem(s).\nHead: ${head}\n` +
      result.problems.map((p) => `  seq ${p.seq}: ${p.problem}: ${auditProblemDescriptions[p.problem]}\n`).join('') +
      (result.problemCount > result.problems.length ? `  … and ${result.problemCount - result.problems.length} more\n` : ''),
  );
  return 1;
}
