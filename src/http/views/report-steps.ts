import type { FieldIssue } from '../../domain/errors.ts';
import { formatReceipt } from '../../domain/receipt.ts';
import { limits, reportKinds, type ReportKind } from '../../domain/report.ts';
import { list, single } from '../form-input.ts';
import { errorSummary, textArea } from './fields.ts';
import { html, type Html } from './html.ts';
import { layout, type PageContext } from './layout.ts';
import {
  childFields,
  dangerQuestion,
  incidentFields,
  linkFields,
  reportFieldId,
  reporterFields,
  siteField,
  type District,
  type FormValues,
} from './report-form.ts';

/**
 * The public report in short steps, each a page that works without JavaScript: choose what to
 * report; one screen with only what is needed to act; the receipt, which offers details that help
 * (views here, routes in routes/portal.ts).
 */

/** The path segment of each kind's first step: /ur/report/online, /ur/report/abuse. */
export const kindPaths = { online_material: 'online', abuse: 'abuse' } as const satisfies Record<ReportKind, string>;

/** Step one: two large choices, each a link to its own short form. */
export function reportChoicePage(ctx: PageContext): Html {
  const r = ctx.t.report;
  return layout(
    ctx,
    r.title,
    html`<h1>${r.choiceHeading}</h1>
<p>${r.choiceIntro}</p>
<ul class="kind-choices">${reportKinds.map(
      (kind) =>
        html`<li><a class="kind-choice-link" href="/${ctx.lang}/report/${kindPaths[kind]}"><strong>${r.kindChoices[kind].title}</strong><span>${r.kindChoices[kind].text}</span></a></li>`,
    )}</ul>`,
  );
}

export interface FirstStepState {
  kind: ReportKind;
  values: FormValues;
  issues: readonly FieldIssue[];
  /** One more empty link field was asked for ("add another link" without JavaScript). */
  extraUrlField: boolean;
  idempotencyKey: string;
  powChallengeUrl: string;
  /** Why the form is shown again when it was not for its answers (e.g. too many requests). */
  notice?: string | undefined;
}

/** The fields each kind's first step shows; any other field posted comes back hidden, so nothing typed is lost. */
const firstStepFields = new Set(['kind', 'language', 'idempotencyKey', 'altcha', 'action', 'urls', 'description', 'inDangerNow']);

/**
 * Step two: what is needed to act and nothing else, so that its text box and its send button fit
 * one phone screen: the link(s) or "what happened", whether a child is in danger now, and send.
 * Switching to the other kind keeps what was typed (a link typed, then switched away from, is
 * shown on the other form too).
 */
export function firstStepPage(ctx: PageContext, state: FirstStepState): Html {
  const r = ctx.t.report;
  const { kind } = state;
  const base = { problems: ctx.t.problems };
  const issue = (field: string) => state.issues.find((i) => i.field === field);
  const hasLinks = list(state.values.urls).some((u) => u.trim() !== '');
  const description = single(state.values.description);
  const carried = Object.entries(state.values).filter(([name]) => !firstStepFields.has(name));

  const links = linkFields(ctx, { values: state.values, issues: state.issues, extraUrlField: state.extraUrlField });
  const whatHappened = textArea({
    ...base,
    id: 'f-description',
    name: 'description',
    label: kind === 'abuse' ? r.abuse.descriptionLabel : r.material.descriptionLabel,
    marker: kind === 'abuse' ? r.required : r.optional,
    hint: r.abuse.descriptionHint,
    value: description,
    maxlength: limits.description,
    issue: issue('description'),
    rows: 3,
  });

  return layout(
    ctx,
    r.stepHeadings[kind],
    html`<h1>${r.stepHeadings[kind]}</h1>
${state.notice ? html`<p class="notice" role="alert">${state.notice}</p>` : ''}
${state.issues.length ? errorSummary(ctx, state.issues, reportFieldId) : ''}
<form method="post" action="/${ctx.lang}/report" class="first-step" novalidate>
<!-- Enter in a text field submits with the first submit button: make it the real one, not "add a link". -->
<button type="submit" hidden tabindex="-1">${r.submit}</button>
<input type="hidden" name="kind" value="${kind}">
<input type="hidden" name="language" value="${ctx.lang}">
<input type="hidden" name="idempotencyKey" value="${state.idempotencyKey}">
${carried.flatMap(([name, value]) => list(value).map((v) => html`<input type="hidden" name="${name}" value="${v}">`))}
${
  kind === 'online_material'
    ? html`<p class="warning-line" role="note"><strong>${r.doNotShare}</strong></p>
${links}
${description?.trim() ? whatHappened : ''}`
    : html`${whatHappened}
${hasLinks ? links : ''}`
}
${dangerQuestion(ctx, state)}
<button type="submit" class="primary">${r.submit}</button>
<p class="step-intro">${r.stepIntro}</p>
<div class="pow" data-pow-challenge="${state.powChallengeUrl}"></div>
<p class="switch-kind"><button type="submit" name="action" value="switch" class="link-button" formnovalidate>${r.switchKind[kind]}</button></p>
</form>`,
    { scripts: ['/assets/altcha-setup.js'] },
  );
}

export interface ReceiptState {
  receipt: string;
  kind: ReportKind;
  inDangerNow: boolean | null;
  /** What lets this page add details to the report, while it works; none for a replayed report with details. */
  continuation: string | undefined;
  /** How long the continuation works, in minutes. */
  detailsWindowMinutes: number;
  /** The last group she typed to check that she kept the code, and whether it matched. */
  confirmation?: { typed: string; matches: boolean } | undefined;
}

/**
 * Shown straight after the report committed (and again after the optional check that she kept
 * the code). The printed copy and the saved note show only a neutral "reference number", so a
 * shared family phone or a printout does not say what the site is at a glance.
 */
