/**
 * The one error type of Hifazat. Every failure a caller should understand carries a stable
 * `code`; src/http/errors.ts maps codes to HTTP statuses in one place.
 */
export const errorCodes = [
  'validation_failed',
  'unknown_receipt',
  'unauthenticated',
  'sign_in_failed',
  'forbidden',
  'csrf_invalid',
  'too_many_attempts',
  'rate_limited',
  'idempotency_conflict',
  /** The object is not in a state that allows this (e.g. approving a closure nobody requested). */
  'invalid_state',
  'payload_too_large',
  /** Not an image Hifazat can decode, or a truncated one. */
  'image_unreadable',
  /** More pixels than the decompression-bomb limit. */
  'image_too_large',
  'unsupported_media_type',
  'malformed_body',
  'not_found',
  'config_invalid',
  'data_dir_locked',
  'database_unavailable',
  'internal',
] as const;
export type ErrorCode = (typeof errorCodes)[number];

/** A field-level problem: `field` is the input name, `problem` a stable key translated for people. */
export interface FieldIssue {
  field: string;
  problem: string;
}

export class HifazatError extends Error {
  readonly code: ErrorCode;
  readonly issues: readonly FieldIssue[];
  /** Seconds until a throttled caller may try again. */
  readonly retryAfter: number | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { issues?: readonly FieldIssue[]; retryAfter?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HifazatError';
    this.code = code;
    this.issues = options.issues ?? [];
    this.retryAfter = options.retryAfter;
  }
}
