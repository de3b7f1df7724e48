/**
 * An intruder's view of a published release, written independently of domain/disclosure.ts:
 * the withheld cells (and the unpublished "rest of the province" counts) are unknowns, every
 * relation a reader knows from the tables' structure is an equation, and a withheld cell is
 * exposed when the equations determine it (its unit vector is in the row space of the system),
 * that is when adding and subtracting published numbers gives its value. Exact: BigInt
 * elimination over the rationals.
 *
 * `thinMargins` checks a second property: wherever a published count is made up of rows of
 * another table (every table makes up the total, months a half-year or a year, half-years a year,
 * a province's named districts and its unnamed rest the province, the provinces without a named
 * district and the rest of the others "other districts"), whatever of it is not published adds
 * up to at least k.
 */
import type { Cell, Release } from '../../src/domain/statistics.ts';

type Equation = { terms: Map<string, bigint>; constant: bigint };

const halfOf = (month: string) => `${month.slice(0, 4)}-H${Number(month.slice(5)) <= 6 ? 1 : 2}`;

export function exposedCells(release: Release): string[] {
  const known = new Map<string, bigint>();
  const unknowns = new Set<string>();
  const equations: Equation[] = [];
  const note = (id: string, cell: { value: number | null; suppressed: boolean }) => {
    if (cell.suppressed) unknowns.add(id);
    else known.set(id, BigInt(cell.value!));
  };
  /** sum(plus) - sum(minus) = 0 */
  const equation = (plus: string[], minus: string[]) => {
    const terms = new Map<string, bigint>();
    let constant = 0n;
    const add = (id: string, sign: bigint) => {
      if (known.has(id)) constant -= sign * known.get(id)!;
      else terms.set(id, (terms.get(id) ?? 0n) + sign);
    };
    plus.forEach((id) => add(id, 1n));
    minus.forEach((id) => add(id, -1n));
    equations.push({ terms, constant });
  };

  note('total', release.total);
  const cellId = (table: string, key: string, province?: string) => `${table}:${province ? `${province}:` : ''}${key}`;
  for (const table of release.tables) for (const row of table.rows) note(cellId(table.id, row.key, row.province), row.count);
  for (const table of release.tables)
    equation(
      table.rows.map((r) => cellId(table.id, r.key, r.province)),
      ['total'],
    );
  const rows = (id: string) => release.tables.find((t) => t.id === id)!.rows;
  for (const half of rows('half_year')) {
    equation(
      rows('month')
        .filter((m) => halfOf(m.key) === half.key)
        .map((m) => cellId('month', m.key)),
      [cellId('half_year', half.key)],
    );
  }
  for (const year of rows('year')) {
    equation(
      rows('half_year')
        .filter((h) => h.key.startsWith(`${year.key}-`))
        .map((h) => cellId('half_year', h.key)),
      [cellId('year', year.key)],
    );
  }
  // Each province is its named districts plus a rest nobody published; "other" is all the rests.
  const rests: string[] = [];
  for (const province of rows('province')) {
    const rest = `rest:${province.key}`;
    unknowns.add(rest);
    rests.push(rest);
    const named = rows('district')
      .filter((d) => d.province === province.key)
      .map((d) => cellId('district', d.key, d.province));
    equation([...named, rest], [cellId('province', province.key)]);
  }
  equation(rests, [cellId('district', 'other')]);

  if (release.comparison) {
    note('previous:total', release.comparison.total.previous);
    for (const table of release.comparison.tables) {
      for (const row of table.rows) note(`previous:${table.id}:${row.key}`, row.previous);
      equation(
        table.rows.map((r) => `previous:${table.id}:${r.key}`),
        ['previous:total'],
      );
    }
  }

  const withheld = [...unknowns].filter((id) => !id.startsWith('rest:'));
  const fixed = determinedBy(equations);
  return withheld.filter(fixed);
}

const gcd = (a: bigint, b: bigint): bigint => {
  a = a < 0n ? -a : a;
  b = b < 0n ? -b : b;
  while (b) [a, b] = [b, a % b];
  return a;
};

