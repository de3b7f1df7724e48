import { formatReceipt } from '../../domain/receipt.ts';
import { attrs, html, type Html } from './html.ts';
import { layout, type PageContext } from './layout.ts';

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

export function errorPage(ctx: PageContext, title: string, text: string): Html {
  return layout(ctx, title, html`<h1>${title}</h1><p>${text}</p><p><a href="/${ctx.lang}/">${ctx.t.errors.backHome}</a></p>`);
}
