import { commandLine } from '../domain/actor.ts';
import { HifazatError } from '../domain/errors.ts';
import type { SessionInfo, StaffAccount, StaffAccounts } from './staff.ts';
import type { StaffAdministration } from './staff-administration.ts';

/** What `hifazat admin` asks, by email: the same request whether the command runs it or a running server does. */
export type StaffAdminRequest =
  | { command: 'list' }
  | { command: 'create'; email: string; name?: string | undefined }
  | { command: 'role'; email: string; role: string }
  | { command: 'reset' | 'disable' | 'enable' | 'cancel' | 'sessions' | 'revoke-sessions'; email: string };

export type StaffAdminCommand = StaffAdminRequest['command'];
export const staffAdminCommands = [
  'list',
  'create',
  'role',
  'reset',
  'disable',
  'enable',
  'cancel',
  'sessions',
  'revoke-sessions',
] as const satisfies readonly StaffAdminCommand[];

/** The account as it was before the change, and what the change gave back. Plain data: it crosses the control channel as JSON. */
export interface StaffAdminResult {
  accounts?: StaffAccount[];
  account?: StaffAccount;
  changed?: StaffAccount;
  enrolmentToken?: string;
  sessions?: SessionInfo[];
  ended?: number;
}

/**
 * Staff accounts from the server, as the command line (audited as 'cli'): for an administrator
 * locked out of the console, or a leaver to be ended at once. The rules are StaffAccounts' own.
 */
export async function administerStaff(
  { staff, administration }: { staff: StaffAccounts; administration: StaffAdministration },
  request: StaffAdminRequest,
): Promise<StaffAdminResult> {
  switch (request.command) {
    case 'list':
      return { accounts: await staff.list() };
    case 'create': {
      const { enrolmentToken } = await staff.invite(commandLine, {
        email: request.email,
        displayName: request.name ?? request.email,
        role: 'administrator',
      });
      return { enrolmentToken };
    }
    default: {
      const account = await administration.accountByEmail(commandLine, request.email);
      switch (request.command) {
        case 'role':
          return { account, changed: await administration.changeRole(commandLine, account.id, request.role) };
        case 'reset':
          return { account, enrolmentToken: (await administration.reset(commandLine, account.id)).enrolmentToken };
        case 'disable':
          await administration.disable(commandLine, account.id);
          return { account };
        case 'enable':
          await administration.enable(commandLine, account.id);
          return { account };
        case 'cancel':
          return { account, changed: await administration.cancelInvitation(commandLine, account.id) };
        case 'sessions':
          return { account, sessions: await administration.sessionsOf(commandLine, account.id) };
        case 'revoke-sessions':
          return { account, ended: await administration.revokeSessions(commandLine, account.id) };
      }
    }
  }
}

/** A request as it arrives over the control channel (strings only), checked before anything runs. */
export function staffAdminRequestOf(args: Record<string, string>): StaffAdminRequest {
  const command = staffAdminCommands.find((c) => c === args.command);
  if (command === undefined) throw new HifazatError('validation_failed', `Unknown admin command: ${args.command ?? '(none)'}.`);
  if (command === 'list') return { command };
  const email = args.email;
  if (!email) throw new HifazatError('validation_failed', `admin ${command} needs --email.`);
  if (command === 'create') return { command, email, name: args.name };
  if (command === 'role') {
    if (!args.role) throw new HifazatError('validation_failed', 'admin role needs --role.');
    return { command, email, role: args.role };
  }
  return { command, email };
}
