import type { Language } from '../../domain/report.ts';
import { en, type Messages } from './en.ts';
import { ur } from './ur.ts';

export type { Messages };
export const messages: Record<Language, Messages> = { en, ur };

/** Picks the first supported language in an Accept-Language header; ties go to the earlier one. */
export function negotiateLanguage(header: string | undefined): Language {
  const ranked = (header ?? '')
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => /^\s*q=([\d.]+)/.exec(p)?.[1]).find(Boolean);
      return { language: tag.split('-')[0], q: q === undefined ? 1 : Number(q), index };
    })
    .filter((entry) => entry.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  const match = ranked.find((entry) => entry.language === 'ur' || entry.language === 'en');
  // Urdu first: most reporters read it first, and a browser that says nothing is no reason for English.
  return (match?.language as Language | undefined) ?? 'ur';
}
