import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
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

// Odd strings a scanner typed into the link field, and links as people paste them.
const table: [input: string, expected: string | 'invalid_url' | 'unsupported_scheme'][] = [
  // Numbers are not links, though WHATWG URL reads them as IPv4 addresses.
  ['0', 'invalid_url'],
  ['0xffffffff', 'invalid_url'],
  ['１２３', 'invalid_url'],
  ['۱۲۳', 'invalid_url'],
  ['42', 'invalid_url'],
  ['1e3', 'invalid_url'],
  ['127.1', 'invalid_url'],
  ['1.2.3', 'invalid_url'],
  ['0177.0.0.1', 'invalid_url'],
  ['0x7f.0.0.1', 'invalid_url'],
  ['http://0x7f000001/', 'invalid_url'],
  ['https://%30/', 'invalid_url'],
  ['http://256.1.1.1', 'invalid_url'],
  ['https://example.123', 'invalid_url'],
  // Not a host at all, or not a web scheme.
  ['https://', 'invalid_url'],
  ['https://user@/', 'invalid_url'],
  ['https://.com', 'invalid_url'],
  ['https://example..com', 'invalid_url'],
  ['https://example.c0m', 'invalid_url'],
  ['localhost:3000', 'invalid_url'],
  ['https://exa mple.com/x', 'invalid_url'],
  ['https:// example.com', 'invalid_url'],
  ['someone@example.com', 'invalid_url'],
  ['mailto:someone@example.com', 'invalid_url'],
  ['data:text/html,<b>x</b>', 'invalid_url'],
  ['javascript:alert(1)', 'invalid_url'],
  ['file:///etc/passwd', 'unsupported_scheme'],
  ['ftp://example.com/x', 'unsupported_scheme'],
  ['۔', 'invalid_url'],
  ['«»', 'invalid_url'],
  // Links as pasted: wrapped in Urdu punctuation, quotes, brackets, invisible direction marks.
  ['«https://example.com/a»۔', 'https://example.com/a'],
  ['www.example.com/v?id=7؟', 'http://www.example.com/v?id=7'],
  ['،example.com/a،', 'http://example.com/a'],
  ['"https://example.com/a",', 'https://example.com/a'],
  ['(https://example.com/a).', 'https://example.com/a'],
  ['(https://en.wikipedia.org/wiki/Foo_(bar))', 'https://en.wikipedia.org/wiki/Foo_(bar)'],
  ['<https://example.com/>', 'https://example.com/'],
  ['\u200fhttps://example.com/x\u200f ۔', 'https://example.com/x'],
  ['“https://t.co/abc”؛', 'https://t.co/abc'],
  ['//example.com/x', 'http://example.com/x'],
  ['example.com:8080/x', 'http://example.com:8080/x'],
  ['https://example.com/a b', 'https://example.com/a%20b'],
  ['1.2.3.4', 'http://1.2.3.4/'],
  ['http://10.0.0.1:8443/a', 'http://10.0.0.1:8443/a'],
  ['http://[::1]:8080/x', 'http://[::1]:8080/x'],
  ['https://پاکستان.پاکستان/خبر', 'https://xn--mgbai9azgqp6j.xn--mgbai9azgqp6j/%D8%AE%D8%A8%D8%B1'],
  ['https://xn--bcher-kva.example', 'https://xn--bcher-kva.example/'],
];

test('the link field takes links, however pasted, and nothing else', () => {
  for (const [input, expected] of table) {
    const result = normaliseUrl(input);
    assert.deepEqual(result, expected.includes('/') ? { url: expected } : { problem: expected }, JSON.stringify(input));
  }
});

test('whatever is accepted is an http(s) address whose host is not a number in disguise', () => {
  const ipv4Forms = fc.oneof(fc.ipV4(), fc.ipV4Extended(), fc.integer({ min: 0, max: 2 ** 32 - 1 }).map(String));
  const candidate = fc.oneof(
    fc.string(),
    fc.webUrl({ withQueryParameters: true, withFragments: true }),
    fc.domain(),
    ipv4Forms,
    ipv4Forms.map((ip) => `http://${ip}/x`),
    fc.tuple(fc.constantFrom('', '«', '(', '"', ' '), fc.webUrl(), fc.constantFrom('', '۔', '»', ').', '؟', ' ')).map((p) => p.join('')),
  );
  fc.assert(
    fc.property(candidate, (input) => {
      const result = normaliseUrl(input);
      if (!('url' in result)) return;
      const url = new URL(result.url);
      assert.ok(url.protocol === 'https:' || url.protocol === 'http:', result.url);
      assert.doesNotMatch(url.hostname, /^\d+$/, `${input} → ${result.url}`);
      if (/^[\d.]+$/.test(url.hostname)) assert.ok(input.includes(url.hostname), `IPv4 only as typed: ${input} → ${result.url}`);
      assert.deepEqual(normaliseUrl(result.url), result, 'normal form is stable');
    }),
    { numRuns: 2000 },
  );
});

test('defanged URLs are readable and not clickable', () => {
  assert.equal(defangUrl('https://a.example.com/x.y?z=1.2'), 'hxxps://a[.]example[.]com/x.y?z=1.2');
  assert.equal(defangUrl('http://example.com'), 'hxxp://example[.]com');
});