export function receiptPage(ctx: PageContext, state: ReceiptState): Html {
  const r = ctx.t.receipt;
  const shown = formatReceipt(state.receipt);
  const note = `${r.noteTitle}\n${shown}\n`;
  const confirmation = state.confirmation;
  const carried = html`<input type="hidden" name="receipt" value="${state.receipt}">
<input type="hidden" name="kind" value="${state.kind}">
<input type="hidden" name="inDangerNow" value="${String(state.inDangerNow)}">
${state.continuation ? html`<input type="hidden" name="continuation" value="${state.continuation}">` : ''}`;
  return layout(
    ctx,
    r.title,
    html`${state.inDangerNow ? html`<p class="danger-reminder" role="alert"><a href="tel:15">${r.dangerReminder}</a></p>` : ''}
<h1 class="no-print">${r.title}</h1>
<section class="receipt" aria-labelledby="receipt-label">
  <h2 id="receipt-label"><span class="no-print">${r.codeLabel}</span><span class="print-only">${r.noteTitle}</span></h2>
  <p class="receipt-code"><bdi dir="ltr" id="receipt-code">${shown}</bdi></p>
  <p class="no-print"><strong>${r.keepSecret}</strong></p>
  <ul class="no-print">${r.advice.map((a) => html`<li>${a}</li>`)}</ul>
  <p class="no-print"><a class="button secondary" download="note.txt" href="data:text/plain;charset=utf-8,${encodeURIComponent(note)}">${r.download}</a>
  <button type="button" class="secondary print-button">${r.print}</button></p>
</section>
<section class="no-print" aria-labelledby="confirm-heading">
  <h2 id="confirm-heading">${r.confirmHeading}</h2>
  ${confirmation ? html`<p class="${confirmation.matches ? 'confirmed' : 'notice'}" role="status">${confirmation.matches ? r.confirmed : r.notConfirmed}</p>` : ''}
  <form method="post" action="/${ctx.lang}/report/receipt-check" class="inline-form" novalidate>
    ${carried}
    <label for="f-lastGroup">${r.confirmLabel}</label>
    <input id="f-lastGroup" name="lastGroup" dir="ltr" inputmode="numeric" autocomplete="off" maxlength="12" size="6"${
      confirmation && !confirmation.matches ? html` value="${confirmation.typed}"` : ''
    }>
    <button type="submit" class="secondary">${r.confirmSubmit}</button>
  </form>
</section>
${
  state.continuation
    ? html`<section class="no-print details-offer" aria-labelledby="details-heading">
  <h2 id="details-heading">${r.detailsHeading}</h2>
  <p>${r.detailsText}</p>
  <p>${r.detailsWindow(state.detailsWindowMinutes)}</p>
  <form method="post" action="/${ctx.lang}/report/details">
    <input type="hidden" name="continuation" value="${state.continuation}">
    <input type="hidden" name="kind" value="${state.kind}">
    <button type="submit" name="action" value="open">${r.detailsButton}</button>
  </form>
</section>`
    : ''
}
<p class="no-print"><a href="/${ctx.lang}/follow-up">${r.followUpLink}</a></p>`,
    { scripts: ['/assets/print.js'] },
  );
}

export interface DetailsState {
  continuation: string;
  kind: ReportKind;
  values: FormValues;
  issues: readonly FieldIssue[];
  districts: readonly District[];
}

/** After the receipt: every question that helps staff act, each optional, attached to the same report. */
export function detailsPage(ctx: PageContext, state: DetailsState): Html {
  const d = ctx.t.details;
  const base = { problems: ctx.t.problems };
  const issue = (field: string) => state.issues.find((i) => i.field === field);
  return layout(
    ctx,
    d.title,
    html`<h1>${d.title}</h1>
${state.issues.length ? errorSummary(ctx, state.issues, reportFieldId) : ''}
<p>${d.intro}</p>
<form method="post" action="/${ctx.lang}/report/details" class="report-form stack" novalidate>
<input type="hidden" name="continuation" value="${state.continuation}">
<input type="hidden" name="kind" value="${state.kind}">
${
  state.kind === 'online_material'
    ? html`${siteField(ctx, state)}
${textArea({ ...base, id: 'f-description', name: 'description', label: d.moreLabel, marker: ctx.t.report.optional, value: single(state.values.description), maxlength: limits.description, issue: issue('description') })}`
    : ''
}
<fieldset class="section">
<legend>${ctx.t.report.abuse.legend}</legend>
${incidentFields(ctx, state)}
</fieldset>
${childFields(ctx, state)}
${reporterFields(ctx, state)}
<button type="submit" name="action" value="add" class="primary">${d.submit}</button>
</form>
<p><a href="/${ctx.lang}/">${d.skip}</a></p>`,
  );
}

/** The details were added: where to go next. */
export function detailsAddedPage(ctx: PageContext): Html {
  const d = ctx.t.details;
  return layout(
    ctx,
    d.addedTitle,
    html`<h1>${d.addedTitle}</h1>
<p>${d.addedText}</p>
<p><a class="button secondary" href="/${ctx.lang}/follow-up">${ctx.t.receipt.followUpLink}</a></p>`,
  );
}

/** The continuation was used, expired or never existed: the same words for each, and the way on. */
export function detailsExpiredPage(ctx: PageContext): Html {
  const d = ctx.t.details;
  return layout(
    ctx,
    d.expiredTitle,
    html`<h1>${d.expiredTitle}</h1>
<p>${d.expiredText}</p>
<p><a class="button secondary" href="/${ctx.lang}/follow-up">${ctx.t.nav.followUp}</a></p>`,
  );
}
