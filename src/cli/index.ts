import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { HifazatError } from '../domain/errors.ts';
import { openStorage, start } from '../main.ts';

const help = `Hifazat: anonymous, bilingual reporting of child sexual abuse.

Usage: hifazat <command>

Commands:
  start      Start the web server (migrates the database first).
  migrate    Create or update the database schema, then exit.
  help       Show this help.

Configuration is read from the environment (see README.md):
  PORT (3000), HOST (127.0.0.1), DATA_DIR (./data), DATABASE_URL (PostgreSQL instead of the
  embedded database), DATABASE_POOL_SIZE (10), HIFAZAT_KEY_FILE (DATA_DIR/data.key),
  LOG_LEVEL (info), TRUST_PROXY (false), HTTPS (false).
`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { help: { type: 'boolean', short: 'h' } },
  });
  const command = values.help ? 'help' : (positionals[0] ?? 'help');
  switch (command) {
    case 'help':
      process.stdout.write(help);
      return 0;
    case 'migrate': {
      const storage = await openStorage(loadConfig());
      await storage.close();
      process.stdout.write('Database is up to date.\n');
      return 0;
    }
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
