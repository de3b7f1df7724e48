import { isIP } from 'node:net';
import type { ErrorCode } from './errors.ts';

/**
 * Throttles count per client (and per client and target), never across all clients: a budget
 * shared by everyone is spent by one attacker for everyone (ADR 0005). A rule allows `limit`
 * attempts per window; after the first `free` ones each attempt must wait longer than the one
 * before (1, 2, 4 … seconds, up to `maxDelaySeconds`), which slows guessing without locking out.
 */
export interface ThrottleRule {
  /** What is counted, as stored: never a person, an address or a receipt. */
  scope: string;
  windowSeconds: number;
  limit: number;
  /** Attempts in a window that cost no wait; `limit` for a plain rate limit. */
  free: number;
  maxDelaySeconds: number;
  /** The error a refused attempt raises. */
  code: Extract<ErrorCode, 'too_many_attempts' | 'rate_limited'>;
}

/** Seconds to wait after `attempts` attempts in a window: none for the free ones, then doubling. */
export function delayAfter(rule: ThrottleRule, attempts: number): number {
  if (attempts < rule.free) return 0;
  return Math.min(rule.maxDelaySeconds, 2 ** (attempts - rule.free));
}

/**
 * The waits after the 1st, 2nd … attempt, as the database's take_client_throttle reads them (its
 * last element applies to every later attempt), so that the rule is written only here.
 */
export function delayTable(rule: ThrottleRule): number[] {
  const table: number[] = [];
  for (let attempts = 1; attempts <= rule.limit; attempts++) {
    table.push(delayAfter(rule, attempts));
    if (table.at(-1) === rule.maxDelaySeconds) break;
  }
  return table;
}

/** The start of the window that `nowMs` falls in, and the seconds left in it. */
export function windowOf(rule: ThrottleRule, nowMs: number): { start: Date; secondsLeft: number } {
  const size = rule.windowSeconds * 1000;
  const start = Math.floor(nowMs / size) * size;
  return { start: new Date(start), secondsLeft: Math.max(1, Math.ceil((start + size - nowMs) / 1000)) };
}

/**
 * The part of an address that names one client: an IPv4 address (also when written as IPv6,
 * ::ffff:a.b.c.d), or an IPv6 address's /64 network, which one subscriber is given whole (so
 * counting single IPv6 addresses would let one person count as billions of clients).
 */
export function clientKeyOf(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (isIP(address) !== 6) return address;
  return expandIpv6(address).slice(0, 4).join(':') + '::/64';
}

function expandIpv6(address: string): string[] {
  const withoutZone = address.split('%')[0]!;
  const [head, tail] = withoutZone.includes('::') ? withoutZone.split('::') : [withoutZone, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const missing = 8 - left.length - right.length;
  return [...left, ...Array.from({ length: tail === undefined ? 0 : missing }, () => '0'), ...right].map((group) =>
    group.toLowerCase().replace(/^0+(?=.)/, ''),
  );
}

/** What operators may set (README, configuration); the rest of each rule is fixed below. */
export interface ClientLimits {
  /** Reports per client per hour with a solved proof of work. */
  reportsPerHour: number;
  /** Reports per client per hour without one (the no-JavaScript form, API clients that skip it). */
  unverifiedReportsPerHour: number;
  /** Follow-up requests (receipt look-ups and replies) per client per ten minutes. */
  followUpsPerTenMinutes: number;
}

export const defaultClientLimits: ClientLimits = { reportsPerHour: 30, unverifiedReportsPerHour: 10, followUpsPerTenMinutes: 30 };

const rateLimit = (scope: string, windowSeconds: number, limit: number): ThrottleRule => ({
  scope,
  windowSeconds,
  limit,
  free: limit,
  maxDelaySeconds: 0,
  code: 'rate_limited',
});
const attempts = (scope: string, windowSeconds: number, limit: number, free: number, maxDelaySeconds: number): ThrottleRule => ({
  scope,
  windowSeconds,
  limit,
  free,
  maxDelaySeconds,
  code: 'too_many_attempts',
});

/** Every throttle Hifazat keeps, by name. */
export function throttleRules(limits: ClientLimits) {
  return {
    report: rateLimit('report', 3600, limits.reportsPerHour),
    unverifiedReport: rateLimit('report-unverified', 3600, limits.unverifiedReportsPerHour),
    followUp: rateLimit('follow-up', 600, limits.followUpsPerTenMinutes),
    /**
     * Receipt look-ups that find nothing, per client. With the follow-up limit it bounds online
     * guessing of 63-bit receipts (ADR 0007 gives the figures), and never reaches a client whose
     * look-ups succeed.
     */
    receiptFailure: attempts('receipt-failure', 600, 1000, 5, 60),
    /** Failed sign-ins from one client, whatever the account (a client trying many accounts). */
    signInClient: attempts('sign-in-client', 3600, 100, 10, 60),
    /** Failed sign-ins of one account from one client: other clients' failures never slow its owner. */
    signInAccount: attempts('sign-in-account', 3600, 100, 5, 60),
    /** Enrolments (a password hash each) per client. */
    enrolment: attempts('enrolment', 3600, 60, 10, 60),
    /** Views of the console's audit page (each checks the chain's new entries) per client. */
    auditPage: rateLimit('audit-page', 60, 30),
  } as const satisfies Record<string, ThrottleRule>;
}
export type ThrottleRules = ReturnType<typeof throttleRules>;
