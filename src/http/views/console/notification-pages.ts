import type { FieldIssue } from '../../../domain/errors.ts';
import { isUrgent, mutableNotificationKinds, timeOfMinute, urgentNotificationKinds, weekdays } from '../../../domain/notifications.ts';
import { languages } from '../../../domain/report.ts';
import type { OwnNotifications, RotaView, ShiftRow } from '../../../services/notifications.ts';
import { errorSummary, fieldError, selectField, type ProblemText } from '../fields.ts';
import { attrs, html, type Html } from '../html.ts';
import { consoleLayout, consolePath, consoleTime, csrfField, type ConsoleContext } from './layout.ts';

/** The problems of these pages: the shared ones and the notification pages' own. */
function problemsOf(ctx: ConsoleContext): ProblemText {
  return { ...ctx.t.problems, ...ctx.c.problems, ...ctx.c.notifications.problems } as ProblemText;
}

/** One's own notifications: what was sent and how, and the non-urgent kinds one mutes. */
export function ownNotificationsPage(
  ctx: ConsoleContext,
  state: OwnNotifications & { saved?: boolean; issues?: readonly FieldIssue[] },
): Html {
  const n = ctx.c.notifications;
  const problems = problemsOf(ctx);
  const delivery = (item: OwnNotifications['notifications'][number]): Html => {
    if (item.muted) return html`${n.mutedNotSent}`;
    if (item.deliveries.length === 0) return html`${n.listedOnly}`;
    return html`<ul class="plain">${item.deliveries.map(
      (d) =>
        html`<li>${n.channels[d.channel]}: ${n.statuses[d.status]}${d.attempts > 1 || d.status !== 'sent' ? html` (<bdi>${n.attempts(d.attempts)}</bdi>)` : ''}${
          d.sentAt ? html` · <time datetime="${d.sentAt.toISOString()}">${consoleTime(ctx.lang, d.sentAt)}</time>` : ''
        }</li>`,
    )}</ul>`;
  };
  return consoleLayout(
    ctx,
    n.title,
    html`<h1>${n.title}</h1>
<p>${n.intro}</p>
${state.channels.length === 0 ? html`<p class="notice">${n.noChannels}</p>` : ''}
${state.saved ? html`<p class="notice" role="status">${n.saved}</p>` : ''}
<h2>${n.settings}</h2>
${state.issues?.length ? errorSummary(ctx, state.issues, (field) => (field === 'language' ? 'f-language' : 'f-muted'), problems) : ''}
<p>${n.settingsIntro}</p>
<ul>${urgentNotificationKinds.map((k) => html`<li>${n.kinds[k]}: <strong>${n.alwaysSent}</strong></li>`)}</ul>
<form method="post" action="${consolePath(ctx.lang, '/notifications/mutes')}" class="stack narrow">
${csrfField(ctx)}
<fieldset class="field" id="f-muted">
<legend>${n.muteLegend}</legend>
${fieldError(
  'f-muted',
  state.issues?.find((i) => i.field === 'kind'),
  problems,
)}
${mutableNotificationKinds.map(
  (k) =>
    html`<div class="choice"><input type="checkbox" id="f-muted-${k}" name="muted" value="${k}"${attrs({ checked: state.muted.includes(k) })}><label for="f-muted-${k}">${n.mutable[k]}</label></div>`,
)}
</fieldset>
<button type="submit">${n.save}</button>
</form>
<form method="post" action="${consolePath(ctx.lang, '/notifications/language')}" class="stack narrow">
${csrfField(ctx)}
<fieldset class="field" id="f-language">
<legend>${n.languageLegend}</legend>
${fieldError(
  'f-language',
  state.issues?.find((i) => i.field === 'language'),
  problems,
)}
${languages.map(
  (l) =>
    html`<div class="choice"><input type="radio" id="f-language-${l}" name="language" value="${l}"${attrs({ checked: state.language === l })}><label for="f-language-${l}" lang="${l}">${n.languages[l]}</label></div>`,
)}
</fieldset>
<button type="submit">${n.saveLanguage}</button>
</form>
<h2>${n.latest}</h2>
${
  state.notifications.length === 0
    ? html`<p>${n.none}</p>`
    : html`<div class="table-wrap"><table>
<thead><tr><th scope="col">${n.when}</th><th scope="col">${n.what}</th><th scope="col">${n.delivery}</th></tr></thead>
<tbody>${state.notifications.map(
        (item) => html`<tr>
<td><time datetime="${item.createdAt.toISOString()}">${consoleTime(ctx.lang, item.createdAt)}</time></td>
<td>${isUrgent(item.kind) ? html`<strong>${n.urgent}:</strong> ` : ''}${n.kinds[item.kind]}</td>
<td>${delivery(item)}</td>
</tr>`,
      )}</tbody>
</table></div>`
}`,
  );
}

