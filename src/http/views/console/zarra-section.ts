import type { FieldIssue } from '../../../domain/errors.ts';
import { pakistanUtcOffset } from '../../../domain/pakistan-time.ts';
import type { ZarraStatus } from '../../../services/cases/index.ts';
import { single, type FormValue } from '../../form-input.ts';
import { html, type Html } from '../html.ts';
import { textField, type ProblemText } from '../fields.ts';
import { consolePath, consoleTime, csrfField, type ConsoleContext } from './layout.ts';

/** The form's name on the case page: its problems and typed values come back under it. */
export const zarraForm = 'zarra';

/** A datetime-local field's value for an instant: its wall-clock time in Pakistan (UTC+5). */
function pakistanLocal(date: Date | null): string | undefined {
  if (!date) return undefined;
  const hours = Number(pakistanUtcOffset.slice(0, 3));
  return new Date(date.getTime() + hours * 3_600_000).toISOString().slice(0, 16);
}

/**
 * The case page's ZARRA section (domain/zarra.ts) for a case classified missing, abduction or
 * kidnapping: when 1099 is to be notified (Pakistan time), overdue said in words and marked, what
 * was recorded, and for those who work on the case the form that records 1099's notification and
 * the FIR. Nothing for a case ZARRA does not apply to and nothing was recorded on.
 */
export function zarraSection(
  ctx: ConsoleContext,
  state: {
    zarra: ZarraStatus | null | undefined;
    canWork: boolean;
    issues?: readonly FieldIssue[] | undefined;
    issuesFor?: string | undefined;
    typed?: Readonly<Record<string, FormValue>> | undefined;
  },
): Html | '' {
  const z = state.zarra;
  if (!z) return '';
  const { recorded, clock } = z;
  const anything = Object.values(recorded).some((v) => v !== null);
  if (!clock && !anything) return '';
  const k = ctx.c.zarra;
  const p = { ...ctx.t.problems, ...ctx.c.problems } as ProblemText;
  const refused = state.issuesFor === zarraForm;
  const issue = (field: string) => (refused ? state.issues?.find((i) => i.field === field) : undefined);
  const value = (field: string, stored: string | undefined) => (refused ? single(state.typed?.[field]) : stored);
  const time = (date: Date) => consoleTime(ctx.lang, date);
  const ltr = (text: string | null) => (text ? html` (<bdi dir="ltr">${text}</bdi>)` : '');
  return html`<section aria-labelledby="zarra-heading" class="zarra"><h2 id="zarra-heading">${k.heading}</h2>
<p class="hint">${k.law}</p>
<dl class="facts">
${clock ? html`<dt>${k.notifyBy}</dt><dd>${time(clock.notifyDueAt)}${clock.notifyOverdue ? html` <strong class="danger-flag">${k.overdue}</strong>` : ''}</dd>` : ''}
<dt>${k.notified}</dt><dd>${recorded.notifiedAt ? html`${time(recorded.notifiedAt)}${ltr(recorded.reference)}` : k.notNotified}</dd>
<dt>${k.firRegistered}</dt><dd>${recorded.firRegisteredAt ? html`${time(recorded.firRegisteredAt)}${ltr(recorded.firNumber)}` : k.firNotRegistered}</dd>
</dl>
${
  clock && state.canWork
    ? html`<form method="post" action="${consolePath(ctx.lang, `/cases/${z.caseId}/zarra`)}" class="stack">${csrfField(ctx)}<fieldset><legend>${k.legend}</legend>
${textField({ id: 'zarra-notifiedAt', name: 'notifiedAt', type: 'datetime-local', label: k.notifiedAt, hint: k.timeHint, value: value('notifiedAt', pakistanLocal(recorded.notifiedAt)), dir: 'ltr', problems: p, issue: issue('notifiedAt') })}
${textField({ id: 'zarra-reference', name: 'reference', label: k.reference, value: value('reference', recorded.reference ?? undefined), maxlength: 100, dir: 'ltr', problems: p, issue: issue('reference') })}
${textField({ id: 'zarra-firRegisteredAt', name: 'firRegisteredAt', type: 'datetime-local', label: k.firRegisteredAt, hint: k.timeHint, value: value('firRegisteredAt', pakistanLocal(recorded.firRegisteredAt)), dir: 'ltr', problems: p, issue: issue('firRegisteredAt') })}
${textField({ id: 'zarra-firNumber', name: 'firNumber', label: k.firNumber, value: value('firNumber', recorded.firNumber ?? undefined), maxlength: 100, dir: 'ltr', problems: p, issue: issue('firNumber') })}
<button type="submit" class="secondary">${k.save}</button></fieldset></form>`
    : ''
}
</section>`;
}
