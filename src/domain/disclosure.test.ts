import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exposedCells, inSpan, suppressGroup, type Group } from './disclosure.ts';

const oneWay = (values: Record<string, number>): Group => ({
  atomCount: Object.keys(values).length,
  cells: Object.entries(values).map(([id, value], i) => ({ id, table: 't', atoms: [i], value })),
});

test('inSpan is exact linear dependence', () => {
  assert.equal(inSpan([[1, 1, 1], [1, 0, 0]], [0, 1, 1]), true);
  assert.equal(inSpan([[1, 1, 1], [1, 0, 0]], [0, 1, 0]), false);
  assert.equal(inSpan([[1, 1, 0], [0, 1, 1]], [1, 0, -1]), true);
});

test('a one-way table with one small cell withholds a second one: the smallest other', () => {
  const group = oneWay({ a: 40, b: 3, c: 12, d: 25 });
  assert.deepEqual([...suppressGroup(group, 5)].sort(), ['b', 'c']);
  assert.deepEqual(exposedCells(group, new Set(['b'])), ['b']);
  assert.deepEqual(exposedCells(group, new Set(['b', 'c'])), []);
});

test('two small cells protect each other; no complement is needed', () => {
  assert.deepEqual([...suppressGroup(oneWay({ a: 40, b: 3, c: 1, d: 25 }), 5)].sort(), ['b', 'c']);
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
