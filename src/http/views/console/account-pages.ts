import type { FieldIssue } from '../../../domain/errors.ts';
import { staffRoles } from '../../../domain/staff.ts';
import type { StaffAccount } from '../../../services/staff.ts';
import { html, Html } from '../html.ts';
import { errorSummary, selectField, textField, type ProblemText } from '../fields.ts';
import { consoleLayout, consolePath, csrfField, type ConsoleContext } from './layout.ts';

/** A form's problems: each field's own, and the summary above the form, linking to the field `f-<name>`. */
export function formProblems(ctx: ConsoleContext, issues: readonly FieldIssue[] | undefined) {
  const problems = { ...ctx.t.problems, ...ctx.c.problems } as ProblemText;
  return {
    problems,
    issue: (field: string) => issues?.find((i) => i.field === field),
    summary: issues?.length ? errorSummary(ctx, issues, (f) => `f-${f}`, problems) : '',
  };
}
const notice = (text: string | undefined) => (text ? html`<p class="notice" role="alert">${text}</p>` : '');

export function signInPage(ctx: ConsoleContext, state: { email?: string; message?: string } = {}): Html {
  const s = ctx.c.signIn;
  return consoleLayout(
    ctx,
    s.title,
    html`<h1>${s.title}</h1>
${notice(state.message)}
<form method="post" action="${consolePath(ctx.lang, '/sign-in')}" class="stack narrow">
${csrfField(ctx)}
<div class="field"><label for="f-email">${s.email}</label><input id="f-email" name="email" type="email" dir="ltr" autocomplete="username" required value="${state.email ?? ''}"></div>
<div class="field"><label for="f-password">${s.password}</label><input id="f-password" name="password" type="password" dir="ltr" autocomplete="current-password" required></div>
<div class="field"><label for="f-code">${s.code}</label><input id="f-code" name="code" dir="ltr" inputmode="numeric" autocomplete="one-time-code" required></div>
<button type="submit">${s.submit}</button>
</form>`,
  );
}

export function enrolPage(
  ctx: ConsoleContext,
  state: { token: string; email: string; secret: string; qrSvg: string; issues?: readonly FieldIssue[] },
): Html {
  const e = ctx.c.enrol;
  const { problems, issue, summary } = formProblems(ctx, state.issues);
  return consoleLayout(
    ctx,
    e.title,
    html`<h1>${e.title}</h1>
${summary}
<p>${e.intro}</p>
<form method="post" action="${consolePath(ctx.lang, `/enrol/${state.token}`)}" class="stack narrow">
${csrfField(ctx)}
<p><bdi dir="ltr">${state.email}</bdi></p>
${textField({ id: 'f-password', name: 'password', type: 'password', label: e.password, hint: e.passwordHint, value: undefined, autocomplete: 'new-password', dir: 'ltr', problems, issue: issue('password'), required: true })}
${textField({ id: 'f-passwordAgain', name: 'passwordAgain', type: 'password', label: e.passwordAgain, value: undefined, autocomplete: 'new-password', dir: 'ltr', problems, issue: issue('passwordAgain'), required: true })}
<figure class="qr"><div role="img" aria-labelledby="qr-caption">${new Html(state.qrSvg)}</div><figcaption id="qr-caption">${e.scan}</figcaption></figure>
<p>${e.key}: <code dir="ltr">${state.secret}</code></p>
${textField({ id: 'f-code', name: 'code', label: e.code, value: undefined, autocomplete: 'one-time-code', inputmode: 'numeric', dir: 'ltr', problems, issue: issue('code'), required: true })}
<button type="submit">${e.submit}</button>
</form>`,
  );
}

export function enrolDonePage(ctx: ConsoleContext, recoveryCodes: readonly string[]): Html {
  const e = ctx.c.enrol;
  return consoleLayout(
    ctx,
    e.doneTitle,
    html`<h1>${e.doneTitle}</h1>
<p>${e.recoveryIntro}</p>
<ol class="recovery-codes" dir="ltr">${recoveryCodes.map((code) => html`<li><code>${code}</code></li>`)}</ol>
<p><a class="button" href="${consolePath(ctx.lang, '/sign-in')}">${e.continue}</a></p>`,
  );
}

export function messagePage(ctx: ConsoleContext, title: string, text: string): Html {
  return consoleLayout(ctx, title, html`<h1>${title}</h1><p>${text}</p>`);
}

export function staffPage(
  ctx: ConsoleContext,
  state: {
    staff: readonly StaffAccount[];
    issues?: readonly FieldIssue[];
    values?: Record<string, string>;
    enrolmentLink?: string;
  },
): Html {
  const s = ctx.c.staff;
  const { problems, issue, summary } = formProblems(ctx, state.issues);
  return consoleLayout(
    ctx,
    s.title,
    html`<h1>${s.title}</h1>
${state.enrolmentLink ? html`<div class="notice" role="status"><p>${s.inviteLink}</p><p><code dir="ltr" class="break">${state.enrolmentLink}</code></p></div>` : ''}
<div class="table-scroll" tabindex="0" role="region" aria-label="${s.title}">
<table>
<thead><tr><th scope="col">${s.email}</th><th scope="col">${s.name}</th><th scope="col">${s.role}</th><th scope="col">${s.status}</th><th scope="col"></th></tr></thead>
<tbody>${state.staff.map(
      (m) =>
        html`<tr><td><bdi dir="ltr">${m.email}</bdi></td><td><bdi>${m.displayName}</bdi></td><td>${ctx.c.roles[m.role]}</td><td>${m.status === 'disabled' && !m.enrolled ? s.invitationCancelled : s.statuses[m.status]}</td><td><a href="${consolePath(ctx.lang, `/staff/${m.id}`)}" aria-label="${s.manageAccount(m.email)}">${s.manage}</a></td></tr>`,
    )}</tbody>
</table>
</div>
<h2>${s.inviteHeading}</h2>
${summary}
<form method="post" action="${consolePath(ctx.lang, '/staff')}" class="stack narrow">
${csrfField(ctx)}
${textField({ id: 'f-email', name: 'email', type: 'email', label: s.email, value: state.values?.email, dir: 'ltr', problems, issue: issue('email'), required: true })}
${textField({ id: 'f-displayName', name: 'displayName', label: s.name, value: state.values?.displayName, problems, issue: issue('displayName') })}
${selectField({ id: 'f-role', name: 'role', label: s.role, value: state.values?.role, placeholder: ctx.t.report.choices.notSelected, choices: staffRoles.map((r) => [r, ctx.c.roles[r]] as const), problems, issue: issue('role') })}
<button type="submit">${s.invite}</button>
</form>`,
  );
}

export function settingsPage(ctx: ConsoleContext, state: { retentionDays: string; issues?: readonly FieldIssue[]; saved?: boolean }): Html {
  const s = ctx.c.settings;
  const { problems, issue, summary } = formProblems(ctx, state.issues);
  return consoleLayout(
    ctx,
    s.title,
    html`<h1>${s.title}</h1>
${state.saved ? html`<p class="notice" role="status">${s.saved}</p>` : ''}
${summary}
<form method="post" action="${consolePath(ctx.lang, '/settings')}" class="stack narrow">
${csrfField(ctx)}
${textField({ id: 'f-retentionDays', name: 'retentionDays', type: 'number', label: s.retention, hint: s.retentionHint, value: state.retentionDays, dir: 'ltr', inputmode: 'numeric', problems, issue: issue('retentionDays'), required: true })}
<button type="submit">${s.save}</button>
</form>`,
  );
}
