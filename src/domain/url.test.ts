import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defangUrl, normaliseUrl } from './url.ts';

const ok = (input: string) => {
  const result = normaliseUrl(input);
  assert.ok('url' in result, `${input} → ${JSON.stringify(result)}`);
  return result.url;
};

test('URLs are normalised to one form', () => {
  assert.equal(ok('HTTPS://Example.COM:443/a/b?x=1'), 'https://example.com/a/b?x=1');
  assert.equal(ok('example.com/photo'), 'http://example.com/photo');
  assert.equal(ok('  https://example.com.  '), 'https://example.com/');
  assert.equal(ok('https://user:pw@example.com/x'), 'https://example.com/x');
  assert.equal(ok('https://example.com/x?#'), 'https://example.com/x');
  assert.equal(ok('https://bücher.example/'), 'https://xn--bcher-kva.example/');
  assert.equal(ok('https://example.com/#/photo/1'), 'https://example.com/#/photo/1');
});

test('defanged URLs pasted by reporters are read back', () => {
  assert.equal(ok('hxxps://example[.]com/a'), 'https://example.com/a');
});

test('what is not a web address is refused with a reason', () => {
  assert.deepEqual(normaliseUrl('not a url'), { problem: 'invalid_url' });
  assert.deepEqual(normaliseUrl('localhost/x'), { problem: 'invalid_url' });
  assert.deepEqual(normaliseUrl('ftp://example.com/x'), { problem: 'unsupported_scheme' });
  assert.deepEqual(normaliseUrl('javascript:alert(1)'), { problem: 'invalid_url' });
  assert.deepEqual(normaliseUrl(`https://example.com/${'a'.repeat(2100)}`), { problem: 'too_long' });
});

test('defanged URLs are readable and not clickable', () => {
  assert.equal(defangUrl('https://a.example.com/x.y?z=1.2'), 'hxxps://a[.]example[.]com/x.y?z=1.2');
  assert.equal(defangUrl('http://example.com'), 'hxxp://example[.]com');
});
