import { loadConfig, type Config } from '../config.ts';
import { HifazatError } from '../domain/errors.ts';
import { enrolmentHours } from '../domain/staff.ts';
import { openStorage, runInServer } from '../main.ts';
import { createServices } from '../services/index.ts';
import { administerStaff, staffAdminRequestOf, type StaffAdminRequest, type StaffAdminResult } from '../services/staff-admin.ts';
import type { StaffAccount } from '../services/staff.ts';

export const staffUsage = `Usage: hifazat admin create --email EMAIL [--name NAME] [--url BASE_URL]
       hifazat admin list
       hifazat admin disable|enable|cancel|sessions|revoke-sessions --email EMAIL
       hifazat admin role --email EMAIL --role administrator|supervisor|analyst|auditor
       hifazat admin reset --email EMAIL [--url BASE_URL]
`;

/**
 * `hifazat admin …`: staff accounts from the server, as the command line (audited as 'cli'), for
 * an administrator locked out of the console or a leaver to be ended at once. On the embedded
 * database a running server holds the data, so the command asks it (the control channel);
 * otherwise the command opens the storage itself. Returns the exit code.
 */
export async function adminCommand(
  args: readonly string[],
  options: { email: string | undefined; name: string | undefined; url: string | undefined; role: string | undefined },
): Promise<number> {
  let request: StaffAdminRequest;
  try {
    request = staffAdminRequestOf({
      command: args[0] ?? '',
      ...(options.email === undefined ? {} : { email: options.email }),
      ...(options.name === undefined ? {} : { name: options.name }),
      ...(options.role === undefined ? {} : { role: options.role }),
    });
  } catch (error) {
    if (!(error instanceof HifazatError)) throw error;
    process.stderr.write(`${error.message}\n${staffUsage}`);
    return 2;
  }
  // --url stands in for PUBLIC_URL, checked by the same rules: the enrolment link is built here.
  const config = loadConfig(options.url === undefined ? process.env : { ...process.env, PUBLIC_URL: options.url });
  process.stdout.write(describe(request, await administer(config, request), config.publicUrl));
  return 0;
}

async function administer(config: Config, request: StaffAdminRequest): Promise<StaffAdminResult> {
  const fromServer = await runInServer(config, 'admin', { ...request });
  if (fromServer) return JSON.parse(Buffer.from(fromServer.body).toString('utf8')) as StaffAdminResult;
  const storage = await openStorage(config);
  try {
    const services = createServices(storage.database, storage.keyring);
    return await administerStaff({ staff: services.staff, administration: services.staffAdministration }, request);
  } finally {
    await storage.close();
  }
}

const enrolmentLink = (publicUrl: string, token: string) => `${publicUrl}/console/en/enrol/${token}`;
/** A time as the command prints it; a result that came over the control channel holds it as a string. */
const iso = (time: Date | string) => new Date(time).toISOString();

/** What the command prints for a result. */
function describe(request: StaffAdminRequest, result: StaffAdminResult, publicUrl: string): string {
  if (request.command === 'list') return listText(result.accounts ?? []);
  if (request.command === 'create') {
    return `Administrator ${request.email.toLowerCase()} created.\nOpen this one-time link within ${enrolmentHours} hours to set a password and a second factor:\n${enrolmentLink(publicUrl, result.enrolmentToken!)}\n`;
  }
  const account = result.account!;
  switch (request.command) {
    case 'reset':
      return (
        `Reset ${account.email} (${account.role}): every session ended; the password, second factor and recovery codes no longer work.\n` +
        `Give them this one-time link, valid ${enrolmentHours} hours, to enrol again (it is not shown again):\n${enrolmentLink(publicUrl, result.enrolmentToken!)}\n`
      );
    case 'role':
      return `${account.email} is now ${result.changed!.role} (was ${account.role}), from their next request.\n`;
    case 'disable':
      return `Disabled ${account.email} (${account.role}); every session of the account has ended.\n`;
    case 'enable':
      return `Enabled ${account.email} (${account.role}); they sign in with their password and second factor.\n`;
    case 'cancel':
      return `Cancelled the invitation of ${account.email}: its enrolment link no longer works.\n`;
    case 'sessions': {
      const sessions = result.sessions ?? [];
      if (sessions.length === 0) return `${account.email} has no sessions.\n`;
      return `created\tlast active\tends\n${sessions.map((s) => `${iso(s.createdAt)}\t${iso(s.lastSeenAt)}\t${iso(s.endsAt)}\n`).join('')}`;
    }
    case 'revoke-sessions':
      return `Ended ${result.ended ?? 0} session(s) of ${account.email}.\n`;
  }
}

function listText(accounts: StaffAccount[]): string {
  if (accounts.length === 0) return 'No staff accounts yet: "hifazat admin create --email EMAIL" makes the first.\n';
  return accounts
    .map((account) => {
      const status = account.status === 'disabled' && !account.enrolled ? 'invitation cancelled' : account.status;
      return `${account.email}\t${account.role}\t${status}\t${account.displayName}\n`;
    })
    .join('');
}
