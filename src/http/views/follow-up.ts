import type { FieldIssue } from '../../domain/errors.ts';
import { pakistanTimeZone } from '../../domain/pakistan-time.ts';
import type { ReporterStatus } from '../../domain/reporter-status.ts';
import type { FollowUpView } from '../../services/follow-up.ts';
import type { Messages } from '../i18n/index.ts';
import { errorSummary, fieldError, type ProblemText } from './fields.ts';
import { attrs, html, type Html } from './html.ts';
import { layout, type PageContext } from './layout.ts';

/** The reporter's page with the receipt: the form that asks for it, then the status and the message thread. */
export function followUpPage(
  ctx: PageContext,
  state: {
    receipt?: string;
    issues?: readonly FieldIssue[];
    notice?: string;
    view?: FollowUpView;
    reply?: string;
    replyIssues?: readonly FieldIssue[];
    sent?: boolean;
  },
): Html {
  const f = ctx.t.followUp;
  const problems: ProblemText = ctx.t.problems;
  const receiptIssue = state.issues?.find((i) => i.field === 'receipt');
  const view = state.view;
  if (!view) {
    return layout(
      ctx,
      f.title,
      html`<h1>${f.title}</h1>
${state.issues?.length ? errorSummary(ctx, state.issues, { receipt: 'f-receipt' }) : ''}
${state.notice ? html`<p class="notice" role="alert">${state.notice}</p>` : ''}
<form method="post" action="/${ctx.lang}/follow-up" class="stack" novalidate>
  <p>${f.intro}</p>
  <div class="field${receiptIssue ? ' has-error' : ''}">
    <label for="f-receipt">${f.receiptLabel}</label>
    <p class="hint" id="f-receipt-hint">${f.receiptHint}</p>
    ${fieldError('f-receipt', receiptIssue, problems)}
    <input id="f-receipt" name="receipt" dir="ltr" inputmode="numeric" autocomplete="off" spellcheck="false" required${attrs({
      value: state.receipt,
      'aria-invalid': receiptIssue ? 'true' : undefined,
      'aria-describedby': receiptIssue ? 'f-receipt-hint f-receipt-error' : 'f-receipt-hint',
    })}>
  </div>
  <button type="submit">${f.submit}</button>
</form>`,
    );
  }
  const replyIssue = state.replyIssues?.find((i) => i.field === 'body');
  const dateFormat = new Intl.DateTimeFormat(ctx.lang === 'ur' ? 'ur-PK-u-nu-latn' : 'en-GB', {
    dateStyle: 'long',
    timeZone: pakistanTimeZone,
  });
  return layout(
    ctx,
    f.title,
    html`<h1>${f.title}</h1>
${state.sent ? html`<p class="notice" role="status">${f.sent}</p>` : ''}
${state.replyIssues?.length ? errorSummary(ctx, state.replyIssues, { body: 'f-body' }) : ''}
<section aria-labelledby="status-heading">
  <h2 id="status-heading">${f.statusHeading}</h2>
  <p class="status status-${view.progress.stage}">${stageText(f, view.progress, (d) => dateFormat.format(d))}</p>
  <p>${adviceText(f, view.progress)}</p>
  ${view.progress.stage === 'received' ? '' : html`<p>${f.receivedOn}: ${dateFormat.format(view.receivedAt)}</p>`}
</section>
<section aria-labelledby="thread-heading">
  <h2 id="thread-heading">${f.threadHeading}</h2>
  ${
    view.messages.length === 0
      ? html`<p>${f.noMessages}</p>`
      : html`<ol class="thread">${view.messages.map(
          (m) =>
            html`<li class="message from-${m.author}"><p class="meta">${m.author === 'staff' ? f.fromStaff : f.fromYou} · ${dateFormat.format(m.createdAt)}</p><p class="body" dir="auto">${m.body}</p></li>`,
        )}</ol>`
  }
  <form method="post" action="/${ctx.lang}/follow-up/reply" class="stack" novalidate>
    <input type="hidden" name="receipt" value="${state.receipt ?? ''}">
    <div class="field${replyIssue ? ' has-error' : ''}">
      <label for="f-body">${f.replyLabel}</label>
      ${fieldError('f-body', replyIssue, problems)}
      <textarea id="f-body" name="body" rows="5" maxlength="5000"${attrs({
        'aria-invalid': replyIssue ? 'true' : undefined,
        'aria-describedby': replyIssue ? 'f-body-error' : undefined,
      })}>${state.reply ?? ''}</textarea>
    </div>
    <button type="submit">${f.replySubmit}</button>
  </form>
</section>`,
  );
}

type FollowUpText = Messages['followUp'];

/** The stage in plain words with its date; for a closed case, what closing means (by its reason). */
function stageText(f: FollowUpText, progress: ReporterStatus, date: (d: Date) => string): string {
  switch (progress.stage) {
    case 'received':
    case 'read':
    case 'written_to_you':
    case 'reopened':
      return f.stages[progress.stage](date(progress.since));
    case 'referred':
      return progress.since ? f.stages.referred(f.organisations[progress.agencyKind], date(progress.since)) : f.referredElsewhere;
    case 'closed':
      return [progress.since && f.stages.closed(date(progress.since)), progress.closureReason && f.closedMeaning[progress.closureReason]]
        .filter(Boolean)
        .join(' ');
  }
}

/** When to check again: in some days, the message to answer, or (closed) nothing, though writing opens it again. */
function adviceText(f: FollowUpText, progress: ReporterStatus): string {
  if (progress.stage === 'closed') return f.closedAdvice;
  if (progress.stage === 'written_to_you') return f.answerBelow;
  return progress.checkAgainInDays === null ? '' : f.checkAgain(progress.checkAgainInDays);
}
