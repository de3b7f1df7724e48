import { formatReceipt } from '../../../domain/receipt.ts';
import type { FieldIssue } from '../../../domain/errors.ts';
import { single } from '../../form-input.ts';
import { attrs, html, type Html } from '../html.ts';
import { fieldError, radioGroup, type ProblemText } from '../fields.ts';
import { reportForm, type District, type FormValues } from '../report-form.ts';
import { consoleLayout, consolePath, csrfField, type ConsoleContext } from './layout.ts';

/**
 * The public report form, posted to the console with the caller's consent and channel. Its
 * questions about the reporter and its problems speak of the caller, in words for staff.
 */
export function fileReportPage(
  ctx: ConsoleContext,
  state: { values: FormValues; issues: readonly FieldIssue[]; idempotencyKey: string; districts: readonly District[] },
): Html {
  const f = ctx.c.fileReport;
  const problems = { ...ctx.t.problems, ...ctx.c.problems, ...f.problems } as ProblemText;
  const issue = (field: string) => state.issues.find((i) => i.field === field);
  const consentIssue = issue('consentRecorded');
  const extra = html`${csrfField(ctx)}
${radioGroup({
  id: 'f-channel',
  name: 'channel',
  label: f.channel,
  value: single(state.values.channel),
  choices: [
    ['phone', f.channels.phone],
    ['walk_in', f.channels.walk_in],
  ],
  problems,
  issue: issue('channel'),
  required: true,
})}
<div class="field checkbox${consentIssue ? ' has-error' : ''}">
${fieldError('f-consentRecorded', consentIssue, problems)}
<input type="checkbox" id="f-consentRecorded" name="consentRecorded" value="true"${attrs({
    checked: state.values.consentRecorded === 'true',
    'aria-invalid': consentIssue ? 'true' : undefined,
    'aria-describedby': consentIssue ? 'f-consentRecorded-error' : undefined,
  })}>
<label for="f-consentRecorded">${f.consent}</label>
</div>`;
  const form = reportForm(
    ctx,
    {
      values: state.values,
      issues: state.issues,
      wording: { reporter: f.reporter, problems },
      extraUrlField: false,
      idempotencyKey: state.idempotencyKey,
      districts: state.districts,
    },
    { action: consolePath(ctx.lang, '/file-report'), title: f.title, extra },
  );
  return consoleLayout(ctx, f.title, form);
}

export function filedPage(ctx: ConsoleContext, receipt: string): Html {
  const f = ctx.c.fileReport;
  return consoleLayout(
    ctx,
    f.receiptTitle,
    html`<h1>${f.receiptTitle}</h1>
<p>${f.handOver}</p>
<p class="receipt-code"><bdi dir="ltr" id="receipt-code">${formatReceipt(receipt)}</bdi></p>
<p><a href="${consolePath(ctx.lang)}">${ctx.c.nav.queue}</a></p>`,
  );
}
