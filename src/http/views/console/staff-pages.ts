import type { FieldIssue } from '../../../domain/errors.ts';
import { staffRoles } from '../../../domain/staff.ts';
import type { SessionInfo, StaffAccount } from '../../../services/staff.ts';
import { fieldError, selectField, textField, type ProblemText } from '../fields.ts';
import { html, type Html } from '../html.ts';
import { formProblems } from './account-pages.ts';
import { consoleLayout, consolePath, consoleTime, csrfField, type ConsoleContext } from './layout.ts';

const status = (text: string | undefined) => (text ? html`<p class="notice" role="status">${text}</p>` : '');

/** The box a destructive action's form needs ticked (checked again by the route: no JavaScript needed). */
function confirmBox(ctx: ConsoleContext, form: string, problems: ProblemText, issue: FieldIssue | undefined): Html {
  return html`<div class="field${issue ? ' has-error' : ''}" id="f-confirm-${form}">
${fieldError(`f-confirm-${form}`, issue, problems)}
<label><input type="checkbox" name="confirm" value="yes" required> ${ctx.c.staffAccount.confirm}</label>
</div>`;
}

/**
 * A list of sessions: when each began, was last used and ends, and a button to end it. `endAction`
 * is where the button posts (with the session's handle).
 */
function sessionsTable(ctx: ConsoleContext, sessions: readonly SessionInfo[], endAction: string): Html {
  const s = ctx.c.sessions;
  if (sessions.length === 0) return html`<p>${s.none}</p>`;
  return html`<div class="table-scroll" tabindex="0" role="region" aria-label="${ctx.c.staffAccount.sessionsHeading}">
<table>
<thead><tr><th scope="col">${s.created}</th><th scope="col">${s.lastActive}</th><th scope="col">${s.ends}</th><th scope="col"></th></tr></thead>
<tbody>${sessions.map(
    (session) =>
      html`<tr><td>${consoleTime(ctx.lang, session.createdAt)}${session.current ? html` <strong>(${s.thisOne})</strong>` : ''}</td><td>${consoleTime(ctx.lang, session.lastSeenAt)}</td><td>${consoleTime(ctx.lang, session.endsAt)}</td><td><form method="post" action="${endAction}">${csrfField(ctx)}<input type="hidden" name="session" value="${session.handle}"><button type="submit" class="secondary">${s.end}</button></form></td></tr>`,
  )}</tbody>
</table>
</div>`;
}

export interface StaffAccountPageState {
  account: StaffAccount;
  sessions: readonly SessionInfo[];
  /** What was just done, in the page's words. */
  done?: string | undefined;
  /** A reset's new enrolment link, shown this once. */
  enrolmentLink?: string | undefined;
  issues?: readonly FieldIssue[] | undefined;
  /** The form the issues belong to. */
  issuesFor?: string | undefined;
}

/**
 * One account, for administrators: its role, disabling and enabling, a reset of its password and
 * second factor, cancelling its invitation, and its sessions. One's own account has only its
 * sessions here (its password is changed on "Your account").
 */
export function staffAccountPage(ctx: ConsoleContext, state: StaffAccountPageState): Html {
  const s = ctx.c.staffAccount;
  const { account } = state;
  const { problems, summary } = formProblems(ctx, state.issues);
  const issueOf = (form: string, field: string) => (state.issuesFor === form ? state.issues?.find((i) => i.field === field) : undefined);
  const action = (what: string) => consolePath(ctx.lang, `/staff/${account.id}/${what}`);
  const own = ctx.staff?.id === account.id;
  const statusText =
    account.status === 'disabled' && !account.enrolled
      ? ctx.c.staff.invitationCancelled
      : (ctx.c.staff.statuses as Record<string, string>)[account.status];
  const form = (what: string, body: Html) =>
    html`<form method="post" action="${action(what)}" class="stack narrow">${csrfField(ctx)}${body}</form>`;
  return consoleLayout(
    ctx,
    s.title,
    html`<p><a href="${consolePath(ctx.lang, '/staff')}">${s.back}</a></p>
<h1>${s.title}: <bdi dir="ltr">${account.email}</bdi></h1>
<dl class="facts"><dt>${ctx.c.staff.name}</dt><dd><bdi>${account.displayName}</bdi></dd><dt>${ctx.c.staff.role}</dt><dd>${ctx.c.roles[account.role]}</dd><dt>${ctx.c.staff.status}</dt><dd>${statusText}</dd></dl>
${status(state.done)}
${state.enrolmentLink ? html`<div class="notice" role="status"><p>${s.resetLink}</p><p><code dir="ltr" class="break">${state.enrolmentLink}</code></p></div>` : ''}
${summary}
${
  own
    ? html`<p><a href="${consolePath(ctx.lang, '/account')}">${ctx.c.account.title}</a></p>`
    : html`<h2>${s.roleHeading}</h2>
${form(
  'role',
  html`<p>${s.roleIntro}</p>
${selectField({ id: 'f-role', name: 'role', label: ctx.c.staff.role, value: account.role, placeholder: ctx.t.report.choices.notSelected, choices: staffRoles.map((r) => [r, ctx.c.roles[r]] as const), problems, issue: issueOf('role', 'role') })}
<button type="submit">${s.changeRole}</button>`,
)}
<h2>${s.accessHeading}</h2>
${
  account.status === 'active'
    ? form(
        'disable',
        html`<p>${s.disableWarning}</p>${confirmBox(ctx, 'disable', problems, issueOf('disable', 'confirm'))}<button type="submit">${s.disable}</button>`,
      )
    : account.status === 'disabled' && account.enrolled
      ? form('enable', html`<p>${s.enableIntro}</p><button type="submit">${s.enable}</button>`)
      : ''
}
${
  account.status === 'invited'
    ? html`<h2>${s.cancelHeading}</h2>
${form('cancel', html`<p>${s.cancelWarning}</p>${confirmBox(ctx, 'cancel', problems, issueOf('cancel', 'confirm'))}<button type="submit">${s.cancel}</button>`)}`
    : ''
}
<h2>${s.resetHeading}</h2>
${form('reset', html`<p>${s.resetWarning}</p>${confirmBox(ctx, 'reset', problems, issueOf('reset', 'confirm'))}<button type="submit">${s.reset}</button>`)}`
}
<h2>${s.sessionsHeading}</h2>
<p>${ctx.c.sessions.intro}</p>
${sessionsTable(ctx, state.sessions, action('sessions/end'))}
${state.sessions.length ? form('sessions/end-all', html`<button type="submit" class="secondary">${s.revokeAll}</button>`) : ''}`,
  );
}

