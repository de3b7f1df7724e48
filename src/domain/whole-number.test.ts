import assert from 'node:assert/strict';
import { test } from 'node:test';
import { columnMax, wholeNumber } from './whole-number.ts';

test('whole numbers are digits within the column type, nothing parseInt would guess at', () => {
  assert.equal(wholeNumber('0', 'smallint'), 0);
  assert.equal(wholeNumber('007', 'smallint'), 7);
  assert.equal(wholeNumber('32767', 'smallint'), 32_767);
  assert.equal(wholeNumber('32768', 'smallint'), undefined);
  assert.equal(wholeNumber('2147483647', 'integer'), 2_147_483_647);
  assert.equal(wholeNumber('2147483648', 'integer'), undefined);
  assert.equal(wholeNumber('9007199254740991', 'bigint'), columnMax.bigint);
  assert.equal(wholeNumber('9007199254740992', 'bigint'), undefined);
  for (const text of ['99999999999999999999', '', ' 1', '1 ', '-1', '+1', '1.5', '1e3', '0x10', '12abc', 'NaN', 'Infinity', '١٢']) {
    assert.equal(wholeNumber(text, 'bigint'), undefined, JSON.stringify(text));
  }
  for (const value of [undefined, null, 12, ['1'], { 0: '1' }]) assert.equal(wholeNumber(value, 'bigint'), undefined);
});
