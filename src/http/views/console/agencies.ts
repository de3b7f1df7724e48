import { followUpDays } from '../../../domain/referral-follow-up.ts';
import type { ConsoleContext } from './layout.ts';

/**
 * An agency's name in the page's language: its Urdu name on an Urdu page (agencies.name_ur,
 * migration 0018), its English one otherwise or where it has no Urdu name yet.
 */
export function agencyName(ctx: Pick<ConsoleContext, 'lang'>, agency: { name: string; nameUr: string | null | undefined }): string {
  return ctx.lang === 'ur' && agency.nameUr ? agency.nameUr : agency.name;
}

/** The referral form's hint: what follow-up each agency gets when the date is left empty (domain/referral-follow-up.ts). */
export function followUpDefaultHint(
  ctx: Pick<ConsoleContext, 'lang' | 'c'>,
  agencies: readonly { name: string; nameUr: string | null; kind: string; followUpDays: number | null }[],
): string {
  const k = ctx.c.case;
  const list = agencies.map((a) => k.followUpDays(agencyName(ctx, a), followUpDays(a)));
  return k.followUpDefaultHint(list.join(ctx.lang === 'ur' ? '، ' : '; '));
}
