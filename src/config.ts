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
  if (
    (url.protocol !== 'http:' && url.protocol !== 'https:') ||
    url.username ||
    url.password ||
    url.search ||
    url.hash ||
    value.includes('?') ||
    value.includes('#')
  ) {
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
      message:
        'true would let every client choose its own address; give the number of proxies (e.g. 1) or their addresses (e.g. 127.0.0.1,10.0.0.0/8)',
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

/** SMTP_URL: an smtp:// or smtps:// address (nodemailer's). */
const smtpUrlSchema = z.string().refine((v) => {
  try {
    const url = new URL(v);
    return (url.protocol === 'smtp:' || url.protocol === 'smtps:') && url.hostname !== '';
  } catch {
    return false;
  }
}, 'must be an smtp:// or smtps:// address, such as smtps://user:password@mail.example.org:465');

/** WEBHOOK_URL: http or https, no user name or password in it (the request is signed instead). */
const webhookUrlSchema = z.string().refine((v) => {
  try {
    const url = new URL(v);
    return (url.protocol === 'http:' || url.protocol === 'https:') && !url.username && !url.password;
  } catch {
    return false;
  }
}, 'must be an http:// or https:// address without a user name or password');

/** OUTBOUND_ALLOW_ADDRESSES: IP addresses and networks (CIDR), comma-separated. */
const addressListSchema = z.string().transform((value, ctx): string[] => {
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  for (const entry of entries) {
    const [address, prefix, extra] = entry.split('/');
    const family = isIP(address ?? '');
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 6 ? 128 : 32));
    if (family === 0 || !prefixOk || extra !== undefined) {
      ctx.addIssue({ code: 'custom', message: `"${entry}" is not an IP address or network` });
      return z.NEVER;
    }
  }
  return entries;
});

/** 0.0.0.0, ::, [::] and the like: every address of the machine, so none names Hifazat. */
const isWildcardHost = (host: string) => /^0+(\.0+){3}$/.test(host) || /^\[?[0:]*:[0:]*\]?$/.test(host);

/**
 * What the README's configuration table and `hifazat start --help` say about a variable, in the
 * README's words (Markdown). `unset` stands for the default of a variable without one in the
 * schema; config.test.ts checks the README table against these.
 */
interface VariableDocs {
  meaning: string;
  unset?: string;
}
const docs = z.registry<VariableDocs>();

