import type { z } from 'zod';

/**
 * The one error type of Hifazat. Every failure a caller should understand carries a stable
 * `code`. Each code is declared once, here, with the HTTP status it is answered with and what it
 * means (the OpenAPI document lists them from this table); src/http/errors.ts answers from it.
 */
export const errorTable = {
  validation_failed: { status: 400, description: 'A field is missing or invalid; `errors` names each field and its problem.' },
  malformed_body: { status: 400, description: 'The body could not be read (not UTF-8 JSON, a broken form or upload).' },
  unauthenticated: { status: 401, description: 'No valid API key or session.' },
  sign_in_failed: { status: 401, description: 'The e-mail address, password or code is wrong.' },
  forbidden: { status: 403, description: 'Signed in, but not allowed this (a role, or an API key without the scope).' },
  csrf_invalid: { status: 403, description: 'The form token is missing or wrong.' },
  unknown_receipt: { status: 404, description: 'No report has this receipt.' },
  not_found: { status: 404, description: 'Nothing is at this address, or it is not yours to see.' },
  /** The object is not in a state that allows this (e.g. approving a closure nobody requested). */
  invalid_state: { status: 409, description: 'Not possible in the present state of what it acts on.' },
  /** Unknown, used, expired: one answer, so that it says nothing about whether the report exists. */
  details_link_expired: { status: 410, description: 'This link for adding details to a report has expired or was already used.' },
  payload_too_large: { status: 413, description: 'The body is over its size limit.' },
  image_too_large: { status: 413, description: 'The image has more pixels than the limit.' },
  unsupported_media_type: { status: 415, description: 'This content type is not accepted here.' },
  idempotency_conflict: { status: 422, description: 'This Idempotency-Key was used for a different request.' },
  image_unreadable: { status: 422, description: 'Not an image that can be decoded.' },
  image_truncated: { status: 422, description: 'The image file is incomplete.' },
  too_many_attempts: { status: 429, description: 'Too many attempts from this client; see Retry-After.' },
  rate_limited: { status: 429, description: 'Too many requests, or no capacity to decode an image now; see Retry-After.' },
  config_invalid: { status: 500, description: 'The server is misconfigured.' },
  data_dir_locked: { status: 500, description: 'Another process holds the data directory.' },
  internal: { status: 500, description: 'Internal error.' },
  database_unavailable: { status: 503, description: 'The database does not answer.' },
} as const satisfies Record<string, { status: number; description: string }>;

export type ErrorCode = keyof typeof errorTable;
export const errorCodes = Object.keys(errorTable) as ErrorCode[];

/**
 * A field-level problem: `field` is the input name, `problem` a stable key translated for people.
 * `message` is the schema's own sentence when it has one (e.g. "must be 64 hexadecimal digits"),
 * for the engineers who call the API; people are shown the translated problem.
 */
export interface FieldIssue {
  field: string;
  problem: string;
  message?: string;
}

export class HifazatError extends Error {
  readonly code: ErrorCode;
  readonly issues: readonly FieldIssue[];
  /** Seconds until a throttled caller may try again. */
  readonly retryAfter: number | undefined;

  constructor(code: ErrorCode, message: string, options: { issues?: readonly FieldIssue[]; retryAfter?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HifazatError';
    this.code = code;
    this.issues = options.issues ?? [];
    this.retryAfter = options.retryAfter;
  }
}

/** A problem key is one snake_case word; any other schema message is a sentence for engineers. */
const problemKey = /^[a-z]+(_[a-z]+)*$/;

/**
 * Schemas name their problems with keys ("required", "invalid_date") or, for the API, sentences.
 * zod's own English defaults are neither: parsing with this error map turns every problem a
 * schema did not name into "invalid".
 */
const unnamedProblem = () => 'invalid';

/** Parses input, or gives the refusal: validation_failed with one problem per field, in input order. */
export function checkInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
): { ok: true; data: z.output<S> } | { ok: false; error: HifazatError } {
  const result = schema.safeParse(input, { error: unnamedProblem });
  if (result.success) return { ok: true, data: result.data };
  return {
    ok: false,
    error: new HifazatError('validation_failed', 'The input has invalid fields.', { issues: fieldIssues(result.error.issues) }),
  };
}

/** Parses input or throws the refusal (HTTP 400 with the problems by field). */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const checked = checkInput(schema, input);
  if (!checked.ok) throw checked.error;
  return checked.data;
}

function fieldIssues(zodIssues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const add = (issue: FieldIssue) => {
    if (!issues.some((i) => i.field === issue.field)) issues.push(issue);
  };
  for (const issue of zodIssues) {
    const path = [...prefix, ...issue.path];
    const field = path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) add({ field: field ? `${field}.${key}` : key, problem: 'unknown_field' });
    } else if (issue.code === 'invalid_union' && issue.message === unnamedProblem()) {
      // The problem of the one option whose type fitted (a PDQ hash that is a string but not 64
      // hex digits, not "not an array either"); unnamed when none or several fitted.
      const fitted = issue.errors.filter((option) => !option.some((i) => i.code === 'invalid_type' && i.path.length === 0));
      if (fitted.length === 1) fieldIssues(fitted[0]!, path).forEach(add);
      else add({ field, problem: 'invalid' });
    } else if (problemKey.test(issue.message)) {
      add({ field, problem: issue.message });
    } else {
      add({ field, problem: 'invalid', message: issue.message });
    }
  }
  return issues;
}
