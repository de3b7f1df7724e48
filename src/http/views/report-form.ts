import type { FieldIssue } from '../../domain/errors.ts';
import {
  abuserRelationships,
  ageBands,
  areas,
  childSexes,
  datePrecisions,
  limits,
  maxUrlsPerReport,
  places,
  policeStatuses,
  provinces,
  reporterRelationships,
  reportKinds,
} from '../../domain/report.ts';
import { list, single, type FormValue } from '../form-input.ts';
import { html, type Html } from './html.ts';
import type { PageContext } from './layout.ts';
import type { Messages } from '../i18n/index.ts';
import { errorSummary, problemText, radioGroup, selectField, textArea, textField, type ProblemText } from './fields.ts';

/** The form's values exactly as the person typed them, so a rejected form loses nothing. */
export type FormValues = Readonly<Record<string, FormValue>>;

export interface District {
  nameEn: string;
  nameUr: string;
}

export interface ReportFormState extends FieldsState {
  /** One more empty link field was asked for ("add another link" without JavaScript). */
  extraUrlField: boolean;
  idempotencyKey: string;
  districts: readonly District[];
  /** Why the form is shown again when it was not for its answers (e.g. too many requests). */
  notice?: string | undefined;
}

/** Field name (as in the API) → the id of the element that shows its error. */
export function reportFieldId(field: string): string {
  if (field === 'urls') return 'f-urls-0';
  return `f-${field.replace(/\./g, '-')}`;
}

/** What every part of a report's form renders from: the values as typed and the problems found. */
export interface FieldsState {
  values: FormValues;
  issues: readonly FieldIssue[];
  /** Other words than the reporter's own (the public pages'): staff filing for a caller speak of the caller. */
  wording?: FormWording | undefined;
}

/** The words that change with who fills the form in: the questions about the reporter, and the problems. */
export interface FormWording {
  reporter: Messages['report']['reporter'];
  problems: ProblemText;
}

/** The helpers each part of the form uses: a field's problem, its typed value, the choices with "I don't know". */
function formParts(ctx: PageContext, state: FieldsState) {
  const { t } = ctx;
  const c = t.report.choices;
  const problems = state.wording?.problems ?? t.problems;
  return {
    t,
    r: t.report,
    reporter: state.wording?.reporter ?? t.report.reporter,
    problems,
    c,
    base: { problems },
    issue: (field: string) => state.issues.find((i) => i.field === field),
    value: (name: string) => single(state.values[name]),
    withUnknown: <K extends string>(keys: readonly K[], names: Record<K, string>) => [
      ...keys.map((k) => [k, names[k]] as const),
      ['unknown', c.unknown] as const,
    ],
  };
}

/**
 * The link fields, one per link typed and one empty (or one more when "add another link" was
 * pressed without JavaScript), with the button that asks for another.
 */
export function linkFields(ctx: PageContext, state: FieldsState & { extraUrlField: boolean }): Html {
  const { r, base, issue } = formParts(ctx, state);
  const urls = list(state.values.urls).filter((u, i, all) => u.trim() !== '' || all.length === 1);
  if (urls.length === 0 || (state.extraUrlField && urls.length < maxUrlsPerReport)) urls.push('');
  return html`<fieldset class="field urls" aria-describedby="f-urls-hint">
<legend>${r.material.urlsLabel}</legend>
<p class="hint" id="f-urls-hint">${r.material.urlsHint}</p>
${urls.map((url, index) =>
  textField({
    ...base,
    id: `f-urls-${index}`,
    name: 'urls',
    label: r.material.urlLabel(index + 1),
    value: url,
    type: 'url',
    dir: 'ltr',
    inputmode: 'url',
    maxlength: 2048,
    issue: issue(`urls.${index}`) ?? (index === 0 ? issue('urls') : undefined),
  }),
)}
${
  urls.length < maxUrlsPerReport
    ? html`<button type="submit" name="action" value="add_url" class="secondary" formnovalidate>${r.material.addUrl}</button>`
    : ''
}
</fieldset>`;
}

/** Where the material was seen (optional). */
export function siteField(ctx: PageContext, state: FieldsState): Html {
  const { r, base, issue, value } = formParts(ctx, state);
  return textField({
    ...base,
    id: 'f-site',
    name: 'site',
    label: r.material.siteLabel,
    hint: r.material.siteHint,
    value: value('site'),
    maxlength: limits.site,
    marker: r.optional,
    issue: issue('site'),
  });
}