/** The variables Hifazat reads, in the order the README and the help list them. */
const variables = {
  PORT: port.default(3000).register(docs, { meaning: 'TCP port to listen on.' }),
  HOST: z.string().min(1).default('127.0.0.1').register(docs, { meaning: 'Address to listen on (`0.0.0.0` for all).' }),
  DATA_DIR: z.string().min(1).default('./data').register(docs, {
    meaning:
      "Embedded database, data key, and the control channel's secret (the lock is a socket the operating system releases when the process ends). At every start the directory and everything in it are made private (directories 0700, files 0600, whoever created them), and the process runs with umask 077, so what it writes later is private too (exports included); an entry it cannot make private (another user's) stops the start.",
  }),
  DATABASE_URL: z
    .string()
    .refine((v) => /^postgres(ql)?:\/\//.test(v), 'must start with postgres:// or postgresql://')
    .optional()
    .register(docs, { meaning: '`postgres://…` to use a PostgreSQL server (15 or newer) instead of PGlite.' }),
  DATABASE_POOL_SIZE: z.coerce
    .number()
    .int()
    .min(1)
    .max(200)
    .default(10)
    .register(docs, { meaning: 'Connections per process to that server.' }),
  DATABASE_APP_ROLE: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a role name: lower-case letters, digits and _')
    .optional()
    .register(docs, {
      meaning:
        'With `DATABASE_URL` only: the role the application connects as, which owns nothing (see "Least privilege on PostgreSQL"). Run as the owner, `hifazat migrate` and every start grant it what the application needs and no more: it may add to the audit log but not change, delete or unprotect it, and it may not create or alter tables.',
    }),
  HIFAZAT_KEY_FILE: z.string().min(1).optional().register(docs, {
    unset: 'DATA_DIR/data.key',
    meaning:
      'The 256-bit data key (base64; after `hifazat key rotate`, the keys with their ids). Created with mode 0600 on first start if missing; one that other users may read is made private when read, or refused if this process cannot change its mode. **Back it up apart from the database: without it the encrypted fields cannot be read.**',
  }),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').register(docs, {
    meaning:
      '`fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`. At every level a line carries no header, cookie, address, user agent, query, body or value anyone typed (see docs/ARCHITECTURE.md, "Logging").',
  }),
  TRUST_PROXY: trustProxySchema.default(false).register(docs, {
    meaning:
      "Behind a reverse proxy, which proxies' `X-Forwarded-For` to believe, so that per-client throttling sees the client: the proxies' addresses or networks, comma-separated (`127.0.0.1` or `10.0.0.0/8,::1`), or the number of proxies in front (`1`; then nothing but the proxy may reach Hifazat, since the nearest address is always taken for a proxy). `true` is refused: it would let every client choose its own address.",
  }),
  HTTPS: flag.default(false).register(docs, {
    meaning:
      "`true` when served over HTTPS (sends HSTS; the console's cookies become `__Host-` cookies: Secure, `Path=/`, see docs/adr/0006).",
  }),
  /** See publicUrlFor. */
  PUBLIC_URL: publicUrlSchema.optional().register(docs, {
    unset: 'http://HOST:PORT',
    meaning:
      "The address staff and reporters use, e.g. `https://hotline.example.org` (an `http://` or `https://` origin, optionally with a path). Invitation links are built from it, never from the request's `Host` header, and console forms posted from any other origin are refused. Required when `HOST` listens on every address (`0.0.0.0`, `::`), when `HTTPS=true` (it must then be `https://`), and when `PORT` is 0.",
  }),
  CLIENT_REPORTS_PER_HOUR: z.coerce.number().int().min(1).max(1_000_000_000).default(defaultClientLimits.reportsPerHour).register(docs, {
    meaning:
      'Reports with a solved proof of work (the form with JavaScript) accepted per hour from one client address, counted in the database for all processes together (raise it when many reporters share one address, e.g. behind carrier NAT).',
  }),
  CLIENT_UNVERIFIED_REPORTS_PER_HOUR: z.coerce
    .number()
    .int()
    .min(1)
    .max(1_000_000_000)
    .default(defaultClientLimits.unverifiedReportsPerHour)
    .register(docs, {
      meaning:
        "Reports without one (the no-JavaScript form, API clients that skip it) accepted per hour from one client address, likewise; beyond it that client's reports get 429, with everything typed kept, until the next hour. No limit is shared by all clients, so nobody can spend it for everyone (docs/adr/0005). `UNVERIFIED_REPORTS_PER_HOUR`, once a budget shared by all, is refused.",
    }),
  CLIENT_FOLLOW_UPS_PER_TEN_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(1_000_000_000)
    .default(defaultClientLimits.followUpsPerTenMinutes)
    .register(docs, {
      meaning:
        'Follow-up requests (receipt look-ups and replies) accepted per ten minutes from one client address, likewise. A receipt that finds nothing also makes that client wait longer after its first five.',
    }),
  MATCH_REQUESTS_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000_000).default(60_000).register(docs, {
    meaning:
      "Matching-API requests per API key per minute, counted in each process's memory (a bulk request of up to 1,000 hashes counts once).",
  }),
  SMTP_URL: smtpUrlSchema.optional().register(docs, {
    meaning:
      'Where notifications to staff are emailed from: `smtp://user:password@host:587` (STARTTLS when the server offers it) or `smtps://…:465`. Unset: no email. A notification says only that something waits and where to sign in, in the recipient\'s language, never a narrative, a name or a case (see docs/ARCHITECTURE.md, "Notifications").',
  }),
  NOTIFY_FROM: z
    .string()
    .regex(/^[^\s<>@]+@[^\s<>@]+$/, 'must be an email address, such as hifazat@hotline.example.org')
    .optional()
    .register(docs, {
      unset: 'hifazat@ the host of PUBLIC_URL',
      meaning: 'The sender of those emails.',
    }),
  WEBHOOK_URL: webhookUrlSchema.optional().register(docs, {
    meaning:
      'An `http://` or `https://` address that receives each notification as a signed JSON POST, for a Matrix, Slack or SMS bridge the operator runs. Unset: no webhook. Needs `WEBHOOK_SECRET`.',
  }),
  WEBHOOK_SECRET: z.string().min(32, 'must be at least 32 characters').optional().register(docs, {
    meaning:
      "The key of the webhook's signature: `X-Hifazat-Signature: sha256=` HMAC-SHA256 (hex) of `X-Hifazat-Timestamp`, a full stop and the body; the bridge refuses a wrong one or an old timestamp.",
  }),
  OUTBOUND_ALLOW_ADDRESSES: addressListSchema.optional().register(docs, {
    unset: 'none',
    meaning:
      'Private, loopback or reserved addresses and networks that requests Hifazat sends (the webhook) may reach, comma-separated (`10.0.0.5,192.168.1.0/24`). Every other such address is refused when it connects, after every DNS answer and every redirect, against server-side request forgery.',
  }),
};

