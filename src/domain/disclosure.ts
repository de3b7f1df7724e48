/**
 * Statistical disclosure control for published counts: primary suppression of small cells and
 * complementary suppression, so that no withheld count can be worked out from what is published.
 *
 * The model. The cells of one release that are linked by sums form a *group* over a set of
 * *atoms* (the finest pieces the cells are made of): a one-way table (sex: girl, boy, not known)
 * is a group whose atoms are its own cells; the calendar tables (months, half-years, years) are
 * one group whose atoms are the months; the province and district tables are one group whose
 * atoms are the named districts and, per province, the rest. Every cell is the sum of some atoms,
 * and the group's total (all atoms) is the release's total, published whenever it is at least k.
 *
 * Cells of different groups share no atoms, and the only published relation between two groups
 * is that each adds up to the same total (see docs/ARCHITECTURE.md, "Statistics", for why this
 * reduces the check to one group at a time, with the total known). Within a group, a withheld
 * cell can be recovered by adding and subtracting published numbers exactly when its vector of
 * atoms is a linear combination of the published cells' vectors and the total's. That is what
 * `inSpan` decides, in exact integer arithmetic.
 *
 * Margins. A published count and the cells of another table that lie within it (a table's rows
 * within the total, the months within a half-year or a year, a province's named districts within
 * it) tell the sum of whatever of it is not published: the withheld cells among them, and the
 * atoms no cell of that table covers (the rest of the province). No single cell follows from that
 * sum, but the sum itself is a count of incidents, and a small one says that a place or a kind of
 * incident had fewer than k of them. So every such sum is kept at k or more (zero included: a sum
 * of 0 would tell that each of its withheld cells is 0).
 *
 * Pure: no I/O. Used by domain/statistics.ts.
 */

export interface GroupCell {
  /** Unique within the release, e.g. "sex:girl", "month:2018-03". */
  id: string;
  /** The table the cell is shown in; complements are sought in the same table first. */
  table: string;
  /** Indices of the atoms the cell adds up. */
  atoms: readonly number[];
  value: number;
}

/**
 * Cells over atoms `0 … atomCount − 1`. Each table's cells partition the atoms (a table adds up
 * to the total).
 */
export interface Group {
  atomCount: number;
  cells: readonly GroupCell[];
  /** The count of all the atoms (the release's total); by default the sum of the first cell's table. */
  total?: number;
}

/**
 * A published count and the cells of one other table that lie within it: `value` minus the
 * published parts is the sum of the withheld parts and of the `remainder` (atoms of it in no part).
 */
export interface Margin {
  /** The id of the cell whose count it is, or null for the group's total. */
  of: string | null;
  value: number;
  parts: readonly GroupCell[];
  /** Whether some of its atoms are in none of the parts (an unpublished remainder, like the rest of a province). */
  remainder: boolean;
}

/** A row-echelon basis of integer vectors, kept exact: fraction-free elimination, rows divided by their gcd. */
class Basis {
  readonly #rows: { pivot: number; v: number[] }[] = [];

  constructor(readonly width: number) {}

  /** `v` with every basis pivot eliminated (a new array); all zero when v is in the span. */
  reduce(vector: readonly number[]): number[] {
    let v = vector.slice();
    for (const row of this.#rows) {
      const a = v[row.pivot]!;
      if (a === 0) continue;
      const b = row.v[row.pivot]!;
      for (let i = 0; i < this.width; i++) v[i] = v[i]! * b - row.v[i]! * a;
      v = normalise(v);
    }
    return v;
  }

  /** Adds `v` when it is independent of the rows so far; returns whether it was. */
  add(vector: readonly number[]): boolean {
    const v = this.reduce(vector);
    const pivot = v.findIndex((x) => x !== 0);
    if (pivot === -1) return false;
    this.#rows.push({ pivot, v });
    return true;
  }

  contains(vector: readonly number[]): boolean {
    return this.reduce(vector).every((x) => x === 0);
  }
}

function gcd(a: number, b: number): number {
  a = Math.abs(a);
  b = Math.abs(b);
  while (b) [a, b] = [b, a % b];
  return a;
}

function normalise(v: number[]): number[] {
  let g = 0;
  for (const x of v) {
    if (!Number.isSafeInteger(x)) throw new Error('disclosure check: integer overflow (release too large to verify)');
    if (x !== 0) g = gcd(g, x);
  }
  if (g > 1) for (let i = 0; i < v.length; i++) v[i] = v[i]! / g;
  return v;
}

export function atomVector(atomCount: number, atoms: readonly number[]): number[] {
  const v = new Array<number>(atomCount).fill(0);
  for (const a of atoms) v[a] = 1;
  return v;
}

/**
 * Whether `target` is a linear combination of `published` (exactly: over the rationals). With
 * the all-ones vector among `published`, this is "can be derived by subtraction from the
 * published cells and the total".
 */
export function inSpan(published: readonly (readonly number[])[], target: readonly number[]): boolean {
  const basis = new Basis(target.length);
  for (const v of published) basis.add(v);
  return basis.contains(target);
}

/**
 * Every margin of a group: for the total and each cell, and each other table, the cells of that
 * table whose atoms all lie within it (when there are any).
 */
