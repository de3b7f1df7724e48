import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { consoleTime } from './layout.ts';

describe('consoleTime', () => {
  // 7 December 2026 in Pakistan (UTC+5) at 08:05, 13:05, 18:05 and 23:05.
  const at = (hourInPakistan: number) => new Date(Date.UTC(2026, 11, 7, hourInPakistan - 5, 5, 9));

  it('gives Urdu pages Urdu times of day with Western digits, never AM or PM', () => {
    assert.equal(consoleTime('ur', at(8)), '7 دسمبر، 2026، 8:05 صبح');
    assert.equal(consoleTime('ur', at(18)), '7 دسمبر، 2026، 6:05 شام');
    assert.equal(consoleTime('ur', at(23), 'second'), '7 دسمبر، 2026، 11:05:09 رات');
    for (const hour of [0, 6, 12, 13, 17, 20]) assert.doesNotMatch(consoleTime('ur', at(hour)), /[A-Za-z]|[۰-۹]/);
  });

  it('gives English pages a 24-hour clock in Pakistan time', () => {
    assert.equal(consoleTime('en', at(13)), '7 Dec 2026, 13:05');
    assert.equal(consoleTime('en', at(23), 'second'), '7 Dec 2026, 23:05:09');
  });
});
