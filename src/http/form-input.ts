import { HifazatError } from '../domain/errors.ts';

/**
 * The HTML report form posts the API's field names as strings; this turns them into the
 * API's JSON shape so that one schema validates both. Fields that only the form has
 * (idempotencyKey, altcha, action) are taken out here.
 */
export type FormBody = Record<string, string | string[]>;

/** One field of a parsed form: a string, a list when its name was repeated, or absent. */
export type FormValue = string | readonly string[] | undefined;

/** A field's one value; a repeated name (a list) or an absent field has none. */
export function single(value: FormValue): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A field's values, for a name that may be repeated (checkboxes, links): none, one or each. */
export function list(value: FormValue): string[] {
  return typeof value === 'string' ? [value] : [...(value ?? [])];
}

/** A yes/no question's answer: "true" or "false", anything else not known. */
export function yesOrNo(value: FormValue): boolean | null {
  const answer = single(value);
  return answer === 'true' ? true : answer === 'false' ? false : null;
}

export interface ReportFormSubmission {
  input: Record<string, unknown>;
  idempotencyKey: string | undefined;
  proofOfWork: string | undefined;
  action: string | undefined;
  /** What attaches details to a report after its receipt (the details form only). */
  continuation: string | undefined;
}

const formOnly = new Set(['idempotencyKey', 'altcha', 'action', 'continuation']);

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
      input.urls = list(value);
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
  return {
    input,
    idempotencyKey: single(body.idempotencyKey),
    proofOfWork: single(body.altcha),
    action: single(body.action),
    continuation: single(body.continuation),
  };
}

const malformed = () => new HifazatError('malformed_body', 'The form is not valid UTF-8 or has a broken escape.');
const tooManyFields = () => new HifazatError('malformed_body', 'The form has too many fields.');

/**
 * Caps on one urlencoded body. The largest form Hifazat serves has under 40 fields and at most
 * 20 values of one name (the report's links); the caps leave room for that and refuse, before
 * any work is done on them, bodies made of thousands of repeated names.
 */
export const formLimits = { maxFields: 200, maxValuesPerName: 50 } as const;

/**
 * Strict application/x-www-form-urlencoded parsing: a malformed percent-escape or bytes that are
 * not UTF-8 are refused (the caller turns the throw into a 400) instead of being silently
 * replaced, and a repeated name becomes a list. Linear in the body: values are collected per name
 * and turned into lists once at the end (copying a list at each repeat made 131,000 repeats of
 * "a&" cost minutes of the event loop).
 */
export function parseFormBody(raw: string): FormBody {
  if (raw.includes('\uFFFD')) throw malformed();
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s.replace(/\+/g, ' '));
    } catch {
      throw malformed();
    }
  };
  const values = new Map<string, string[]>();
  let fields = 0;
  let from = 0;
  while (from <= raw.length) {
    let to = raw.indexOf('&', from);
    if (to === -1) to = raw.length;
    const pair = raw.slice(from, to);
    from = to + 1;
    if (pair === '') continue;
    if (++fields > formLimits.maxFields) throw tooManyFields();
    const eq = pair.indexOf('=');
    const name = decode(eq === -1 ? pair : pair.slice(0, eq));
    const value = decode(eq === -1 ? '' : pair.slice(eq + 1));
    const list = values.get(name);
    if (list === undefined) values.set(name, [value]);
    else if (list.push(value) > formLimits.maxValuesPerName) throw tooManyFields();
  }
  const out: FormBody = Object.create(null) as FormBody;
  for (const [name, list] of values) out[name] = list.length === 1 ? list[0]! : list;
  return out;
}
