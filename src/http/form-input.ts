import { HifazatError } from '../domain/errors.ts';

/**
 * The HTML report form posts the API's field names as strings; this turns them into the
 * API's JSON shape so that one schema validates both. Fields that only the form has
 * (idempotencyKey, altcha, action) are taken out here.
 */
export type FormBody = Record<string, string | string[]>;

export interface ReportFormSubmission {
  input: Record<string, unknown>;
  idempotencyKey: string | undefined;
  proofOfWork: string | undefined;
  action: string | undefined;
}

const formOnly = new Set(['idempotencyKey', 'altcha', 'action']);

function tristate(value: unknown): unknown {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (value === 'unknown' || value === '') return null;
  return value;
}

export function readReportForm(body: FormBody): ReportFormSubmission {
  // Null prototypes: a posted name such as "__proto__" must stay a plain (unknown) field.
  const input: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  const contact: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [name, value] of Object.entries(body)) {
    if (formOnly.has(name)) continue;
    if (name === 'urls') {
      input.urls = Array.isArray(value) ? value : [value];
    } else if (name.startsWith('contact.')) {
      const key = name.slice('contact.'.length);
      if (key === 'consent') contact.consent = value === 'true' ? true : value;
      else if (value !== '') contact[key] = value;
    } else if (name === 'inDangerNow') {
      input.inDangerNow = tristate(value);
    } else if (value !== '') {
      input[name] = value;
    }
  }
  if (Object.keys(contact).length > 0) input.contact = contact;
  const single = (name: string) => (typeof body[name] === 'string' ? (body[name] as string) : undefined);
  return {
    input,
    idempotencyKey: single('idempotencyKey'),
    proofOfWork: single('altcha'),
    action: single('action'),
  };
}

const malformed = () => new HifazatError('malformed_body', 'The form is not valid UTF-8 or has a broken escape.');

/**
 * Strict application/x-www-form-urlencoded parsing: a malformed percent-escape or bytes that are
 * not UTF-8 are refused (the caller turns the throw into a 400) instead of being silently
 * replaced, and a repeated name becomes a list.
 */
export function parseFormBody(raw: string): FormBody {
  if (raw.includes('\uFFFD')) throw malformed();
  const out: FormBody = Object.create(null) as FormBody;
  for (const pair of raw.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const decode = (s: string) => {
      try {
        return decodeURIComponent(s.replace(/\+/g, ' '));
      } catch {
        throw malformed();
      }
    };
    const name = decode(eq === -1 ? pair : pair.slice(0, eq));
    const value = decode(eq === -1 ? '' : pair.slice(eq + 1));
    const previous = out[name];
    out[name] = previous === undefined ? value : Array.isArray(previous) ? [...previous, value] : [previous, value];
  }
  return out;
}
