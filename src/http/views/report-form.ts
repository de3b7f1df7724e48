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
import { layout, type PageContext } from './layout.ts';
import { errorSummary, radioGroup, selectField, textArea, textField } from './fields.ts';

/** The form's values exactly as the person typed them, so a rejected form loses nothing. */
export type FormValues = Readonly<Record<string, FormValue>>;

export interface District {
  nameEn: string;
  nameUr: string;
}

export interface ReportFormState {
  values: FormValues;
  issues: readonly FieldIssue[];
  /** One more empty link field was asked for ("add another link" without JavaScript). */
  extraUrlField: boolean;
  idempotencyKey: string;
  districts: readonly District[];
  powChallengeUrl: string | undefined;
  /** Why the form is shown again when it was not for its answers (e.g. too many requests). */
  notice?: string | undefined;
}

/** Field name (as in the API) → the id of the element that shows its error. */
export function reportFieldId(field: string): string {
  if (field === 'urls') return 'f-urls-0';
  return `f-${field.replace(/\./g, '-')}`;
}

export function reportFormPage(ctx: PageContext, state: ReportFormState): Html {
  return layout(
    ctx,
    ctx.t.report.title,
    reportForm(ctx, state, { action: `/${ctx.lang}/report`, title: ctx.t.report.title }),
    state.powChallengeUrl ? { scripts: ['/assets/altcha-setup.js'] } : {},
  );
}

/**
 * The report form itself, for the public page and for staff filing on a caller's behalf (who
 * post it elsewhere and add their own fields before the submit button).
 */
