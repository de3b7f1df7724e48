import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isUuid } from './uuid.ts';

test('isUuid takes hyphenated UUIDs in either case and nothing else', () => {
  assert.equal(isUuid('0b6f3c1e-8d2a-4e5f-9a7b-1c2d3e4f5a6b'), true);
  assert.equal(isUuid('0B6F3C1E-8D2A-4E5F-9A7B-1C2D3E4F5A6B'), true);
  for (const bad of [
    '',
    'x',
    '0b6f3c1e8d2a4e5f9a7b1c2d3e4f5a6b',
    ' 0b6f3c1e-8d2a-4e5f-9a7b-1c2d3e4f5a6b',
    '0b6f3c1e-8d2a-4e5f-9a7b-1c2d3e4f5a6b\n',
    '0b6f3c1e-8d2a-4e5f-9a7b-1c2d3e4f5a6g',
  ]) {
    assert.equal(isUuid(bad), false, JSON.stringify(bad));
  }
});
