/**
 * Whole numbers typed in a path, a query or a form field (a task's id, a link's position, an audit
 * page's starting point), read for the database column they are compared with. Number.parseInt
 * reads "12abc" as 12 and "99999999999999999999" as 1e20, which PostgreSQL refuses for a smallint
 * or bigint column with an error (a 500): here they are simply not a number of that column.
 */

/** The largest value of each integer column type (bigint: as far as a JavaScript number is exact). */
export const columnMax = {
  smallint: 32_767,
  integer: 2_147_483_647,
  bigint: Number.MAX_SAFE_INTEGER,
} as const;
export type IntegerColumn = keyof typeof columnMax;

/** Decimal digits only (no sign, space, exponent or fraction) within 0…the column's maximum; else undefined. */
export function wholeNumber(text: unknown, column: IntegerColumn): number | undefined {
  if (typeof text !== 'string' || !/^\d{1,16}$/.test(text)) return undefined;
  const value = Number(text);
  return value <= columnMax[column] ? value : undefined;
}