export function reportForm(ctx: PageContext, state: ReportFormState, options: { action: string; title: string; extra?: Html }): Html {
  const { t } = ctx;
  const r = t.report;
  const c = r.choices;
  const issue = (field: string) => state.issues.find((i) => i.field === field);
  const value = (name: string) => single(state.values[name]);
  const base = { problems: t.problems };
  const withUnknown = <K extends string>(keys: readonly K[], names: Record<K, string>) => [
    ...keys.map((k) => [k, names[k]] as const),
    ['unknown', c.unknown] as const,
  ];

  const urls = list(state.values.urls).filter((u, i, all) => u.trim() !== '' || all.length === 1);
  if (urls.length === 0 || (state.extraUrlField && urls.length < maxUrlsPerReport)) urls.push('');
  const danger = value('inDangerNow');

  return html`<h1>${options.title}</h1>
${state.notice ? html`<p class="notice" role="alert">${state.notice}</p>` : ''}
${state.issues.length ? errorSummary(ctx, state.issues, reportFieldId) : ''}
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
<fieldset class="field urls" aria-describedby="f-urls-hint">
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
</fieldset>
${textField({ ...base, id: 'f-site', name: 'site', label: r.material.siteLabel, hint: r.material.siteHint, value: value('site'), maxlength: limits.site, marker: r.optional, issue: issue('site') })}
</fieldset>

<fieldset class="section section-abuse">
<legend>${r.abuse.legend}</legend>
<div class="danger-box"><p>${r.abuse.dangerNow} <a href="tel:15">15</a></p></div>
${radioGroup({
  ...base,
  id: 'f-inDangerNow',
  name: 'inDangerNow',
  label: r.abuse.dangerLabel,
  issue: issue('inDangerNow'),
  value: danger,
  choices: [
    ['true', c.yes],
    ['false', c.no],
    ['unknown', c.unknown],
  ],
  className: 'danger-question',
})}
<p class="danger-callout" role="note"><a href="tel:15">${t.emergency.action}</a></p>
${textField({ ...base, id: 'f-occurredOn', name: 'occurredOn', type: 'date', label: r.abuse.occurredOnLabel, hint: r.abuse.occurredOnHint, value: value('occurredOn'), marker: r.optional, issue: issue('occurredOn'), dir: 'ltr' })}
${selectField({ ...base, id: 'f-occurredPrecision', name: 'occurredPrecision', label: r.abuse.precisionLabel, value: value('occurredPrecision'), placeholder: c.notSelected, choices: datePrecisions.map((p) => [p, r.abuse.precisions[p]] as const), issue: issue('occurredPrecision') })}
${selectField({ ...base, id: 'f-province', name: 'province', label: r.abuse.provinceLabel, value: value('province'), placeholder: c.notSelected, choices: withUnknown(provinces, c.provinces), issue: issue('province') })}
${textField({ ...base, id: 'f-district', name: 'district', label: r.abuse.districtLabel, hint: r.abuse.districtHint, value: value('district'), list: 'districts', maxlength: limits.district, issue: issue('district') })}
<datalist id="districts">${state.districts.map((d) => html`<option value="${ctx.lang === 'ur' ? d.nameUr : d.nameEn}"></option>`)}</datalist>
${radioGroup({ ...base, id: 'f-area', name: 'area', label: r.abuse.areaLabel, value: value('area'), choices: withUnknown(areas, c.areas), issue: issue('area') })}
${selectField({ ...base, id: 'f-place', name: 'place', label: r.abuse.placeLabel, value: value('place'), placeholder: c.notSelected, choices: withUnknown(places, c.places), issue: issue('place') })}
${selectField({ ...base, id: 'f-abuserRelationship', name: 'abuserRelationship', label: r.abuse.abuserLabel, value: value('abuserRelationship'), placeholder: c.notSelected, choices: withUnknown(abuserRelationships, c.abuserRelationships), issue: issue('abuserRelationship') })}
${selectField({ ...base, id: 'f-policeStatus', name: 'policeStatus', label: r.abuse.policeLabel, value: value('policeStatus'), placeholder: c.notSelected, choices: withUnknown(policeStatuses, c.policeStatuses), issue: issue('policeStatus') })}
</fieldset>

<fieldset class="section section-child">
<legend>${r.abuse.childLegend}</legend>
${selectField({ ...base, id: 'f-childAgeBand', name: 'childAgeBand', label: r.abuse.ageLabel, value: value('childAgeBand'), placeholder: c.notSelected, choices: withUnknown(ageBands, c.ageBands), issue: issue('childAgeBand') })}
${radioGroup({ ...base, id: 'f-childSex', name: 'childSex', label: r.abuse.sexLabel, value: value('childSex'), choices: withUnknown(childSexes, c.childSexes), issue: issue('childSex') })}
</fieldset>

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

<fieldset class="section section-reporter">
<legend>${r.reporter.legend}</legend>
${selectField({ ...base, id: 'f-reporterRelationship', name: 'reporterRelationship', label: r.reporter.relationshipLabel, value: value('reporterRelationship'), placeholder: c.notSelected, choices: reporterRelationships.map((k) => [k, c.reporterRelationships[k]] as const), issue: issue('reporterRelationship') })}
<fieldset class="contact" aria-describedby="contact-who">
<legend>${r.reporter.contactLegend}</legend>
<p id="contact-who">${r.reporter.contactWho}</p>
${textField({ ...base, id: 'f-contact-name', name: 'contact.name', label: r.reporter.nameLabel, value: value('contact.name'), maxlength: limits.contactName, autocomplete: 'off', issue: issue('contact.name') })}
${textField({ ...base, id: 'f-contact-phone', name: 'contact.phone', type: 'tel', label: r.reporter.phoneLabel, value: value('contact.phone'), maxlength: limits.contactPhone, dir: 'ltr', issue: issue('contact.phone') })}
${textField({ ...base, id: 'f-contact-email', name: 'contact.email', type: 'email', label: r.reporter.emailLabel, value: value('contact.email'), maxlength: limits.contactEmail, dir: 'ltr', issue: issue('contact.email') })}
<div class="field checkbox${issue('contact.consent') ? ' has-error' : ''}">
${issue('contact.consent') ? html`<p class="error" id="f-contact-consent-error">${t.problems[issue('contact.consent')!.problem as keyof typeof t.problems] as string}</p>` : ''}
<input type="checkbox" id="f-contact-consent" name="contact.consent" value="true"${value('contact.consent') === 'true' ? html` checked` : ''}${issue('contact.consent') ? html` aria-invalid="true" aria-describedby="f-contact-consent-error"` : ''}>
<label for="f-contact-consent">${r.reporter.consentLabel}</label>
</div>
</fieldset>
</fieldset>

${state.powChallengeUrl ? html`<div class="pow" data-pow-challenge="${state.powChallengeUrl}"></div>` : ''}
${options.extra ?? ''}
<button type="submit" class="primary">${r.submit}</button>
</form>`;
}
