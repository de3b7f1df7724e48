import { configurationVariables, type ConfigurationVariable } from '../config.ts';
import { enrolmentHours } from '../domain/staff.ts';
import { apiKeyScopeCacheMs } from '../services/api-keys.ts';

const width = 94;

/** Breaks text into lines of at most `width` characters (a longer word stands alone), each indented. */
function wrap(text: string, indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(indent + line);
  return lines.join('\n');
}

/** The README's Markdown read in a terminal: code and emphasis marks dropped. */
const plain = (markdown: string) => markdown.replace(/\*\*|`/g, '');

const withDefault = (variable: ConfigurationVariable) =>
  variable.default === undefined ? variable.name : `${variable.name} (${variable.default})`;

export const help = `Hifazat: anonymous, bilingual reporting of child sexual abuse.

Usage: hifazat <command>

Commands:
  start      Start the web server (migrates the database first).
  migrate    Create or update the database schema, then exit. Run as the owner with
             DATABASE_APP_ROLE, it then grants that role what the application needs.
  admin create --email EMAIL [--name NAME] [--url BASE_URL]
             Create an administrator account and print its one-time enrolment link
             (valid ${enrolmentHours} hours). BASE_URL is how staff reach Hifazat (default
             PUBLIC_URL).
  admin disable --email EMAIL | admin enable --email EMAIL
             Disable a staff account (every session of it ends at once; never the last
             active administrator) or enable a disabled one again; audited.
  admin list Every staff account: email, role, status, name.
  admin role --email EMAIL --role ROLE
             Change an account's role (administrator, supervisor, analyst, auditor), from its
             next request; never the last active administrator's; audited.
  admin reset --email EMAIL [--url BASE_URL]
             Reset an account's password and second factor: its sessions end, its password,
             authenticator and recovery codes stop working, and a new one-time enrolment link
             (valid ${enrolmentHours} hours) is printed. For an administrator locked out of the console.
  admin cancel --email EMAIL
             Cancel an invitation not yet taken up: its enrolment link stops working.
  admin sessions --email EMAIL | admin revoke-sessions --email EMAIL
             List an account's sessions (signed in, last active, ends; nothing else is kept),
             or end them all at once; audited.
             With the embedded database a running server carries these out for the command.
  hash [--dihedral] FILE|DIR...
             Print PDQ (with quality), MD5 and SHA-256 of images, one JSON line each.
  bank list | bank import NAME FILE [--source TEXT] | bank export NAME
             Hash banks: list them, import a file (Hifazat CSV, ThreatExchange/HMA signal
             lines, or PDQ tool output), or export one as CSV.
  bank disable ENTRY_ID --reason TEXT | bank enable ENTRY_ID
             Disable a bank entry for every API key (a false positive), or enable it
             again; audited. A platform's feedback hides an entry from its own key only.
  match [--bank NAME] [--distance T] FILE|HASH...
             Match images or hashes against the banks (PDQ within distance T, default 31).
  apikey create --name NAME --banks BANK[,BANK...] [--scopes match,feedback]
         [--expires YYYY-MM-DD]
             Create an API key for a platform, scoped to banks; printed once. Scopes:
             match (hash, match, bulk match) and feedback (report true and false
             positives); both unless --scopes says otherwise. With --expires the key
             stops working at the end of that day, Pakistan time.
  apikey list | apikey revoke ID
             List every key (banks, scopes, created, expiry, last use to the minute,
             revoked; never the secret), or revoke one, audited: every process
             refuses it within ${apiKeyScopeCacheMs / 1000} seconds.
  media import FILE.csv
             Import newspaper reports for statistics (columns in README.md), all or
             nothing: prints every problem by row and column; exits 1 when any row is
             rejected, and then imports nothing.
  stats publish --from YYYY-MM-DD --to YYYY-MM-DD [--k 5]
             Publish the statistics of a period (counts below k withheld); prints the
             release's id.
  audit verify [--head SEQ:HASH]
             Check the audit log's hash chain (and that it still holds a head recorded
             earlier); exit 0 when intact, 1 when not.
  audit head Print the newest entry as SEQ:HASH, for a cron job to send outside the
             database (mail, another host) and "audit verify --head" to check later.
             Both ask the running server when it holds the embedded database.
  backup FILE
             Write a consistent copy of the whole database to FILE (0600): taken by the
             running server on the embedded database, pg_dump on PostgreSQL. The data key
             file is NOT in it: back it up separately and keep it apart.
  restore FILE [--force]
             Restore a backup into a new DATA_DIR or an empty database (--force: one
             with tables, PostgreSQL only), with the backup's key file in place; checks
             the key first, then verifies the audit log; audited.
  key rotate Add a new data key (it encrypts new values at once, in every running server
             within seconds), re-encrypt every encrypted field under it while Hifazat
             runs, then remove the old key, kept beside the key file as
             KEYFILE.retired-DATE for old backups; audited. Run again if interrupted.
             Keyed hashes (receipts, URLs, the audit chain) stay under the original key.
  key status Show which data key encrypts, and how many values each key holds.
  help       Show this help; "hifazat start --help" explains each variable below.

Configuration is read from the environment (defaults in brackets):
${wrap(configurationVariables().map(withDefault).join(', '), '  ')}
`;

/** `hifazat start --help`: every variable with its default and what it does, as the README has them. */
export const startHelp = `Usage: hifazat start

Starts the web server (migrating the database first), configured by these environment variables:

${configurationVariables()
  .map((variable) => `${withDefault(variable)}\n${wrap(plain(variable.meaning), '    ')}`)
  .join('\n\n')}
`;
