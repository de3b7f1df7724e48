import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { HifazatError } from '../domain/errors.ts';
import { openStorage, start } from '../main.ts';
import { auditCommand } from './audit.ts';
import { backupCommand, restoreCommand } from './backup.ts';
import { help, startHelp } from './help.ts';
import { keyCommand } from './keys.ts';
import { apiKeyCommand, bankCommand, hashCommand, matchCommand } from './signals.ts';
import { mediaCommand, statsCommand } from './statistics.ts';
import { adminCommand } from './staff.ts';

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      head: { type: 'string' },
      email: { type: 'string' },
      role: { type: 'string' },
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
      force: { type: 'boolean' },
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
      const granted = storage.grantedTo ? ` Privileges granted to ${storage.grantedTo}.` : '';
      process.stdout.write(`Database is up to date.${granted}\n`);
      return 0;
    }
    case 'admin':
      return adminCommand(positionals.slice(1), { email: values.email, name: values.name, url: values.url, role: values.role });
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
    case 'key':
      return keyCommand(loadConfig(), positionals.slice(1));
    case 'backup':
      return backupCommand(loadConfig(), positionals.slice(1));
    case 'restore':
      return restoreCommand(loadConfig(), positionals.slice(1), { force: values.force ?? false });
    case 'audit':
      return auditCommand(loadConfig(), positionals.slice(1), { head: values.head });
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