/**
 * Whether the equations fix the value of a variable: its unit vector lies in the span of their
 * coefficient rows. The rows are brought to reduced echelon form once (BigInt, rows divided by
 * their gcd); a unit vector is in the span when it reduces to zero against them.
 */
function determinedBy(equations: readonly Equation[]): (variable: string) => boolean {
  const variables = [...new Set(equations.flatMap((e) => [...e.terms.keys()]))];
  const index = new Map(variables.map((v, i) => [v, i]));
  const basis: { pivot: number; row: bigint[] }[] = [];
  const reduce = (input: bigint[]) => {
    let row = input;
    for (const b of basis) {
      const a = row[b.pivot]!;
      if (a === 0n) continue;
      const p = b.row[b.pivot]!;
      row = row.map((x, j) => x * p - b.row[j]! * a);
      const g = row.reduce((acc, x) => gcd(acc, x), 0n);
      if (g > 1n) row = row.map((x) => x / g);
    }
    return row;
  };
  for (const e of equations) {
    const row = new Array<bigint>(variables.length).fill(0n);
    for (const [v, c] of e.terms) row[index.get(v)!] = c;
    const reduced = reduce(row);
    const pivot = reduced.findIndex((x) => x !== 0n);
    if (pivot !== -1) basis.push({ pivot, row: reduced });
  }
  return (variable) => {
    const i = index.get(variable);
    if (i === undefined) return false;
    const unit = new Array<bigint>(variables.length).fill(0n);
    unit[i] = 1n;
    return reduce(unit).every((x) => x === 0n);
  };
}

/**
 * The margins of a release whose unpublished part adds up to fewer than k, each named with that
 * sum: a published count, the published rows of another table that lie within it, and what is
 * left (withheld rows, and for a province the districts not named) is the count of incidents a
 * reader learns. It must be at least k (0 too is fewer: it would tell that each withheld row is 0).
 */
export function thinMargins(release: Release): string[] {
  const k = release.k;
  const thin: string[] = [];
  /** `whole` is made up of `parts` and, when `rest`, of something no row shows. */
  const margin = (name: string, whole: Cell, parts: readonly Cell[], rest: boolean) => {
    if (whole.suppressed) return;
    if (!rest && parts.every((p) => !p.suppressed)) return;
    const left = parts.reduce((sum, p) => (p.suppressed ? sum : sum - p.value!), whole.value!);
    if (left < k) thin.push(`${name}: ${left}`);
  };
  const rows = (id: string) => release.tables.find((t) => t.id === id)!.rows;
  const counts = (list: readonly { count: Cell }[]) => list.map((r) => r.count);

  for (const table of release.tables) margin(`total = ${table.id}`, release.total, counts(table.rows), false);
  for (const half of rows('half_year')) {
    margin(`${half.key} = months`, half.count, counts(rows('month').filter((m) => halfOf(m.key) === half.key)), false);
  }
  for (const year of rows('year')) {
    margin(`${year.key} = half-years`, year.count, counts(rows('half_year').filter((h) => h.key.startsWith(`${year.key}-`))), false);
    margin(`${year.key} = months`, year.count, counts(rows('month').filter((m) => m.key.startsWith(`${year.key}-`))), false);
  }
  // Named districts carry their province; the one row without is "other districts, or not known".
  const districts = rows('district').filter((d) => d.province !== undefined);
  const named = new Set(districts.map((d) => d.province));
  for (const province of rows('province')) {
    margin(`${province.key} = its districts`, province.count, counts(districts.filter((d) => d.province === province.key)), true);
  }
  const other = rows('district').find((d) => d.province === undefined)!;
  const unnamed = rows('province').filter((p) => !named.has(p.key));
  margin('other districts = provinces without a named district', other.count, counts(unnamed), unnamed.length < rows('province').length);

  if (release.comparison) {
    const previousTotal = release.comparison.total.previous;
    for (const table of release.comparison.tables) {
      margin(
        `previous total = ${table.id}`,
        previousTotal,
        table.rows.map((r) => r.previous),
        false,
      );
    }
  }
  return thin;
}