export function groupMargins(group: Group): Margin[] {
  const { cells } = group;
  const tables = [...new Set(cells.map((c) => c.table))];
  const total = group.total ?? cells.filter((c) => c.table === tables[0]).reduce((s, c) => s + c.value, 0);
  const all = Array.from({ length: group.atomCount }, (_, i) => i);
  const margins: Margin[] = [];
  for (const outer of [{ id: null, table: null, atoms: all, value: total }, ...cells]) {
    const inside = new Set(outer.atoms);
    for (const table of tables) {
      if (table === outer.table) continue;
      const parts = cells.filter((c) => c.table === table && c.atoms.every((a) => inside.has(a)));
      if (parts.length === 0) continue;
      const covered = new Set(parts.flatMap((p) => p.atoms));
      margins.push({ of: outer.id, value: outer.value, parts, remainder: covered.size < inside.size });
    }
  }
  return margins;
}

/**
 * What a margin tells of the unpublished part of its count: the sum of its withheld parts and its
 * remainder, or null when it tells nothing (its count is withheld, or all of it is published).
 */
function hiddenSum(margin: Margin, withheld: ReadonlySet<string>): number | null {
  if (margin.of !== null && withheld.has(margin.of)) return null;
  if (!margin.remainder && !margin.parts.some((p) => withheld.has(p.id))) return null;
  return margin.parts.reduce((sum, p) => (withheld.has(p.id) ? sum : sum - p.value), margin.value);
}

const marginName = (m: Margin) => `${m.of ?? 'total'} ⊇ ${m.parts[0]!.table}`;

/**
 * The cells of a group to withhold: every cell below k (primary suppression), then, while any
 * withheld cell can be derived from the published ones and the total, or any margin's unpublished
 * part adds up to fewer than k, one more published cell (complementary suppression).
 *
 * For a derivable cell, the complement is sought in its own table first (so a one-way table
 * always ends with at least two withheld cells), smallest first (the least information lost),
 * and must make that cell underivable; when no single cell does, the first candidate is withheld
 * and the search goes on. For a margin, the complement is its smallest published part, which is
 * at least k (every published cell is) and so brings the margin's unpublished part to k or more.
 * Cells equal to the total are never withheld (the total is published). Returns the ids withheld.
 *
 * Zero counts are withheld like any count below k: publishing zeros would tell a reader that a
 * withheld cell is at least 1, and two withheld cells adding up to 2 would then both be 1.
 */
export function suppressGroup(group: Group, k: number): Set<string> {
  const { atomCount, cells } = group;
  const vectors = new Map(cells.map((c) => [c.id, atomVector(atomCount, c.atoms)]));
  const total = new Array<number>(atomCount).fill(1);
  const wholeCell = (c: GroupCell) => new Set(c.atoms).size === atomCount;
  const withheld = new Set(cells.filter((c) => c.value < k && !wholeCell(c)).map((c) => c.id));
  const order = new Map(cells.map((c, i) => [c.id, i]));
  const margins = groupMargins(group);
  const smallestFirst = (a: GroupCell, b: GroupCell) => a.value - b.value || order.get(a.id)! - order.get(b.id)!;

  const basisWithout = (excluded: ReadonlySet<string>, extra?: string) => {
    const basis = new Basis(atomCount);
    basis.add(total);
    for (const c of cells) if (!excluded.has(c.id) && c.id !== extra) basis.add(vectors.get(c.id)!);
    return basis;
  };

  for (;;) {
    const basis = basisWithout(withheld);
    const exposed = cells.find((c) => withheld.has(c.id) && basis.contains(vectors.get(c.id)!));
    if (exposed) {
      const candidates = cells
        .filter((c) => !withheld.has(c.id) && !wholeCell(c))
        .sort((a, b) => Number(b.table === exposed.table) - Number(a.table === exposed.table) || smallestFirst(a, b));
      if (candidates.length === 0) {
        // Only reachable when a withheld cell equals a sum of whole-group cells, which a partition cannot produce.
        throw new Error(`disclosure check: cannot protect ${exposed.id}`);
      }
      const target = vectors.get(exposed.id)!;
      const sufficient = candidates.find((q) => !basisWithout(withheld, q.id).contains(target));
      withheld.add((sufficient ?? candidates[0]!).id);
      continue;
    }
    const thin = margins.find((m) => {
      const hidden = hiddenSum(m, withheld);
      return hidden !== null && hidden < k;
    });
    if (!thin) return withheld;
    // Its published parts add up to more than 0 (its count is at least k, its unpublished part less).
    const part = thin.parts.filter((p) => !withheld.has(p.id) && !wholeCell(p)).sort(smallestFirst)[0];
    if (!part) throw new Error(`disclosure check: cannot protect the margin ${marginName(thin)}`);
    withheld.add(part.id);
  }
}

/**
 * Margins whose unpublished part (withheld parts and remainder) adds up to fewer than k, named
 * "cell ⊇ table" (none, after suppressGroup).
 */
export function thinMargins(group: Group, withheld: ReadonlySet<string>, k: number): string[] {
  return groupMargins(group)
    .filter((m) => {
      const hidden = hiddenSum(m, withheld);
      return hidden !== null && hidden < k;
    })
    .map(marginName);
}

/** Ids of withheld cells that can still be derived from the published ones and the total (none, after suppressGroup). */
export function exposedCells(group: Group, withheld: ReadonlySet<string>): string[] {
  const total = new Array<number>(group.atomCount).fill(1);
  const published = [total, ...group.cells.filter((c) => !withheld.has(c.id)).map((c) => atomVector(group.atomCount, c.atoms))];
  const basis = new Basis(group.atomCount);
  for (const v of published) basis.add(v);
  return group.cells.filter((c) => withheld.has(c.id) && basis.contains(atomVector(group.atomCount, c.atoms))).map((c) => c.id);
}
