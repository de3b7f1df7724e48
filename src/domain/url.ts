/**
 * URLs of reported material. They are stored and compared in one normal form, and shown to
 * staff only defanged, so that nobody opens them by accident. This is the one rule for what a
 * link field accepts: the report form, the JSON API and the newspaper import all call it.
 */
export const maxUrlLength = 2048;

export type UrlProblem = 'invalid_url' | 'too_long' | 'unsupported_scheme';

/** Reporters sometimes paste links that were defanged elsewhere; read them back. */
function refang(value: string): string {
  return value
    .replace(/^hxxp(s?):\/\//i, 'http$1://')
    .replace(/\[\.\]|\(\.\)|\{\.\}/g, '.')
    .replace(/\[:\]/g, ':');
}

// Invisible marks that come along when a link is copied out of right-to-left text.
const invisible = '\\s\\u200b-\\u200f\\u202a-\\u202e\\u2066-\\u2069\\ufeff';
const quotes = '"\'`«»‹›“”‘’„';
// Urdu/Arabic full stop, comma, semicolon and question mark, and their Latin twins.
const sentencePunctuation = '۔،؛؟.,;?…';
const leadingNoise = new RegExp(`^[${invisible}${quotes}${sentencePunctuation}([{<（【「『:!*•-]+`, 'u');
// A bare `#` too: WHATWG URL keeps an empty fragment, which would hide punctuation before it.
const trailingNoise = new RegExp(`[${invisible}${quotes}${sentencePunctuation}:!#]+$`, 'u');
const brackets: Record<string, string> = { ')': '(', ']': '[', '}': '{', '>': '<', '）': '（', '】': '【', '」': '「', '』': '『' };

/**
 * What people paste around a link: spaces, quotes, brackets, a full stop ending the sentence.
 * A closing bracket is kept when the link itself opened it (Wikipedia's `Foo_(bar)`).
 */
function unwrap(value: string): string {
  let text = value.replace(leadingNoise, '');
  for (;;) {
    const before = text;
    text = text.replace(trailingNoise, '');
    const last = text.at(-1) ?? '';
    const opener = brackets[last];
    if (opener !== undefined && text.split(last).length > text.split(opener).length) text = text.slice(0, -1);
    if (text === before) return text;
  }
}

/** The host as typed, before WHATWG URL rewrites it (`0x7f.1` would become `127.0.0.1`). */
function typedAuthority(withScheme: string): string {
  return withScheme.replace(/^[a-z][a-z0-9+.-]*:[\\/]*/i, '').split(/[/\\?#]/, 1)[0] ?? '';
}

function typedHost(authority: string): string {
  return authority
    .slice(authority.lastIndexOf('@') + 1)
    .replace(/:[^:\]]*$/, '')
    .replace(/\.$/, '');
}

const dottedQuad = /^\d{1,3}(\.\d{1,3}){3}$/;
// At least two labels, the last one letters (a top-level domain) or punycode.
const domainName = /^[a-z0-9-]+(\.[a-z0-9-]+)*\.([a-z]{2,63}|xn--[a-z0-9-]+)$/;

/**
 * Parse and normalise one URL: http assumed when no scheme is given (people paste
 * "site.com/x"; kept as before, so that such a link still matches the same link stored earlier), lower-case host in ASCII (punycode), no default port, no trailing dot, empty
 * fragment and query dropped. The host must be a domain name, four decimal IPv4 parts as typed,
 * or a bracketed IPv6 address: a bare number is not a link, though WHATWG URL reads `0` as
 * `0.0.0.0`. Returns the problem instead when it is not a web address.
 */
export function normaliseUrl(input: string): { url: string } | { problem: UrlProblem } {
  const raw = refang(unwrap(input));
  if (raw.length > maxUrlLength) return { problem: 'too_long' };
  // `mailto:` and `javascript:` name a scheme; `example.com:8080` and `localhost:3000` do not.
  const scheme = /^([a-z][a-z0-9+.-]*):(?!\d)/i.exec(raw);
  const schemeGiven = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) || (scheme !== null && !scheme[1]!.includes('.'));
  const withScheme = schemeGiven ? raw : `http://${raw.replace(/^\/\//, '')}`;
  const authority = typedAuthority(withScheme);
  // Spaces inside the host are a sentence, not a link; an `@` without a scheme is an email.
  if (/\s/u.test(authority) || (!schemeGiven && authority.includes('@'))) return { problem: 'invalid_url' };
  let parsed: URL;
  try {
    parsed = new URL(withScheme);
  } catch {
    return { problem: 'invalid_url' };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return { problem: /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? 'unsupported_scheme' : 'invalid_url' };
  }
  if (parsed.username || parsed.password) {
    parsed.username = '';
    parsed.password = '';
  }
  const host = parsed.hostname.replace(/\.$/, '');
  const ok = host.startsWith('[') || (dottedQuad.test(host) ? typedHost(authority) === host : domainName.test(host));
  if (!ok) return { problem: 'invalid_url' };
  parsed.hostname = host;
  // An empty query or fragment reads back as '' and setting '' drops its `?` or `#`.
  if (parsed.search === '') parsed.search = '';
  if (parsed.hash === '') parsed.hash = '';
  const url = parsed.href;
  if (url.length > maxUrlLength) return { problem: 'too_long' };
  return { url };
}

/** `https://example.com/a` → `hxxps://example[.]com/a`: readable, not clickable. */
export function defangUrl(url: string): string {
  return url.replace(/^http(s?):\/\//i, 'hxxp$1://').replace(/^([^/]*\/\/[^/]*)/, (authority) => authority.replace(/\./g, '[.]'));
}
