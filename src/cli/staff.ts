import { loadConfig } from '../config.ts';
import { commandLine } from '../domain/actor.ts';
import { enrolmentHours } from '../domain/staff.ts';
import { openStorage } from '../main.ts';
import { createServices } from '../services/index.ts';
import type { StaffAccounts } from '../services/staff.ts';

export const staffUsage = `Usage: hifazat admin create --email EMAIL [--name NAME] [--url BASE_URL]
       hifazat admin list
       hifazat admin disable|enable|cancel|sessions|revoke-sessions --email EMAIL
       hifazat admin role --email EMAIL --role administrator|supervisor|analyst|auditor
       hifazat admin reset --email EMAIL [--url BASE_URL]
`;

/**
 * `hifazat admin …`: staff accounts from the server, as the command line (audited as 'cli'), for
 * an administrator locked out of the console or a leaver to be ended at once. Each opens storage
 * as every command does, so on the embedded database the data-directory lock says to stop a
 * running server first. Returns the exit code.
 */
export async function adminCommand(
  args: readonly string[],
  options: { email: string | undefined; name: string | undefined; url: string | undefined; role: string | undefined },
): Promise<number> {
  const [sub] = args;
  const { email } = options;
  if (sub === 'list') return withStaff(undefined, listAccounts);
  if (sub === 'create' && email) return createAdministrator(email, options.name, options.url);
  if (sub === 'reset' && email) return withStaff(options.url, (staff, publicUrl) => resetAccount(staff, email, publicUrl));
  if (sub === 'role' && email && options.role) return withStaff(undefined, (staff) => changeRole(staff, email, options.role!));
  if ((sub === 'disable' || sub === 'enable' || sub === 'cancel' || sub === 'sessions' || sub === 'revoke-sessions') && email) {
    return withStaff(undefined, (staff) => simpleChange(staff, sub, email));
  }
  process.stderr.write(staffUsage);
  return 2;
}

/** Opens storage (with --url standing in for PUBLIC_URL, checked by the same rules), runs `work`, closes. */
async function withStaff(baseUrl: string | undefined, work: (staff: StaffAccounts, publicUrl: string) => Promise<number>): Promise<number> {
  const config = loadConfig(baseUrl === undefined ? process.env : { ...process.env, PUBLIC_URL: baseUrl });
  const storage = await openStorage(config);
  try {
    return await work(createServices(storage.database, storage.keyring).staff, config.publicUrl);
  } finally {
    await storage.close();
  }
}

const enrolmentLink = (publicUrl: string, token: string) => `${publicUrl}/console/en/enrol/${token}`;

async function createAdministrator(email: string, name: string | undefined, baseUrl: string | undefined): Promise<number> {
  return withStaff(baseUrl, async (staff, publicUrl) => {
    const { enrolmentToken } = await staff.invite(commandLine, { email, displayName: name ?? email, role: 'administrator' });
    process.stdout.write(
      `Administrator ${email.toLowerCase()} created.\nOpen this one-time link within ${enrolmentHours} hours to set a password and a second factor:\n${enrolmentLink(publicUrl, enrolmentToken)}\n`,
    );
    return 0;
  });
}

async function listAccounts(staff: StaffAccounts): Promise<number> {
  const accounts = await staff.list();
  if (accounts.length === 0) process.stdout.write('No staff accounts yet: "hifazat admin create --email EMAIL" makes the first.\n');
  for (const account of accounts) {
    const status = account.status === 'disabled' && !account.enrolled ? 'invitation cancelled' : account.status;
    process.stdout.write(`${account.email}\t${account.role}\t${status}\t${account.displayName}\n`);
  }
  return 0;
}

async function resetAccount(staff: StaffAccounts, email: string, publicUrl: string): Promise<number> {
  const account = await staff.accountByEmail(commandLine, email);
  const { enrolmentToken } = await staff.reset(commandLine, account.id);
  process.stdout.write(
    `Reset ${account.email} (${account.role}): every session ended; the password, second factor and recovery codes no longer work.\n` +
      `Give them this one-time link, valid ${enrolmentHours} hours, to enrol again (it is not shown again):\n${enrolmentLink(publicUrl, enrolmentToken)}\n`,
  );
  return 0;
}

async function changeRole(staff: StaffAccounts, email: string, role: string): Promise<number> {
  const account = await staff.accountByEmail(commandLine, email);
  const changed = await staff.changeRole(commandLine, account.id, role);
  process.stdout.write(`${changed.email} is now ${changed.role} (was ${account.role}), from their next request.\n`);
  return 0;
}

async function simpleChange(
  staff: StaffAccounts,
  change: 'disable' | 'enable' | 'cancel' | 'sessions' | 'revoke-sessions',
  email: string,
): Promise<number> {
  const account = await staff.accountByEmail(commandLine, email);
  switch (change) {
    case 'disable':
      await staff.disable(commandLine, account.id);
      process.stdout.write(`Disabled ${account.email} (${account.role}); every session of the account has ended.\n`);
      return 0;
    case 'enable':
      await staff.enable(commandLine, account.id);
      process.stdout.write(`Enabled ${account.email} (${account.role}); they sign in with their password and second factor.\n`);
      return 0;
    case 'cancel':
      await staff.cancelInvitation(commandLine, account.id);
      process.stdout.write(`Cancelled the invitation of ${account.email}: its enrolment link no longer works.\n`);
      return 0;
    case 'sessions': {
      const sessions = await staff.sessionsOf(commandLine, account.id);
      if (sessions.length === 0) process.stdout.write(`${account.email} has no sessions.\n`);
      else process.stdout.write('created\tlast active\tends\n');
      for (const s of sessions) {
        process.stdout.write(`${s.createdAt.toISOString()}\t${s.lastSeenAt.toISOString()}\t${s.endsAt.toISOString()}\n`);
      }
      return 0;
    }
    case 'revoke-sessions': {
      const ended = await staff.revokeSessions(commandLine, account.id);
      process.stdout.write(`Ended ${ended} session(s) of ${account.email}.\n`);
      return 0;
    }
  }
}
