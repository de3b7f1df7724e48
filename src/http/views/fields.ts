import type { FieldIssue } from '../../domain/errors.ts';
import type { Messages } from '../i18n/index.ts';
import { attrs, html, type Html } from './html.ts';
import type { PageContext } from './layout.ts';

export type ProblemText = Messages['problems'];

export function problemText(problems: ProblemText, problem: string): string {
  return (problems as Record<string, string>)[problem] ?? problems.invalid;
}

/** The error shown beside a field; its id is what the field's aria-describedby points at. */
export function fieldError(id: string, issue: FieldIssue | undefined, problems: ProblemText): Html | '' {
  if (!issue) return '';
  return html`<p class="error" id="${id}-error">${problemText(problems, issue.problem)}</p>`;
}

/**
 * The list of problems at the top of a rejected form, each linking to its field. `fieldIds`
 * maps an issue's field name to the id of the input it belongs to.
 */
export function errorSummary(
  ctx: PageContext,
  issues: readonly FieldIssue[],
  fieldIds: Record<string, string> | ((field: string) => string),
  problems: ProblemText = ctx.t.problems,
): Html {
  const idOf = typeof fieldIds === 'function' ? fieldIds : (f: string) => fieldIds[f] ?? 'main';
  return html`<div class="error-summary" role="alert" aria-labelledby="error-summary-title">
  <h2 id="error-summary-title">${ctx.t.report.errorSummary}</h2>
  <p>${ctx.t.report.errorCount(issues.length)}</p>
  <ul>${issues.map((i) => html`<li><a href="#${idOf(i.field)}">${problemText(problems, i.problem)}</a></li>`)}</ul>
</div>`;
}

export interface FieldOptions {
  id: string;
  name: string;
  label: string;
  hint?: string | undefined;
  issue?: FieldIssue | undefined;
  problems: ProblemText;
  required?: boolean;
  /** Marks the label "(required)" / "(optional)" in the page's language. */
  marker?: string | undefined;
}

function describedBy(o: FieldOptions): string | undefined {
  const ids = [o.hint ? `${o.id}-hint` : '', o.issue ? `${o.id}-error` : ''].filter(Boolean);
  return ids.length ? ids.join(' ') : undefined;
}

function labelAndHelp(o: FieldOptions): Html {
  return html`<label for="${o.id}">${o.label}${o.marker ? html` <span class="marker">(${o.marker})</span>` : ''}</label>
${o.hint ? html`<p class="hint" id="${o.id}-hint">${o.hint}</p>` : ''}
${fieldError(o.id, o.issue, o.problems)}`;
}

export function textField(
  o: FieldOptions & {
    value: string | undefined;
    type?: string;
    maxlength?: number;
    autocomplete?: string;
    dir?: string;
    list?: string;
    inputmode?: string;
  },
): Html {
  return html`<div class="field${o.issue ? ' has-error' : ''}">
${labelAndHelp(o)}
<input${attrs({
    id: o.id,
    name: o.name,
    type: o.type ?? 'text',
    value: o.value,
    maxlength: o.maxlength,
    autocomplete: o.autocomplete ?? 'off',
    dir: o.dir,
    list: o.list,
    inputmode: o.inputmode,
    required: o.required,
    'aria-invalid': o.issue ? 'true' : undefined,
    'aria-describedby': describedBy(o),
  })}>
</div>`;
}

export function textArea(o: FieldOptions & { value: string | undefined; maxlength: number; labelHtml?: Html; rows?: number }): Html {
  return html`<div class="field${o.issue ? ' has-error' : ''}">
${o.labelHtml ?? labelAndHelp(o)}
${o.labelHtml ? html`${o.hint ? html`<p class="hint" id="${o.id}-hint">${o.hint}</p>` : ''}${fieldError(o.id, o.issue, o.problems)}` : ''}
<textarea${attrs({
    id: o.id,
    name: o.name,
    rows: o.rows ?? 6,
    maxlength: o.maxlength,
    required: o.required,
    'aria-invalid': o.issue ? 'true' : undefined,
    'aria-describedby': describedBy(o),
  })}>${o.value ?? ''}</textarea>
</div>`;
}

export function selectField(
  o: FieldOptions & { value: string | undefined; choices: readonly (readonly [string, string])[]; placeholder: string },
): Html {
  return html`<div class="field${o.issue ? ' has-error' : ''}">
${labelAndHelp(o)}
<select${attrs({ id: o.id, name: o.name, 'aria-invalid': o.issue ? 'true' : undefined, 'aria-describedby': describedBy(o) })}>
<option value="">${o.placeholder}</option>
${o.choices.map(([value, text]) => html`<option value="${value}"${attrs({ selected: o.value === value })}>${text}</option>`)}
</select>
</div>`;
}

/** A group of radio buttons in a fieldset whose legend is the question. */
export function radioGroup(
  o: FieldOptions & { value: string | undefined; choices: readonly (readonly [string, string])[]; className?: string },
): Html {
  return html`<fieldset class="field radios${o.issue ? ' has-error' : ''}${o.className ? ` ${o.className}` : ''}" id="${o.id}"${attrs({
    'aria-describedby': describedBy(o),
  })}>
<legend>${o.label}${o.marker ? html` <span class="marker">(${o.marker})</span>` : ''}</legend>
${o.hint ? html`<p class="hint" id="${o.id}-hint">${o.hint}</p>` : ''}
${fieldError(o.id, o.issue, o.problems)}
${o.choices.map(
  ([value, text]) =>
    html`<div class="choice"><input type="radio" id="${o.id}-${value}" name="${o.name}" value="${value}"${attrs({
      checked: o.value === value,
      required: o.required,
    })}><label for="${o.id}-${value}">${text}</label></div>`,
)}
</fieldset>`;
}
