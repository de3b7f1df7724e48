import { sql, type SQL } from 'drizzle-orm';
import type { Database } from './database.ts';

/** How a primary-key column is written as text and read back (bytea as hex). */
const keyTypes = {
  uuid: { toText: (c: SQL) => sql`${c}::text`, fromText: (text: SQL) => sql`${text}::uuid` },
  bigint: { toText: (c: SQL) => sql`${c}::text`, fromText: (text: SQL) => sql`${text}::bigint` },
  smallint: { toText: (c: SQL) => sql`${c}::text`, fromText: (text: SQL) => sql`${text}::smallint` },
  bytea: { toText: (c: SQL) => sql`encode(${c}, 'hex')`, fromText: (text: SQL) => sql`decode(${text}, 'hex')` },
};

interface EncryptedColumnSpec {
  table: string;
  column: string;
  /** The row's primary key, by which a value is found again to be replaced. */
  key: readonly (readonly [name: string, type: keyof typeof keyTypes])[];
  /** Further columns its encryption context names. */
  also?: readonly string[];
}

/**
 * Every column that holds a ciphertext of services/keys.ts (the other bytea columns hold keyed
 * hashes, which do not rotate). A new encrypted column must be added here, with its context in
 * services/key-rotation.ts, or a rotation would leave it under a key it then removes:
 * test/integration/key-rotation.test.ts fails on a bytea column that is on neither list.
 */
export const encryptedColumns = {
  'reports.sensitive': { table: 'reports', column: 'sensitive', key: [['id', 'uuid']] },
  'reports.contact': { table: 'reports', column: 'contact', key: [['id', 'uuid']] },
  'reports.district_typed': { table: 'reports', column: 'district_typed', key: [['id', 'uuid']] },
  'report_urls.url': {
    table: 'report_urls',
    column: 'url',
    key: [
      ['report_id', 'uuid'],
      ['position', 'smallint'],
    ],
  },
  'report_messages.body': { table: 'report_messages', column: 'body', key: [['id', 'bigint']], also: ['report_id', 'author'] },
  'idempotency_keys.receipt': { table: 'idempotency_keys', column: 'receipt', key: [['key_hash', 'bytea']] },
  'case_notes.body': { table: 'case_notes', column: 'body', key: [['id', 'bigint']] },
  'referrals.notes': { table: 'referrals', column: 'notes', key: [['id', 'bigint']] },
  'case_court_checklist.note': {
    table: 'case_court_checklist',
    column: 'note',
    key: [['id', 'bigint']],
    also: ['case_id', 'item'],
  },
  'staff_users.totp_secret': { table: 'staff_users', column: 'totp_secret', key: [['id', 'uuid']] },
} as const satisfies Record<string, EncryptedColumnSpec>;

export type EncryptedColumn = keyof typeof encryptedColumns;

/** A stored ciphertext: its row's key columns and the columns its context names, as text, and the value. */
export interface SealedValue {
  row: Record<string, string>;
  sealed: Buffer;
}

export interface KeyCount {
  column: EncryptedColumn;
  keyId: number;
  values: number;
}

/**
 * The id of the key a ciphertext names, in SQL: version 1 is the original key's (1); version 2
 * carries it in bytes 1 and 2, big-endian (services/keys.ts, keyIdOf).
 */
const keyIdSql = (column: string) =>
  `(CASE get_byte(${column}, 0) WHEN 1 THEN 1 ELSE get_byte(${column}, 1) * 256 + get_byte(${column}, 2) END)`;

const asBuffer = (value: Uint8Array): Buffer =>
  Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);

/** The SQL of a data key rotation: pages of values under other keys, their replacement, counts. */
export class KeyRotationStore {
  constructor(private readonly database: Database) {}

