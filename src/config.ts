import { resolve } from 'node:path';
import { z } from 'zod';
import { HifazatError } from './domain/errors.ts';

/**
 * All configuration comes from the environment, is parsed once at start, and a mistake stops
 * the process with a message naming the variable.
 */
const port = z.coerce.number().int().min(0).max(65_535);
const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

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
  TRUST_PROXY: flag.default(false),
  /** Set when served over HTTPS (directly or via the proxy): cookies become Secure, HSTS is sent. */
  HTTPS: flag.default(false),
  /** Reports accepted per hour without a solved proof of work, shared by all instances (database). */
  UNVERIFIED_REPORTS_PER_HOUR: z.coerce.number().int().min(1).max(1_000_000_000).default(300),
  /** Reports accepted per hour from one client address, counted by each process in memory. */
  CLIENT_REPORTS_PER_HOUR: z.coerce.number().int().min(1).max(1_000_000_000).default(30),
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
  trustProxy: boolean;
  https: boolean;
  unverifiedReportsPerHour: number;
  clientReportsPerHour: number;
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
    unverifiedReportsPerHour: e.UNVERIFIED_REPORTS_PER_HOUR,
    clientReportsPerHour: e.CLIENT_REPORTS_PER_HOUR,
    matchRequestsPerMinute: e.MATCH_REQUESTS_PER_MINUTE,
  };
}
