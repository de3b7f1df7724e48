import { resolve } from 'node:path';
import { z } from 'zod';
import { isIP } from 'node:net';
import { HifazatError } from './domain/errors.ts';
import { defaultClientLimits, type ClientLimits } from './domain/throttling.ts';

/**
 * All configuration comes from the environment, is parsed once at start, and a mistake stops
 * the process with a message naming the variable.
 */
const port = z.coerce.number().int().min(0).max(65_535);
const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/**
 * The address staff and reporters use to reach Hifazat: an http(s) origin with an optional path
 * (no user, query or fragment), kept without a trailing slash so that paths are appended to it.
 * Links are built from it and the console's Origin check compares with it, never with `Host`.
 */
export const publicUrlSchema = z.string().transform((value, ctx) => {
  const problem = 'must be an http:// or https:// address with an optional path, such as https://hotline.example.org';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: problem });
    return z.NEVER;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password || url.search || url.hash || value.includes('?') || value.includes('#')) {
    ctx.addIssue({ code: 'custom', message: problem });
    return z.NEVER;
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
});

/**
 * TRUST_PROXY: `false`, the number of proxies in front of Hifazat (the client is the address the
 * outermost of them saw), or the proxies' own addresses and networks, comma-separated. Never
 * "trust everything": then any client could name its own address in X-Forwarded-For and every
 * per-client limit would be gone.
 */
const trustProxySchema = z.string().transform((value, ctx): false | number | string[] => {
  const v = value.trim();
  if (v === 'false' || v === '0' || v === '') return false;
  if (v === 'true') {
    ctx.addIssue({
      code: 'custom',
      message: 'true would let every client choose its own address; give the number of proxies (e.g. 1) or their addresses (e.g. 127.0.0.1,10.0.0.0/8)',
    });
    return z.NEVER;
  }
  if (/^\d+$/.test(v)) {
    const hops = Number(v);
    if (hops <= 10) return hops;
  }
  const entries = v.split(',').map((entry) => entry.trim());
  for (const entry of entries) {
    const [address, prefix, extra] = entry.split('/');
    const family = isIP(address ?? '');
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 6 ? 128 : 32));
    if (family === 0 || !prefixOk || extra !== undefined) {
      ctx.addIssue({ code: 'custom', message: `"${entry}" is neither a number of proxies (1 to 10) nor an IP address or network` });
      return z.NEVER;
    }
  }
  return entries;
});

/** 0.0.0.0, ::, [::] and the like: every address of the machine, so none names Hifazat. */
const isWildcardHost = (host: string) => /^0+(\.0+){3}$/.test(host) || /^\[?[0:]*:[0:]*\]?$/.test(host);

const environment = z.object({
  PORT: port.default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .refine((v) => /^postgres(ql)?:\/\//.test(v), 'must start with postgres:// or postgresql://')
    .optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  HIFAZAT_KEY_FILE: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Behind a reverse proxy, so that per-client throttling sees the client and not the proxy. */
  TRUST_PROXY: trustProxySchema.default(false),
  /** Set when served over HTTPS (directly or via the proxy): cookies become Secure, HSTS is sent. */
  HTTPS: flag.default(false),
  /** How people reach Hifazat (invitation links, the console's Origin check); see publicUrlFor. */
  PUBLIC_URL: publicUrlSchema.optional(),
  /** Was a budget shared by all clients, which one client could spend for everyone (ADR 0005). */
  UNVERIFIED_REPORTS_PER_HOUR: z
    .never({ error: 'is no longer used: reports without proof of work are limited per client (CLIENT_UNVERIFIED_REPORTS_PER_HOUR)' })
    .optional(),
  /** Reports with a solved proof of work accepted per hour from one client address (all processes together). */
  CLIENT_REPORTS_PER_HOUR: z.coerce.number().int().min(1).max(1_000_000_000).default(defaultClientLimits.reportsPerHour),
  /** Reports without one accepted per hour from one client address (all processes together). */
  CLIENT_UNVERIFIED_REPORTS_PER_HOUR: z.coerce.number().int().min(1).max(1_000_000_000).default(defaultClientLimits.unverifiedReportsPerHour),
  /** Follow-up requests (receipt look-ups, replies) accepted per ten minutes from one client address. */
  CLIENT_FOLLOW_UPS_PER_TEN_MINUTES: z.coerce.number().int().min(1).max(1_000_000_000).default(defaultClientLimits.followUpsPerTenMinutes),
  /** Matching-API requests per API key per minute, counted by each process in memory. */
  MATCH_REQUESTS_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000_000).default(60_000),
});

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  databasePoolSize: number;
  keyFile: string;
  logLevel: z.infer<typeof environment>['LOG_LEVEL'];
  /** Fastify's trustProxy: false, a hop count, or the proxies' addresses and networks. */
  trustProxy: false | number | string[];
  https: boolean;
  /** PUBLIC_URL, or http://HOST:PORT when HOST names one address; no trailing slash. */
  publicUrl: string;
  clientLimits: ClientLimits;
  matchRequestsPerMinute: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = environment.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new HifazatError('config_invalid', `Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const dataDir = resolve(e.DATA_DIR);
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir,
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    keyFile: resolve(e.HIFAZAT_KEY_FILE ?? resolve(dataDir, 'data.key')),
    logLevel: e.LOG_LEVEL,
    trustProxy: e.TRUST_PROXY,
    https: e.HTTPS,
    publicUrl: publicUrlFor(e.PUBLIC_URL, e.HOST, e.PORT, e.HTTPS),
    clientLimits: {
      reportsPerHour: e.CLIENT_REPORTS_PER_HOUR,
      unverifiedReportsPerHour: e.CLIENT_UNVERIFIED_REPORTS_PER_HOUR,
      followUpsPerTenMinutes: e.CLIENT_FOLLOW_UPS_PER_TEN_MINUTES,
    },
    matchRequestsPerMinute: e.MATCH_REQUESTS_PER_MINUTE,
  };
}

/**
 * PUBLIC_URL when set, else http://HOST:PORT, the address the server listens on, when that is one
 * address (loopback in the default configuration). Where that cannot be the address people use
 * (HOST a wildcard, a port chosen at start, HTTPS served by a proxy in front) PUBLIC_URL is required.
 */
function publicUrlFor(configured: string | undefined, host: string, port: number, https: boolean): string {
  const refuse = (message: string): never => {
    throw new HifazatError('config_invalid', `Invalid configuration:\n  PUBLIC_URL: ${message}`);
  };
  if (configured !== undefined) {
    if (https && !configured.startsWith('https:')) refuse('must be an https:// address when HTTPS=true');
    return configured;
  }
  const example = 'set it to the address staff use, such as https://hotline.example.org';
  if (isWildcardHost(host)) refuse(`required when HOST is ${host}, which listens on every address: ${example}`);
  if (https) refuse(`required when HTTPS=true (HTTPS is served by a proxy in front): ${example}`);
  if (port === 0) refuse(`required when PORT is 0 (a port chosen at start): ${example}`);
  const name = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const derived = publicUrlSchema.safeParse(`http://${name}:${port}`);
  return derived.success ? derived.data : refuse(`required: HOST ${host} does not make an address (${example})`);
}
