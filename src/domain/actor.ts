import type { CaseState } from './case.ts';
import { HifazatError } from './errors.ts';
import { can, type Permission, type StaffRole, type StaffStatus } from './staff.ts';

/**
 * Who acts, and what they may do: the one vocabulary of routes, services and views. A rule about
 * who may do what is a predicate here, so a select list and the check behind it cannot disagree.
 */

/** A signed-in member of staff (services/staff.ts's StaffMember is one). */
export interface StaffActor {
  readonly id: string;
  readonly email: string;
  readonly role: StaffRole;
}

/** The operator at the server's command line, who already holds the database and the data key. */
export const commandLine = { kind: 'cli' } as const;
/** Scheduled work of the server itself (the maintenance timer). */
export const system = { kind: 'system' } as const;
/** A platform calling the matching API with its key. */
export interface ApiKeyActor {
  readonly kind: 'api_key';
  readonly id: string;
  readonly name: string;
}

export type Actor = StaffActor | typeof commandLine | typeof system | ApiKeyActor;

export const isStaff = (actor: Actor): actor is StaffActor => !('kind' in actor);

/** How the audit log names an actor: an id where there is one, and a label people read. */
export function auditIdentity(actor: Actor): { actorId: string | null; actor: string } {
  if (isStaff(actor)) return { actorId: actor.id, actor: actor.email };
  if (actor.kind === 'api_key') return { actorId: actor.id, actor: `api key "${actor.name}"` };
  return { actorId: null, actor: actor.kind };
}

/**
 * Whether the actor may do what `permission` names (domain/staff.ts): staff by their role; the
 * command line and the system do what they are run for; an API key only what its scopes allow,
 * which the matching API checks, never a staff permission.
 */
export function may(actor: Actor, permission: Permission): boolean {
  if (isStaff(actor)) return can(actor.role, permission);
  return actor.kind !== 'api_key';
}

/** Throws `forbidden` unless `may(actor, permission)`. */
export function requirePermission(actor: Actor, permission: Permission, message = 'Your role does not allow this.'): void {
  if (!may(actor, permission)) throw new HifazatError('forbidden', message);
}

/**
 * The cases a member of staff reaches, beside what their role permits: analysts reach the cases
 * assigned to them and the unassigned new ones (working on one takes it); the other roles reach
 * every case. The store reads this one value as SQL (store/cases.ts, reachCondition), for lists
 * and for a single case alike, so the rule is written once.
 */
export type CaseReach = { every: true } | { every: false; assignedTo: string; orUnassignedIn: CaseState };

export function caseReachOf(staff: Pick<StaffActor, 'id' | 'role'>): CaseReach {
  return staff.role === 'analyst' ? { every: false, assignedTo: staff.id, orUnassignedIn: 'new' } : { every: true };
}
/** Whether an account may be given case work (assigned a case or a task): active analysts and supervisors. */
export function mayTakeCaseWork(staff: { role: StaffRole; status: StaffStatus }): boolean {
  return staff.status === 'active' && can(staff.role, 'workCases');
}

/** Whether the actor may see a report's contact details: a supervisor, or the analyst the case is assigned to. */
export function maySeeContact(actor: StaffActor, row: { assignedTo: string | null }): boolean {
  return can(actor.role, 'revealContact') && (can(actor.role, 'superviseCases') || row.assignedTo === actor.id);
}

/**
 * Whether the actor may assign a case to `staffId` (null: unassign): supervisors assign anyone
 * who may take case work; an analyst may only take a case for themselves.
 */
export function mayAssign(actor: StaffActor, staffId: string | null): boolean {
  if (can(actor.role, 'superviseCases')) return true;
  return can(actor.role, 'workCases') && staffId === actor.id;
}
