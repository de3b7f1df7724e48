import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { commandLine } from '../domain/actor.ts';
import { HifazatError } from '../domain/errors.ts';
import { enrolmentHours } from '../domain/staff.ts';
import { openStorage, start } from '../main.ts';
import { auditProblemDescriptions } from '../services/audit.ts';
import { createServices } from '../services/index.ts';
import { help, startHelp } from './help.ts';
import { apiKeyCommand, bankCommand, hashCommand, matchCommand } from './signals.ts';
import { mediaCommand, statsCommand } from './statistics.ts';

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      head: { type: 'string' },
      email: { type: 'string' },
      name: { type: 'string' },
      url: { type: 'string' },
      dihedral: { type: 'boolean' },
      source: { type: 'string' },
      bank: { type: 'string' },
      banks: { type: 'string' },
      scopes: { type: 'string' },
      expires: { type: 'string' },
      reason: { type: 'string' },
      distance: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      k: { type: 'string' },
    },
  });
  const command = values.help ? 'help' : (positionals[0] ?? 'help');
  switch (command) {
    case 'help':
      // `hifazat start --help` or `hifazat help start`: what each variable means.
      process.stdout.write(positionals.includes('start') ? startHelp : help);
      return 0;
    case 'migrate': {
      const storage = await openStorage(loadConfig());
      await storage.close();
      process.stdout.write('Database is up to date.\n');
      return 0;
    }
    case 'admin':
      if (positionals[1] === 'create' && values.email) return createAdministrator(values.email, values.name, values.url);
      if ((positionals[1] === 'disable' || positionals[1] === 'enable') && values.email) {
        return setAccountStatus(positionals[1], values.email);
      }
      process.stderr.write(
        `Usage: hifazat admin create --email EMAIL [--name NAME] [--url BASE_URL]\n       hifazat admin disable|enable --email EMAIL\n`,
      );
      return 2;
    case 'hash':
      return hashCommand(positionals.slice(1), { dihedral: values.dihedral ?? false });
    case 'bank':
      return bankCommand(loadConfig(), positionals.slice(1), { source: values.source, reason: values.reason });
    case 'match': {
      const distance = values.distance === undefined ? undefined : Number(values.distance);
      if (distance !== undefined && (!Number.isInteger(distance) || distance < 0 || distance > 64)) {
        process.stderr.write('--distance must be a whole number from 0 to 64.\n');
        return 2;
      }
      return matchCommand(loadConfig(), positionals.slice(1), { bank: values.bank, distance });
    }
    case 'apikey':
      return apiKeyCommand(loadConfig(), positionals.slice(1), {
        name: values.name,
        banks: values.banks,
        scopes: values.scopes,
        expires: values.expires,
      });
    case 'media':
      return mediaCommand(loadConfig(), positionals.slice(1));
    case 'stats':
      return statsCommand(loadConfig(), positionals.slice(1), { from: values.from, to: values.to, k: values.k });
    case 'audit':
      if (positionals[1] === 'verify') return auditVerify(values.head);
      if (positionals[1] === 'head') return auditHead();
      process.stderr.write(`Unknown command: ${positionals.join(' ')}\n\n${help}`);
      return 2;
    case 'start': {
      const server = await start(loadConfig());
      process.stdout.write(`Hifazat is running at ${server.url}/\n`);
      for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        process.once(signal, () => {
          server.stop().then(
            () => process.exit(0),
            () => process.exit(1),
          );
        });
      }
      return -1;
    }
    default:
      process.stderr.write(`Unknown command: ${command}\n\n${help}`);
      return 2;
  }
}

async function createAdministrator(email: string, name: string | undefined, baseUrl: string | undefined): Promise<number> {
  // --url stands in for PUBLIC_URL, checked by the same rules.
  const config = loadConfig(baseUrl === undefined ? process.env : { ...process.env, PUBLIC_URL: baseUrl });
  const storage = await openStorage(config);
  try {
    const { staff } = createServices(storage.database, storage.keyring);
    const { enrolmentToken } = await staff.invite(commandLine, { email, displayName: name ?? email, role: 'administrator' });
    process.stdout.write(
      `Administrator ${email.toLowerCase()} created.\nOpen this one-time link within ${enrolmentHours} hours to set a password and a second factor:\n${config.publicUrl}/console/en/enrol/${enrolmentToken}\n`,
    );
    return 0;
  } finally {
    await storage.close();
  }
}

/**
 * `admin disable|enable --email E`, as the operator: for an administrator locked out of the
 * console, or a leaver to be ended from the server. Opens storage as every command does, so on the
 * embedded database the data-directory lock says to stop a running server first.
 */
async function setAccountStatus(change: 'disable' | 'enable', email: string): Promise<number> {
  const storage = await openStorage(loadConfig());
  try {
    const { staff } = createServices(storage.database, storage.keyring);
    const wanted = email.trim().toLowerCase();
    const account = (await staff.list()).find((member) => member.email === wanted);
    if (!account) throw new HifazatError('not_found', `No staff account has the email ${wanted}.`);
    if (change === 'disable') {
      await staff.disable(commandLine, account.id);
      process.stdout.write(`Disabled ${account.email} (${account.role}); every session of the account has ended.\n`);
    } else {
      await staff.enable(commandLine, account.id);
      process.stdout.write(`Enabled ${account.email} (${account.role}); they sign in with their password and second factor.\n`);
    }
    return 0;
  } finally {
    await storage.close();
  }
}

async function auditVerify(recordedHead: string | undefined): Promise<number> {
  const expected = recordedHead === undefined ? undefined : /^(\d+):([0-9a-f]{64})$/i.exec(recordedHead);
  if (expected === null) {
    process.stderr.write('--head must be SEQ:HASH, as printed by a previous verify (64 hex digits).\n');
    return 2;
  }
  const storage = await openStorage(loadConfig());
  try {
    const result = await createServices(storage.database, storage.keyring).audit.verify(
      expected ? { expectHead: { seq: Number(expected[1]), hash: expected[2]! } } : {},
    );
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
  } finally {
    await storage.close();
  }
}

/** The newest entry as SEQ:HASH, the form `audit verify --head` takes: for an operator's cron to send elsewhere. */
async function auditHead(): Promise<number> {
  const storage = await openStorage(loadConfig());
  try {
    const head = await createServices(storage.database, storage.keyring).audit.head();
    process.stdout.write(head ? `${head.seq}:${head.hash}\n` : 'The audit log is empty: no head to record yet.\n');
    return 0;
  } finally {
    await storage.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    const expected = error instanceof HifazatError;
    process.stderr.write(`${expected ? error.message : String((error as Error)?.stack ?? error)}\n`);
    process.exitCode = 1;
  },
);
