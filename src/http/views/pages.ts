import { pakistanTimeZone } from '../../domain/pakistan-time.ts';
import { formatReceipt } from '../../domain/receipt.ts';
import type { FollowUpView } from '../../services/reports.ts';
import type { FieldIssue } from '../../domain/errors.ts';
import { attrs, html, type Html } from './html.ts';
import { layout, type PageContext } from './layout.ts';
import { fieldError, errorSummary, type ProblemText } from './fields.ts';

export function landingPage(ctx: PageContext): Html {
  const l = ctx.t.landing;
  return layout(
    ctx,
    l.title,
    html`<h1>${l.title}</h1>
<p class="lead">${l.intro}</p>
<p class="actions"><a class="button" href="/${ctx.lang}/report">${l.reportButton}</a> <a class="button secondary" href="/${ctx.lang}/follow-up">${l.followUpButton}</a></p>
<section aria-labelledby="how"><h2 id="how">${l.howHeading}</h2><ol>${l.howSteps.map((s) => html`<li>${s}</li>`)}</ol></section>
<section aria-labelledby="next"><h2 id="next">${l.nextHeading}</h2><ol>${l.nextSteps.map((s) => html`<li>${s}</li>`)}</ol></section>
<section aria-labelledby="privacy"><h2 id="privacy">${l.privacyHeading}</h2><ul>${l.privacyPoints.map((s) => html`<li>${s}</li>`)}</ul></section>`,
  );
}

/**
 * Shown once, straight after the report committed. The printed copy and the saved note show
 * only a neutral "reference number", so a shared family phone or a printout does not say what
 * the site is at a glance.
 */
export function receiptPage(ctx: PageContext, receipt: string, inDangerNow: boolean | null): Html {
  const r = ctx.t.receipt;
  const shown = formatReceipt(receipt);
  const note = `${r.noteTitle}\n${shown}\n`;
  return layout(
    ctx,
    r.title,
    html`${inDangerNow ? html`<p class="danger-reminder" role="alert"><a href="tel:15">${r.dangerReminder}</a></p>` : ''}
<h1 class="no-print">${r.title}</h1>
<section class="receipt" aria-labelledby="receipt-label">
  <h2 id="receipt-label"><span class="no-print">${r.codeLabel}</span><span class="print-only">${r.noteTitle}</span></h2>
  <p class="receipt-code"><bdi dir="ltr" id="receipt-code">${shown}</bdi></p>
  <p class="no-print"><strong>${r.keepSecret}</strong></p>
  <ul class="no-print">${r.advice.map((a) => html`<li>${a}</li>`)}</ul>
</section>
<section class="no-print" aria-labelledby="save-heading">
  <h2 id="save-heading">${r.saveHeading}</h2>
  <p><a class="button secondary" download="note.txt" href="data:text/plain;charset=utf-8,${encodeURIComponent(note)}">${r.download}</a>
  <button type="button" class="secondary print-button" hidden>${r.print}</button></p>
  <p><a href="/${ctx.lang}/follow-up">${r.followUpLink}</a></p>
</section>`,
    { scripts: ['/assets/print.js'] },
  );
}

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
  <p class="status status-${view.status}">${f.statuses[view.status]}</p>
  <p>${f.receivedOn}: ${dateFormat.format(view.receivedAt)}</p>
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

export function errorPage(ctx: PageContext, title: string, text: string): Html {
  return layout(ctx, title, html`<h1>${title}</h1><p>${text}</p><p><a href="/${ctx.lang}/">${ctx.t.errors.backHome}</a></p>`);
}
