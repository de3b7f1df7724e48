import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HifazatError } from '../domain/errors.ts';
import { formLimits, list, parseFormBody, single, yesOrNo } from './form-input.ts';

test('a repeated name becomes a list, in the order sent', () => {
  const body = parseFormBody('urls=a&kind=abuse&urls=b&urls=c');
  assert.deepEqual(body.urls, ['a', 'b', 'c']);
  assert.equal(body.kind, 'abuse');
});

test('names such as __proto__ stay plain fields', () => {
  const body = parseFormBody('__proto__=x&constructor=y');
  assert.equal(Object.getPrototypeOf(body), null);
  assert.equal(body['__proto__'], 'x');
  assert.equal(body.constructor, 'y');
});

test('a broken escape or a replacement character is refused', () => {
  assert.throws(
    () => parseFormBody('a=%E0%A4'),
    (e) => e instanceof HifazatError && e.code === 'malformed_body',
  );
  assert.throws(
    () => parseFormBody('a=\uFFFD'),
    (e) => e instanceof HifazatError && e.code === 'malformed_body',
  );
});

test('the limits: as many fields and repeats as a real form has, no more', () => {
  const manyUrls = Array.from({ length: formLimits.maxValuesPerName }, (_, i) => `urls=${i}`).join('&');
  assert.equal((parseFormBody(manyUrls).urls as string[]).length, formLimits.maxValuesPerName);
  assert.throws(
    () => parseFormBody(`${manyUrls}&urls=x`),
    (e) => e instanceof HifazatError && e.code === 'malformed_body',
  );
  const manyNames = Array.from({ length: formLimits.maxFields + 1 }, (_, i) => `f${i}=1`).join('&');
  assert.throws(
    () => parseFormBody(manyNames),
    (e) => e instanceof HifazatError && e.code === 'malformed_body',
  );
});

test('131,000 repeats of one name are refused (test/integration/hardening.test.ts times it over HTTP)', () => {
  assert.throws(
    () => parseFormBody('a&'.repeat(131_000)),
    (e) => e instanceof HifazatError && e.code === 'malformed_body',
  );
});

test('a field read as one value: a repeated name or an absent field has none', () => {
  const body = parseFormBody('kind=abuse&urls=a&urls=b&empty=');
  assert.equal(single(body.kind), 'abuse');
  assert.equal(single(body.empty), '');
  assert.equal(single(body.urls), undefined);
  assert.equal(single(body.missing), undefined);
});

test('a field read as a list: none, one or each value, in the order sent', () => {
  const body = parseFormBody('kind=abuse&urls=a&urls=b');
  assert.deepEqual(list(body.urls), ['a', 'b']);
  assert.deepEqual(list(body.kind), ['abuse']);
  assert.deepEqual(list(body.missing), []);
});

test('a yes/no answer: "true", "false", anything else not known', () => {
  assert.equal(yesOrNo('true'), true);
  assert.equal(yesOrNo('false'), false);
  assert.equal(yesOrNo('unknown'), null);
  assert.equal(yesOrNo(undefined), null);
  assert.equal(yesOrNo(['true', 'false']), null);
});