  async #rows<Row>(query: ReturnType<typeof sql>): Promise<Row[]> {
    return ((await this.database.db.execute(query)) as unknown as { rows: Row[] }).rows;
  }

  /**
   * Up to `limit` values of `column` not sealed with key `keyId`, in key order after the row
   * `after` (the last of the previous page): one statement, so no lock is held while they are
   * re-encrypted.
   */
  async page(name: EncryptedColumn, keyId: number, after: SealedValue['row'] | undefined, limit: number): Promise<SealedValue[]> {
    const spec: EncryptedColumnSpec = encryptedColumns[name];
    const keys = sql.raw(spec.key.map(([column]) => column).join(', '));
    const selected = sql.join(
      [
        ...spec.key.map(([column, type], i) => sql`${keyTypes[type].toText(sql.raw(column))} AS ${sql.raw(`k${i}`)}`),
        ...(spec.also ?? []).map((column, i) => sql`${sql.raw(column)}::text AS ${sql.raw(`a${i}`)}`),
      ],
      sql`, `,
    );
    const cursor = after
      ? sql` AND (${keys}) > (${sql.join(
          spec.key.map(([column, type]) => keyTypes[type].fromText(sql`${after[column]}`)),
          sql`, `,
        )})`
      : sql``;
    const rows = await this.#rows<Record<string, string> & { sealed: Uint8Array }>(sql`
      SELECT ${selected}, ${sql.raw(spec.column)} AS sealed
      FROM ${sql.raw(spec.table)}
      WHERE ${sql.raw(spec.column)} IS NOT NULL AND ${sql.raw(keyIdSql(spec.column))} <> ${keyId}${cursor}
      ORDER BY ${keys}
      LIMIT ${limit}`);
    return rows.map((r) => ({
      row: Object.fromEntries([
        ...spec.key.map(([column], i) => [column, r[`k${i}`]!]),
        ...(spec.also ?? []).map((column, i) => [column, r[`a${i}`]!]),
      ]),
      sealed: asBuffer(r.sealed),
    }));
  }

  /**
   * Replaces each value with its re-encryption where the column still holds the value read
   * (compare-and-set, one statement): a value a writer changed meanwhile is left as the writer
   * wrote it, and a later pass takes it if it is still under an old key. Returns how many replaced.
   */
  async replace(name: EncryptedColumn, replacements: { row: SealedValue['row']; old: Buffer; sealed: Buffer }[]): Promise<number> {
    if (!replacements.length) return 0;
    const spec: EncryptedColumnSpec = encryptedColumns[name];
    const values = replacements.map((r) => ({
      ...Object.fromEntries(spec.key.map(([column], i) => [`k${i}`, r.row[column]])),
      old: r.old.toString('base64'),
      sealed: r.sealed.toString('base64'),
    }));
    const columns = [...spec.key.map((_, i) => `k${i} text`), 'old text', 'sealed text'].join(', ');
    const match = sql.join(
      spec.key.map(([column, type], i) => sql`t.${sql.raw(column)} = ${keyTypes[type].fromText(sql.raw(`v.k${i}`))}`),
      sql` AND `,
    );
    const updated = await this.#rows<{ one: number }>(sql`
      UPDATE ${sql.raw(spec.table)} t SET ${sql.raw(spec.column)} = decode(v.sealed, 'base64')
      FROM jsonb_to_recordset(${JSON.stringify(values)}::jsonb) AS v(${sql.raw(columns)})
      WHERE ${match} AND t.${sql.raw(spec.column)} = decode(v.old, 'base64')
      RETURNING 1 AS one`);
    return updated.length;
  }

  /** How many values of each encrypted column each key id seals. */
  async countByKey(): Promise<KeyCount[]> {
    const counts: KeyCount[] = [];
    for (const [name, spec] of Object.entries(encryptedColumns) as [EncryptedColumn, EncryptedColumnSpec][]) {
      const rows = await this.#rows<{ key_id: number; values: number }>(sql`
        SELECT ${sql.raw(keyIdSql(spec.column))}::int AS key_id, count(*)::int AS values
        FROM ${sql.raw(spec.table)} WHERE ${sql.raw(spec.column)} IS NOT NULL
        GROUP BY 1 ORDER BY 1`);
      counts.push(...rows.map((r) => ({ column: name, keyId: Number(r.key_id), values: Number(r.values) })));
    }
    return counts;
  }
}