/** "Is the child in danger right now?" with the call to make when the answer is yes. */
export function dangerQuestion(ctx: PageContext, state: FieldsState): Html {
  const { t, r, c, base, issue, value } = formParts(ctx, state);
  return html`${radioGroup({
    ...base,
    id: 'f-inDangerNow',
    name: 'inDangerNow',
    label: r.abuse.dangerLabel,
    issue: issue('inDangerNow'),
    value: value('inDangerNow'),
    choices: [
      ['true', c.yes],
      ['false', c.no],
      ['unknown', c.unknown],
    ],
    className: 'danger-question',
  })}
<p class="danger-callout" role="note"><a href="tel:15">${t.emergency.action}</a></p>`;
}

/** When and where it happened, who the suspected person is, and the police. */
export function incidentFields(ctx: PageContext, state: FieldsState & { districts: readonly District[] }): Html {
  const { r, c, base, issue, value, withUnknown } = formParts(ctx, state);
  return html`${textField({ ...base, id: 'f-occurredOn', name: 'occurredOn', type: 'date', label: r.abuse.occurredOnLabel, hint: r.abuse.occurredOnHint, value: value('occurredOn'), marker: r.optional, issue: issue('occurredOn'), dir: 'ltr' })}
${selectField({ ...base, id: 'f-occurredPrecision', name: 'occurredPrecision', label: r.abuse.precisionLabel, value: value('occurredPrecision'), placeholder: c.notSelected, choices: datePrecisions.map((p) => [p, r.abuse.precisions[p]] as const), issue: issue('occurredPrecision') })}
${selectField({ ...base, id: 'f-province', name: 'province', label: r.abuse.provinceLabel, value: value('province'), placeholder: c.notSelected, choices: withUnknown(provinces, c.provinces), issue: issue('province') })}
${textField({ ...base, id: 'f-district', name: 'district', label: r.abuse.districtLabel, hint: r.abuse.districtHint, value: value('district'), list: 'districts', maxlength: limits.district, issue: issue('district') })}
<datalist id="districts">${state.districts.map((d) => html`<option value="${ctx.lang === 'ur' ? d.nameUr : d.nameEn}"></option>`)}</datalist>
${radioGroup({ ...base, id: 'f-area', name: 'area', label: r.abuse.areaLabel, value: value('area'), choices: withUnknown(areas, c.areas), issue: issue('area') })}
${selectField({ ...base, id: 'f-place', name: 'place', label: r.abuse.placeLabel, value: value('place'), placeholder: c.notSelected, choices: withUnknown(places, c.places), issue: issue('place') })}
${selectField({ ...base, id: 'f-abuserRelationship', name: 'abuserRelationship', label: r.abuse.abuserLabel, value: value('abuserRelationship'), placeholder: c.notSelected, choices: withUnknown(abuserRelationships, c.abuserRelationships), issue: issue('abuserRelationship') })}
${selectField({ ...base, id: 'f-policeStatus', name: 'policeStatus', label: r.abuse.policeLabel, value: value('policeStatus'), placeholder: c.notSelected, choices: withUnknown(policeStatuses, c.policeStatuses), issue: issue('policeStatus') })}`;
}

/** The child's age band and sex. */
export function childFields(ctx: PageContext, state: FieldsState): Html {
  const { r, c, base, issue, value, withUnknown } = formParts(ctx, state);
  return html`<fieldset class="section section-child">
<legend>${r.abuse.childLegend}</legend>
${selectField({ ...base, id: 'f-childAgeBand', name: 'childAgeBand', label: r.abuse.ageLabel, value: value('childAgeBand'), placeholder: c.notSelected, choices: withUnknown(ageBands, c.ageBands), issue: issue('childAgeBand') })}
${radioGroup({ ...base, id: 'f-childSex', name: 'childSex', label: r.abuse.sexLabel, value: value('childSex'), choices: withUnknown(childSexes, c.childSexes), issue: issue('childSex') })}
</fieldset>`;
}