/** The signed-in member's own account: a new password, and their sessions. */
export function ownAccountPage(
  ctx: ConsoleContext,
  state: { sessions: readonly SessionInfo[]; done?: string | undefined; issues?: readonly FieldIssue[] | undefined },
): Html {
  const a = ctx.c.account;
  const { problems, issue, summary } = formProblems(ctx, state.issues);
  const path = (page: string) => consolePath(ctx.lang, page);
  return consoleLayout(
    ctx,
    a.title,
    html`<h1>${a.title}</h1>
${status(state.done)}
<h2>${a.passwordHeading}</h2>
${summary}
<p>${a.passwordIntro}</p>
<form method="post" action="${path('/account/password')}" class="stack narrow">
${csrfField(ctx)}
${textField({ id: 'f-currentPassword', name: 'currentPassword', type: 'password', label: a.currentPassword, value: undefined, autocomplete: 'current-password', dir: 'ltr', problems, issue: issue('currentPassword'), required: true })}
${textField({ id: 'f-newPassword', name: 'newPassword', type: 'password', label: a.newPassword, hint: ctx.c.enrol.passwordHint, value: undefined, autocomplete: 'new-password', dir: 'ltr', problems, issue: issue('newPassword'), required: true })}
${textField({ id: 'f-newPasswordAgain', name: 'newPasswordAgain', type: 'password', label: a.newPasswordAgain, value: undefined, autocomplete: 'new-password', dir: 'ltr', problems, issue: issue('newPasswordAgain'), required: true })}
<button type="submit">${a.changePassword}</button>
</form>
<h2>${a.sessionsHeading}</h2>
<p>${ctx.c.sessions.intro}</p>
${sessionsTable(ctx, state.sessions, path('/account/sessions/end'))}
<form method="post" action="${path('/account/sessions/end-others')}">${csrfField(ctx)}<button type="submit" class="secondary">${a.endOthers}</button></form>`,
  );
}

/**
 * Asked before a sensitive action when the session has not re-authenticated lately: the password
 * and a code, posted back to the action itself with the action's own fields, so that, once they
 * are right, the action goes ahead in the same request (no JavaScript).
 */
export function reauthenticatePage(
  ctx: ConsoleContext,
  state: {
    action: string;
    fields: Readonly<Record<string, string>>;
    back: string;
    message?: string | undefined;
    issues?: readonly FieldIssue[] | undefined;
  },
): Html {
  const r = ctx.c.reauthenticate;
  const { problems, issue, summary } = formProblems(ctx, state.issues);
  return consoleLayout(
    ctx,
    r.title,
    html`<h1>${r.title}</h1>
${state.message ? html`<p class="notice" role="alert">${state.message}</p>` : ''}
${summary}
<p>${r.intro}</p>
<form method="post" action="${state.action}" class="stack narrow">
${csrfField(ctx)}
${Object.entries(state.fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
${textField({ id: 'f-reauthPassword', name: 'reauthPassword', type: 'password', label: r.password, value: undefined, autocomplete: 'current-password', dir: 'ltr', problems, issue: issue('reauthPassword'), required: true })}
${textField({ id: 'f-reauthCode', name: 'reauthCode', label: r.code, value: undefined, autocomplete: 'one-time-code', inputmode: 'numeric', dir: 'ltr', problems, issue: issue('reauthCode'), required: true })}
<button type="submit">${r.submit}</button>
</form>
<p><a href="${state.back}">${r.cancel}</a></p>`,
  );
}
