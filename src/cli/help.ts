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
  migrate    Create or update the database schema, then exit.
  admin create --email EMAIL [--name NAME] [--url BASE_URL]
             Create an administrator account and print its one-time enrolment link
             (valid ${enrolmentHours} hours). BASE_URL is how staff reach Hifazat (default
             PUBLIC_URL).
  admin disable --email EMAIL | admin enable --email EMAIL
             Disable a staff account (every session of it ends at once; never the last
             active administrator) or enable a disabled one again; audited.
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