/** Who the reporter is to the child, and contact details with consent (all optional). */
export function reporterFields(ctx: PageContext, state: FieldsState): Html {
  const { reporter, problems, c, base, issue, value } = formParts(ctx, state);
  const consentIssue = issue('contact.consent');
  return html`<fieldset class="section section-reporter">
<legend>${reporter.legend}</legend>
${selectField({ ...base, id: 'f-reporterRelationship', name: 'reporterRelationship', label: reporter.relationshipLabel, value: value('reporterRelationship'), placeholder: c.notSelected, choices: reporterRelationships.map((k) => [k, c.reporterRelationships[k]] as const), issue: issue('reporterRelationship') })}
<fieldset class="contact" aria-describedby="contact-who">
<legend>${reporter.contactLegend}</legend>
<p id="contact-who">${reporter.contactWho}</p>
${textField({ ...base, id: 'f-contact-name', name: 'contact.name', label: reporter.nameLabel, value: value('contact.name'), maxlength: limits.contactName, autocomplete: 'off', issue: issue('contact.name') })}
${textField({ ...base, id: 'f-contact-phone', name: 'contact.phone', type: 'tel', label: reporter.phoneLabel, value: value('contact.phone'), maxlength: limits.contactPhone, dir: 'ltr', issue: issue('contact.phone') })}
${textField({ ...base, id: 'f-contact-email', name: 'contact.email', type: 'email', label: reporter.emailLabel, value: value('contact.email'), maxlength: limits.contactEmail, dir: 'ltr', issue: issue('contact.email') })}
<div class="field checkbox${consentIssue ? ' has-error' : ''}">
${consentIssue ? html`<p class="error" id="f-contact-consent-error">${problemText(problems, consentIssue.problem)}</p>` : ''}
<input type="checkbox" id="f-contact-consent" name="contact.consent" value="true"${value('contact.consent') === 'true' ? html` checked` : ''}${consentIssue ? html` aria-invalid="true" aria-describedby="f-contact-consent-error"` : ''}>
<label for="f-contact-consent">${reporter.consentLabel}</label>
</div>
</fieldset>
</fieldset>`;
}

/**
 * The whole report in one form, for staff filing on a caller's behalf (who post it to the
 * console and add their own fields before the submit button). The public reports in two short
 * steps (views/report-steps.ts) from the same parts.
 */
export function reportForm(ctx: PageContext, state: ReportFormState, options: { action: string; title: string; extra?: Html }): Html {
  const { r, base, problems, issue, value } = formParts(ctx, state);
  return html`<h1>${options.title}</h1>
${state.notice ? html`<p class="notice" role="alert">${state.notice}</p>` : ''}
${state.issues.length ? errorSummary(ctx, state.issues, reportFieldId, problems) : ''}
<p>${r.intro}</p>
<form method="post" action="${options.action}" class="report-form stack" novalidate>
<!-- Enter in a text field submits with the first submit button: make it the real one, not "add a link". -->
<button type="submit" hidden tabindex="-1">${r.submit}</button>
<input type="hidden" name="language" value="${ctx.lang}">
<input type="hidden" name="idempotencyKey" value="${state.idempotencyKey}">
${radioGroup({
  ...base,
  id: 'f-kind',
  name: 'kind',
  label: r.kindLegend,
  marker: r.required,
  required: true,
  issue: issue('kind'),
  value: value('kind'),
  choices: reportKinds.map((k) => [k, r.kinds[k]] as const),
  className: 'kind-choice',
})}

<fieldset class="section section-material">
<legend>${r.material.legend}</legend>
<div class="warning" role="note"><p><strong>${r.material.doNot}</strong></p><p>${r.material.doNotWhy}</p></div>
${linkFields(ctx, state)}
${siteField(ctx, state)}
</fieldset>

<fieldset class="section section-abuse">
<legend>${r.abuse.legend}</legend>
<div class="danger-box"><p>${r.abuse.dangerNow} <a href="tel:15">15</a></p></div>
${dangerQuestion(ctx, state)}
${incidentFields(ctx, state)}
</fieldset>

${childFields(ctx, state)}

${textArea({
  ...base,
  id: 'f-description',
  name: 'description',
  label: r.abuse.descriptionLabel,
  labelHtml: html`<label for="f-description"><span class="for-abuse">${r.abuse.descriptionLabel} <span class="marker">(${r.required})</span></span><span class="for-material">${r.material.descriptionLabel} <span class="marker">(${r.optional})</span></span></label>`,
  hint: r.abuse.descriptionHint,
  value: value('description'),
  maxlength: limits.description,
  issue: issue('description'),
})}

${reporterFields(ctx, state)}
${options.extra ?? ''}
<button type="submit" class="primary">${r.submit}</button>
</form>`;
}