/** Variables Hifazat no longer reads: setting one stops the start with a message naming what replaced it. */
const retired = {
  /** Was a budget shared by all clients, which one client could spend for everyone (ADR 0005). */
  UNVERIFIED_REPORTS_PER_HOUR: z
    .never({ error: 'is no longer used: reports without proof of work are limited per client (CLIENT_UNVERIFIED_REPORTS_PER_HOUR)' })
    .optional(),
};

const environment = z.object({ ...variables, ...retired });

export interface ConfigurationVariable {
  name: string;
  /** The schema's default, or what stands in for it (`unset`); undefined when there is neither. */
  default: string | undefined;
  /** Markdown, as in the README. */
  meaning: string;
}

/** Every variable Hifazat reads, with its default and meaning: the README table and the help show these. */
export function configurationVariables(): ConfigurationVariable[] {
  return Object.entries(variables).map(([name, schema]) => {
    const documented = docs.get(schema);
    if (!documented) throw new Error(`${name} has no meaning for the README and the help`);
    // Parsing nothing yields the schema's default (zod does not run a default through transforms).
    const value: unknown = schema.safeParse(undefined).data;
    return { name, default: value === undefined ? documented.unset : String(value), meaning: documented.meaning };
  });
}

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  databasePoolSize: number;
  /** DATABASE_APP_ROLE: the role migrating as the owner grants the application's privileges to. */
  databaseAppRole: string | undefined;
  keyFile: string;
  logLevel: z.infer<typeof environment>['LOG_LEVEL'];
  /** Fastify's trustProxy: false, a hop count, or the proxies' addresses and networks. */
  trustProxy: false | number | string[];
  https: boolean;
  /** PUBLIC_URL, or http://HOST:PORT when HOST names one address; no trailing slash. */
  publicUrl: string;
  clientLimits: ClientLimits;
  matchRequestsPerMinute: number;
  /** Notifications to staff: the channels configured (none: only the console's own list). */
  notifications: NotificationConfig;
}

export interface NotificationConfig {
  smtpUrl: string | undefined;
  from: string;
  webhookUrl: string | undefined;
  webhookSecret: string | undefined;
  /** Private or loopback addresses outbound requests may reach (OUTBOUND_ALLOW_ADDRESSES). */
  outboundAllowAddresses: string[];
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = environment.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new HifazatError('config_invalid', `Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (e.DATABASE_APP_ROLE !== undefined && e.DATABASE_URL === undefined) {
    throw new HifazatError(
      'config_invalid',
      'Invalid configuration:\n  DATABASE_APP_ROLE: needs DATABASE_URL (the embedded database has one user, nothing to grant)',
    );
  }
  if ((e.WEBHOOK_URL === undefined) !== (e.WEBHOOK_SECRET === undefined)) {
    throw new HifazatError(
      'config_invalid',
      "Invalid configuration:\n  WEBHOOK_SECRET: WEBHOOK_URL and WEBHOOK_SECRET go together (the bridge checks each request's signature)",
    );
  }
  const dataDir = resolve(e.DATA_DIR);
  const publicUrl = publicUrlFor(e.PUBLIC_URL, e.HOST, e.PORT, e.HTTPS);
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir,
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    databaseAppRole: e.DATABASE_APP_ROLE,
    keyFile: resolve(e.HIFAZAT_KEY_FILE ?? resolve(dataDir, 'data.key')),
    logLevel: e.LOG_LEVEL,
    trustProxy: e.TRUST_PROXY,
    https: e.HTTPS,
    publicUrl,
    clientLimits: {
      reportsPerHour: e.CLIENT_REPORTS_PER_HOUR,
      unverifiedReportsPerHour: e.CLIENT_UNVERIFIED_REPORTS_PER_HOUR,
      followUpsPerTenMinutes: e.CLIENT_FOLLOW_UPS_PER_TEN_MINUTES,
    },
    matchRequestsPerMinute: e.MATCH_REQUESTS_PER_MINUTE,
    notifications: {
      smtpUrl: e.SMTP_URL,
      from: e.NOTIFY_FROM ?? `hifazat@${new URL(publicUrl).hostname.replace(/^\[|\]$/g, '')}`,
      webhookUrl: e.WEBHOOK_URL,
      webhookSecret: e.WEBHOOK_SECRET,
      outboundAllowAddresses: e.OUTBOUND_ALLOW_ADDRESSES ?? [],
    },
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
