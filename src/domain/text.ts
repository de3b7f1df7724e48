import { z } from 'zod';

/**
 * Free text as people type it: Urdu script, Roman Urdu, English, often mixed. Never rejected
 * for its script; rejected only for control characters other than newline and tab, which no
 * keyboard produces and which can hide content from the analyst reading it.
 */
// eslint-disable-next-line no-control-regex -- control characters are what this rule finds
const forbiddenControl = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;

/** Browsers submit textarea newlines as CRLF; store one form. */
export function normaliseText(value: string): string {
  return value.replace(/\r\n?/g, '\n').normalize('NFC').trim();
}

export function hasForbiddenControl(value: string): boolean {
  return forbiddenControl.test(value.replace(/\r\n?/g, '\n'));
}

/**
 * An optional text field of at most `max` characters. An empty answer means "not given",
 * so it becomes undefined rather than an empty string.
 */
export function optionalText(max: number) {
  return z
    .string('invalid')
    .refine((v) => !hasForbiddenControl(v), 'control_characters')
    .transform(normaliseText)
    .pipe(z.string().max(max, 'too_long'))
    .transform((v) => (v === '' ? undefined : v))
    .optional();
}

/** Latin, Urdu (Extended Arabic-Indic) and Arabic-Indic digits all mean the same number. */
export function westernDigits(value: string): string {
  return value.replace(/[\u06F0-\u06F9\u0660-\u0669]/g, (d) => {
    const code = d.charCodeAt(0);
    return String(code >= 0x06f0 ? code - 0x06f0 : code - 0x0660);
  });
}

/** A text field that must be answered: `problem` when empty. */
export function requiredText(max: number, problem: string) {
  return z
    .string(problem)
    .refine((v) => !hasForbiddenControl(v), 'control_characters')
    .transform(normaliseText)
    .pipe(z.string().min(1, problem).max(max, 'too_long'));
}
