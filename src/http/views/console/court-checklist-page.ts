import { may } from '../../../domain/actor.ts';
import { checklistNoteMaxLength } from '../../../domain/case-handover.ts';
import type { FieldIssue } from '../../../domain/errors.ts';
import type { ChecklistItemView } from '../../../services/cases/index.ts';
import type { StaffMember } from '../../../services/staff.ts';
import { attrs, html, type Html } from '../html.ts';
import { errorSummary, textArea } from '../fields.ts';
import { handoverProblems } from './case-record-page.ts';
import { consoleLayout, consolePath, consoleTime, csrfField, type ConsoleContext } from './layout.ts';

export interface CourtChecklistPageState {
  caseId: string;
  reference: string;
  items: readonly ChecklistItemView[];
  /** Every account, to name who recorded each item. */
  staff: readonly StaffMember[];
  /** Whether this person may record items (works on cases, and the case is open). */
  canWork: boolean;
  /** A refused form: its item, problems and what was typed. */
  refused?: { item: string; issues: readonly FieldIssue[]; done: boolean; note: string | undefined } | undefined;
}

/**
 * Court preparation for a child's case (domain/case-handover.ts, courtChecklistItems): each step
 * arranged or not, with a short encrypted note and who recorded it when; a form per step for those
 * who work on the case. The case file shows the same list.
 */
export function courtChecklistPage(ctx: ConsoleContext, state: CourtChecklistPageState): Html {
  const h = ctx.c.handover;
  const p = handoverProblems(ctx);
  const base = `/cases/${state.caseId}`;
  const nameOf = (id: string | null) => state.staff.find((s) => s.id === id)?.displayName ?? h.unknownPerson;
  const canWork = state.canWork && !!ctx.staff && may(ctx.staff, 'workCases');
  return consoleLayout(
    ctx,
    h.checklistTitle(state.reference),
    html`<h1>${h.checklistTitle(state.reference)}</h1>
<p><a href="${consolePath(ctx.lang, base)}">${h.backToCase}</a> · <a href="${consolePath(ctx.lang, `${base}/record`)}">${h.backToRecord}</a></p>
<p>${h.checklistIntro}</p>
${state.refused ? errorSummary(ctx, state.refused.issues, (f) => `cl-${state.refused!.item}-${f}`, p) : ''}
<ul class="checklist">${state.items.map((item) => {
      const id = `cl-${item.item}`;
      const refused = state.refused?.item === item.item ? state.refused : undefined;
      const label = h.items[item.item];
      const recorded = item.updatedAt
        ? html`<p class="hint">${h.updated('\u2068' + nameOf(item.updatedBy) + '\u2069', consoleTime(ctx.lang, item.updatedAt))}</p>`
        : html`<p class="hint">${h.notRecorded}</p>`;
      if (!canWork) {
        return html`<li><h2 class="checklist-item">${label}</h2><p><strong>${item.done ? h.arranged : h.notArranged}</strong></p>
${item.note ? html`<p class="user-text" dir="auto">${item.note}</p>` : ''}${recorded}</li>`;
      }
      const done = refused ? refused.done : item.done;
      return html`<li><form method="post" action="${consolePath(ctx.lang, `${base}/court-checklist`)}" class="stack">${csrfField(ctx)}
<input type="hidden" name="item" value="${item.item}">
<fieldset><legend><span class="checklist-item">${label}</span> · ${item.done ? h.arranged : h.notArranged}</legend>
<div class="field choice"><input type="checkbox" id="${id}-done" name="done" value="yes"${attrs({ checked: done })}><label for="${id}-done">${h.doneLabel(label)}</label></div>
${textArea({ id: `${id}-note`, name: 'note', label: h.noteLabel(label), value: refused ? refused.note : (item.note ?? undefined), rows: 2, maxlength: checklistNoteMaxLength, problems: p, issue: refused?.issues.find((i) => i.field === 'note') })}
${recorded}
<button type="submit" class="secondary">${h.save}</button></fieldset></form></li>`;
    })}</ul>`,
  );
}
