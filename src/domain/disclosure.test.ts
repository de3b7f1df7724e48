import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exposedCells, inSpan, suppressGroup, thinMargins, type Group } from './disclosure.ts';

const oneWay = (values: Record<string, number>): Group => ({
  atomCount: Object.keys(values).length,
  cells: Object.entries(values).map(([id, value], i) => ({ id, table: 't', atoms: [i], value })),
});

test('inSpan is exact linear dependence', () => {
  assert.equal(
    inSpan(
      [
        [1, 1, 1],
        [1, 0, 0],
      ],
      [0, 1, 1],
    ),
    true,
  );
  assert.equal(
    inSpan(
      [
        [1, 1, 1],
        [1, 0, 0],
      ],
      [0, 1, 0],
    ),
    false,
  );
  assert.equal(
    inSpan(
      [
        [1, 1, 0],
        [0, 1, 1],
      ],
      [1, 0, -1],
    ),
    true,
  );
});

test('a one-way table with one small cell withholds a second one: the smallest other', () => {
  const group = oneWay({ a: 40, b: 3, c: 12, d: 25 });
  assert.deepEqual([...suppressGroup(group, 5)].sort(), ['b', 'c']);
  assert.deepEqual(exposedCells(group, new Set(['b'])), ['b']);
  assert.deepEqual(exposedCells(group, new Set(['b', 'c'])), []);
});

test('two small cells protect each other, but their sum (4) is below k: the smallest other is withheld with them', () => {
  // b and c alone could not be told apart, but 70 − 40 − 25 = 4 would say "4 incidents of b or c".
  const group = oneWay({ a: 40, b: 3, c: 1, d: 25 });
  assert.deepEqual([...suppressGroup(group, 5)].sort(), ['b', 'c', 'd']);
  assert.deepEqual(exposedCells(group, new Set(['b', 'c'])), []);
  assert.deepEqual(thinMargins(group, new Set(['b', 'c']), 5), ['total ⊇ t']);
  assert.deepEqual(thinMargins(group, new Set(['b', 'c', 'd']), 5), []);
});

test('zeros add up to fewer than k too: a table with every incident in one row withholds that row', () => {
  assert.deepEqual([...suppressGroup(oneWay({ a: 0, b: 12, c: 0 }), 5)].sort(), ['a', 'b', 'c']);
});

test('a margin with a remainder: a province, its named districts and the rest of it', () => {
  // Atoms: Lahore, Kasur, the rest of Punjab (2), Sindh. Punjab 32 − Lahore 20 − Kasur 10 = 2.
  const group: Group = {
    atomCount: 4,
    total: 42,
    cells: [
      { id: 'punjab', table: 'province', atoms: [0, 1, 2], value: 32 },
      { id: 'sindh', table: 'province', atoms: [3], value: 10 },
      { id: 'lahore', table: 'district', atoms: [0], value: 20 },
      { id: 'kasur', table: 'district', atoms: [1], value: 10 },
      { id: 'other', table: 'district', atoms: [2, 3], value: 12 },
    ],
  };
  // And "other" (12) less Sindh (10), the one province without a named district, is the same 2.
  assert.deepEqual(thinMargins(group, new Set(), 5), ['punjab ⊇ district', 'other ⊇ province']);
  // Kasur (the smallest part) makes it 12; then Kasur would be 42 − 20 − 12, so "other" goes too.
  const withheld = suppressGroup(group, 5);
  assert.deepEqual([...withheld].sort(), ['kasur', 'other']);
  assert.deepEqual(thinMargins(group, withheld, 5), []);
  assert.deepEqual(exposedCells(group, withheld), []);
});

test('nested tables: a withheld month is not recovered from its half-year', () => {
  // Atoms: six months. Cells: the months and two quarters, whose sums publish the months' sums.
  const values = [10, 2, 10, 10, 10, 10];
  const group: Group = {
    atomCount: 6,
    cells: [
      ...values.map((value, i) => ({ id: `m${i}`, table: 'month', atoms: [i], value })),
      { id: 'q1', table: 'quarter', atoms: [0, 1, 2], value: 22 },
      { id: 'q2', table: 'quarter', atoms: [3, 4, 5], value: 30 },
    ],
  };
  const withheld = suppressGroup(group, 5);
  assert.ok(withheld.has('m1'));
  // The complement must be in the same quarter as m1, else q1 − the others gives m1.
  assert.ok(withheld.has('m0') || withheld.has('m2') || withheld.has('q1'), [...withheld].join());
  assert.deepEqual(exposedCells(group, withheld), []);
});