export interface RotaPageState {
  rota: RotaView;
  done?: 'added' | 'removed' | undefined;
  values?: { staffId?: string | undefined; weekdays?: readonly string[] | undefined; start?: string | undefined; end?: string | undefined };
  issues?: readonly FieldIssue[];
}

/** The on-duty rota supervisors set: who is on duty now, each person's shifts, and a form to add some. */
export function rotaPage(ctx: ConsoleContext, state: RotaPageState): Html {
  const r = ctx.c.notifications.rota;
  const problems = problemsOf(ctx);
  const issue = (field: string) => state.issues?.find((i) => i.field === field);
  const values = state.values ?? {};
  const shiftText = (s: ShiftRow) => `${r.days[s.weekday]} ${timeOfMinute(s.startMinute)}–${timeOfMinute(s.endMinute)}`;
  const timeField = (name: 'start' | 'end', label: string, hint?: string) => {
    const problem = issue(name);
    const described = [hint ? `f-${name}-hint` : '', problem ? `f-${name}-error` : ''].filter(Boolean).join(' ') || undefined;
    return html`<div class="field${problem ? ' has-error' : ''}">
<label for="f-${name}">${label}</label>
${hint ? html`<p class="hint" id="f-${name}-hint">${hint}</p>` : ''}
${fieldError(`f-${name}`, problem, problems)}
<input${attrs({ id: `f-${name}`, name, type: 'time', value: values[name], dir: 'ltr', 'aria-invalid': problem ? 'true' : undefined, 'aria-describedby': described })}>
</div>`;
  };
  const days = issue('weekdays');
  return consoleLayout(
    ctx,
    r.title,
    html`<h1>${r.title}</h1>
<p>${r.intro}</p>
${state.rota.nobodyOnDuty ? html`<p class="notice warning" role="status"><strong>${r.nobodyOnDuty}</strong></p>` : ''}
${state.done ? html`<p class="notice" role="status">${state.done === 'added' ? r.added : r.removed}</p>` : ''}
${
  state.rota.members.length === 0
    ? html`<p>${r.noPeople}</p>`
    : html`<div class="table-wrap"><table>
<thead><tr><th scope="col">${r.person}</th><th scope="col">${r.role}</th><th scope="col">${r.onDutyNow}</th><th scope="col">${r.shifts}</th></tr></thead>
<tbody>${state.rota.members.map(
        (m) => html`<tr>
<th scope="row"><bdi>${m.displayName}</bdi></th>
<td>${ctx.c.roles[m.role]}</td>
<td>${m.onDuty ? html`<strong>${r.yes}</strong>` : r.no}</td>
<td>${
          m.shifts.length === 0
            ? r.noShifts
            : html`<ul class="plain">${m.shifts.map(
                (s) => html`<li><span dir="auto">${shiftText(s)}</span>
<form method="post" action="${consolePath(ctx.lang, '/rota/remove')}" class="inline">${csrfField(ctx)}<input type="hidden" name="shift" value="${String(s.id)}"><button type="submit" class="secondary" aria-label="${r.removeShift(shiftText(s))}">${r.remove}</button></form></li>`,
              )}</ul>`
        }</td>
</tr>`,
      )}</tbody>
</table></div>`
}
<h2>${r.add}</h2>
${state.issues?.length ? errorSummary(ctx, state.issues, (f) => (f === 'weekdays' ? 'f-weekdays' : `f-${f}`), problems) : ''}
<form method="post" action="${consolePath(ctx.lang, '/rota')}" class="stack narrow">
${csrfField(ctx)}
${selectField({
  id: 'f-staffId',
  name: 'staffId',
  label: r.person,
  value: values.staffId,
  placeholder: r.choosePerson,
  choices: state.rota.members.map((m) => [m.id, `${m.displayName} (${ctx.c.roles[m.role]})`] as const),
  problems,
  issue: issue('staffId'),
})}
<fieldset class="field${days ? ' has-error' : ''}" id="f-weekdays"${attrs({ 'aria-describedby': days ? 'f-weekdays-error' : undefined })}>
<legend>${r.weekdays}</legend>
${fieldError('f-weekdays', days, problems)}
${weekdays.map(
  (d) =>
    html`<div class="choice"><input type="checkbox" id="f-weekdays-${String(d)}" name="weekdays" value="${String(d)}"${attrs({ checked: values.weekdays?.includes(String(d)) })}><label for="f-weekdays-${String(d)}">${r.days[d]}</label></div>`,
)}
</fieldset>
${timeField('start', r.start)}
${timeField('end', r.end, r.endHint)}
<button type="submit">${r.submit}</button>
</form>`,
  );
}
