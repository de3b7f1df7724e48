const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Whether `value` is a UUID as PostgreSQL's uuid type reads it (hyphenated, any case). Ids typed in
 * a path or form are checked with this before they reach a uuid column, so a malformed one is
 * "not found" rather than a database error.
 */
export const isUuid = (value: string): boolean => uuidPattern.test(value);
