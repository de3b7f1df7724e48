import type { ErrorCode } from '../domain/errors.ts';

/** The one place where error codes become HTTP statuses. */
export const httpStatusOf: Record<ErrorCode, number> = {
  validation_failed: 400,
  malformed_body: 400,
  unknown_receipt: 404,
  not_found: 404,
  idempotency_conflict: 422,
  payload_too_large: 413,
  unsupported_media_type: 415,
  too_many_attempts: 429,
  rate_limited: 429,
  config_invalid: 500,
  data_dir_locked: 500,
  internal: 500,
  database_unavailable: 503,
};
