/**
 * URLs of reported material. They are stored and compared in one normal form, and shown to
 * staff only defanged, so that nobody opens them by accident.
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

/**
 * Parse and normalise one URL: scheme assumed when missing (people paste "site.com/x"),
 * lower-case host in ASCII (punycode), no default port, no trailing dot, empty fragment and
 * query dropped. Returns the problem instead when it is not a web address.
 */
export function normaliseUrl(input: string): { url: string } | { problem: UrlProblem } {
  const raw = refang(input.trim());
  if (raw.length > maxUrlLength) return { problem: 'too_long' };
  const withScheme = /^[a-z][a-z0-9+.-]*:/i.test(raw) ? raw : `http://${raw}`;
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
  const isIp = /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.startsWith('[');
  if (!isIp && !/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(host)) return { problem: 'invalid_url' };
  parsed.hostname = host;
  const url = parsed.href.replace(/#$/, '').replace(/\?(?=#|$)/, '');
  if (url.length > maxUrlLength) return { problem: 'too_long' };
  return { url };
}

/** `https://example.com/a` → `hxxps://example[.]com/a`: readable, not clickable. */
export function defangUrl(url: string): string {
  return url.replace(/^http(s?):\/\//i, 'hxxp$1://').replace(/^([^/]*\/\/[^/]*)/, (authority) => authority.replace(/\./g, '[.]'));
}
