import { caseStates, closureReasons } from '../../../domain/case.ts';
import { queueFilterFields } from '../../../domain/case-search.ts';
import { provinces, reportKinds } from '../../../domain/report.ts';
import { maxUrlLength } from '../../../domain/url.ts';
import { canMoveCase } from '../../../domain/case-work.ts';
import {
  categories,
  classificationTags,
  firStatuses,
  legalBases,
  referralMethods,
  victimAgeBands,
  victimSexes,
} from '../../../domain/classification.ts';
import type { FieldIssue } from '../../../domain/errors.ts';
import { may, maySeeContact, mayTakeCaseWork } from '../../../domain/actor.ts';
import type {
  Agency,
  CaseView,
  ClassificationView,
  ContactDetails,
  DuplicateSuggestion,
  Queue,
  ReferralView,
  ReportView,
  ZarraStatus,
} from '../../../services/cases/index.ts';
import type { District } from '../../../services/districts.ts';
import type { StaffMember } from '../../../services/staff.ts';
import type { StaffStatus } from '../../../domain/staff.ts';
import { list, single, yesOrNo, type FormValue } from '../../form-input.ts';
import { attrs, html, type Html } from '../html.ts';
import { errorSummary, selectField, textArea, textField, type ProblemText } from '../fields.ts';
import { consoleLayout, consolePath, consoleTime, csrfField, type ConsoleContext } from './layout.ts';
import { agencyName, followUpDefaultHint } from './agencies.ts';
import { zarraSection } from './zarra-section.ts';

type Choices = readonly (readonly [string, string])[];
const pairs = (keys: readonly string[], names: Record<string, string>): Choices => keys.map((k) => [k, names[k] ?? k] as const);

/** The page's times in its language (layout.ts, consoleTime). */
function timeFormat(ctx: ConsoleContext) {
  return { format: (date: Date) => consoleTime(ctx.lang, date) };
}

function problems(ctx: ConsoleContext): ProblemText {
  return { ...ctx.t.problems, ...ctx.c.problems } as ProblemText;
}

function summaryOf(ctx: ConsoleContext, issues: readonly FieldIssue[] | undefined, prefix: string): Html | '' {
  return issues?.length ? errorSummary(ctx, issues, (f) => `${prefix}-${f.replace(/\./g, '-')}`, problems(ctx)) : '';
}

const postForm = (ctx: ConsoleContext, action: string, body: Html, className = 'stack') =>
  html`<form method="post" action="${consolePath(ctx.lang, action)}" class="${className}">${csrfField(ctx)}${body}</form>`;

/**
 * An ISO date (2025-03-01), kept left to right (in Urdu text the bidi algorithm would reorder
 * its parts) and on one line (not broken at a hyphen in a narrow column).
 */
const isoDate = (date: string) => html`<bdi dir="ltr" class="date">${date}</bdi>`;

/** What a rejected form had in it, to show it again as typed (lists for repeated names). */
type Typed = Record<string, FormValue>;

/** A page's form that was refused: its problems and what it had in it, shown again beside it. */
interface RefusedForm {
  issues?: readonly FieldIssue[] | undefined;
  /** Which of the page's forms the issues belong to. */
  issuesFor?: string | undefined;
  typed?: Typed | undefined;
}

/** The refused form's problems and typed values, asked for by form: none for the page's other forms. */
function refusedFormOf(state: RefusedForm) {
  const issuesFor = (form: string) => (state.issuesFor === form ? state.issues : undefined);
  return {
    issuesFor,
    issue: (form: string, field: string) => issuesFor(form)?.find((i) => i.field === field),
    typed: (form: string, field: string) => (state.issuesFor === form ? single(state.typed?.[field]) : undefined),
  };
}

function staffName(staff: readonly StaffMember[], id: string | null, fallback: string): string {
  return id ? (staff.find((s) => s.id === id)?.displayName ?? id) : fallback;
}

/** What the queue was asked for: the filters as typed, or a link (from the POST form only). */
export interface QueueSearch {
  /** The GET form's fields as typed (queueFilterFields and page), shown again in the form. */
  typed: Readonly<Record<string, string>>;
  /** Problems with the filters or the link: the form is shown again with them, and no results. */
  issues?: readonly FieldIssue[] | undefined;
  /** The link searched for, typed: shown only in the POST result's form, never in an address. */
  link?: string | undefined;
}

/** The queue's address with these filters and page (the GET form's fields; never a link). */
function queueAddress(ctx: ConsoleContext, typed: Readonly<Record<string, string>>, page: number): string {
  const query = new URLSearchParams();
  for (const field of queueFilterFields) if (typed[field]) query.set(field, typed[field]);
  if (page > 1) query.set('page', String(page));
  const text = query.toString();
  return consolePath(ctx.lang, text ? `/?${text}` : '/');
}

function checkbox(id: string, name: string, label: string, checked: boolean): Html {
  return html`<div class="field choice"><input type="checkbox" id="${id}" name="${name}" value="yes"${attrs({ checked })}><label for="${id}">${label}</label></div>`;
}

function queueSearchForms(ctx: ConsoleContext, search: QueueSearch, staff: readonly StaffMember[], districts: readonly District[]): Html {
  const q = ctx.c.queue;
  const e = ctx.c.enums;
  const p = problems(ctx);
  const typed = search.typed;
  const issue = (field: string) => search.issues?.find((i) => i.field === field);
  const linkIssues = search.link !== undefined ? search.issues : undefined;
  const filterIssues = search.link === undefined ? search.issues : undefined;
  return html`<section aria-labelledby="search-heading">
<h2 id="search-heading">${q.search}</h2>
${filterIssues?.length ? errorSummary(ctx, filterIssues, (f) => `f-${f}`, p) : ''}
<form method="get" action="${consolePath(ctx.lang, '/')}" class="stack">
${textField({ id: 'f-reference', name: 'reference', label: q.referenceFilter, value: typed.reference, maxlength: 20, dir: 'ltr', issue: issue('reference'), problems: p })}
${selectField({ id: 'f-state', name: 'state', label: q.filter, value: typed.state, placeholder: q.all, choices: pairs(caseStates, e.states), issue: issue('state'), problems: p })}
${selectField({ id: 'f-kind', name: 'kind', label: q.kind, value: typed.kind, placeholder: q.anyChoice, choices: pairs(reportKinds, e.kinds), issue: issue('kind'), problems: p })}
${selectField({ id: 'f-province', name: 'province', label: q.province, value: typed.province, placeholder: q.anyChoice, choices: pairs(provinces, ctx.t.report.choices.provinces), issue: issue('province'), problems: p })}
${selectField({ id: 'f-district', name: 'district', label: q.district, value: typed.district, placeholder: q.anyChoice, choices: districtChoices(ctx, districts), issue: issue('district'), problems: p })}
${selectField({
  id: 'f-assignee',
  name: 'assignee',
  label: q.assigned,
  value: typed.assignee,
  placeholder: q.anyChoice,
  choices: [['none', q.unassigned] as const, ...staff.map((member) => [member.id, member.displayName] as const)],
  issue: issue('assignee'),
  problems: p,
})}
${textField({ id: 'f-receivedFrom', name: 'receivedFrom', type: 'date', label: q.receivedFrom, value: typed.receivedFrom, issue: issue('receivedFrom'), problems: p })}
${textField({ id: 'f-receivedTo', name: 'receivedTo', type: 'date', label: q.receivedTo, value: typed.receivedTo, issue: issue('receivedTo'), problems: p })}
${checkbox('f-danger', 'danger', q.dangerOnly, typed.danger === 'yes')}
${checkbox('f-overdue', 'overdue', q.overdueOnly, typed.overdue === 'yes')}
<p class="actions"><button type="submit">${q.apply}</button> <a href="${consolePath(ctx.lang, '/')}">${q.clear}</a></p>
</form>
<h3 id="link-search-heading">${q.linkSearch}</h3>
${linkIssues?.length ? errorSummary(ctx, linkIssues, (f) => `f-${f}`, p) : ''}
${postForm(
  ctx,
  '/find-link',
  html`${textField({ id: 'f-link', name: 'link', label: q.link, hint: q.linkHint, value: search.link, maxlength: maxUrlLength, dir: 'ltr', issue: linkIssues?.find((i) => i.field === 'link'), problems: p })}
<button type="submit" class="secondary">${q.findLink}</button>`,
)}
<p class="hint">${q.noFullText}</p>
</section>`;
}

/** Pages of the queue: links with the filters; for a link's results, POST forms that send the link again (never in an address). */
function queuePager(ctx: ConsoleContext, queue: Queue, search: QueueSearch): Html {
  const q = ctx.c.queue;
  const link = search.link;
  const to = (page: number, rel: 'prev' | 'next', label: string) =>
    link === undefined
      ? html`<a rel="${rel}" href="${queueAddress(ctx, search.typed, page)}">${label}</a>`
      : postForm(
          ctx,
          '/find-link',
          html`<input type="hidden" name="link" value="${link}"><input type="hidden" name="page" value="${String(page)}"><button type="submit" class="secondary" data-rel="${rel}">${label}</button>`,
          'inline',
        );
  return html`<nav aria-label="${q.paging}" class="pager"><p>${link === undefined ? '' : html`${q.linkResults(queue.total)} `}${q.pageOf(queue.page, queue.pages, queue.total)}</p>
${queue.page > 1 ? to(queue.page - 1, 'prev', q.previousPage) : ''}
${queue.page < queue.pages ? html` ${to(queue.page + 1, 'next', q.nextPage)}` : ''}
</nav>`;
}

export function queuePage(
  ctx: ConsoleContext,
  state: {
    queue: Queue;
    search: QueueSearch;
    staff: readonly StaffMember[];
    districts: readonly District[];
    /** For the agencies' Urdu names in the overdue follow-ups. */
    agencies?: readonly Agency[];
  },
): Html {
  const q = ctx.c.queue;
  const e = ctx.c.enums;
  const time = timeFormat(ctx);
  const { queue, search } = state;
  const refused = Boolean(search.issues?.length);
  return consoleLayout(
    ctx,
    q.title,
    html`<h1>${q.title}</h1>
<section aria-labelledby="counts-heading">
<h2 id="counts-heading">${q.counts}</h2>
<ul class="counts">${caseStates.map((s) => html`<li><a href="${consolePath(ctx.lang, `/?state=${s}`)}">${e.states[s]}: <strong>${queue.counts[s]}</strong></a></li>`)}</ul>
</section>
${queueSearchForms(ctx, search, state.staff, state.districts)}
${
  queue.overdueTasks.length
    ? html`<section aria-labelledby="tasks-heading"><h2 id="tasks-heading">${q.overdueTasks}</h2><ul>${queue.overdueTasks.map(
        (task) =>
          html`<li><a href="${consolePath(ctx.lang, `/cases/${task.caseId}`)}"><bdi dir="ltr">${task.reference}</bdi></a>: ${task.title} (${isoDate(task.dueOn)})</li>`,
      )}</ul></section>`
    : ''
}
${
  queue.overdueFollowUps.length
    ? html`<section aria-labelledby="followups-heading"><h2 id="followups-heading">${q.overdueFollowUps}</h2><ul>${queue.overdueFollowUps.map(
        (f) =>
          html`<li><a href="${consolePath(ctx.lang, `/cases/${f.caseId}`)}"><bdi dir="ltr">${f.reference}</bdi></a>: ${agencyName(ctx, { name: f.agency, nameUr: state.agencies?.find((a) => a.name === f.agency)?.nameUr })}, ${e.firStatuses[f.firStatus]} (${isoDate(f.followUpOn)})</li>`,
      )}</ul></section>`
    : ''
}
${
  refused
    ? ''
    : queue.items.length === 0
      ? html`<p>${q.empty}</p>`
      : html`${queuePager(ctx, queue, search)}<div class="table-scroll" tabindex="0" role="region" aria-label="${q.title}"><table class="queue">
<thead><tr><th scope="col">${q.reference}</th><th scope="col">${q.due}</th><th scope="col">${q.kind}</th><th scope="col">${q.age}</th><th scope="col">${q.category}</th><th scope="col">${ctx.c.case.state}</th><th scope="col">${q.assigned}</th></tr></thead>
<tbody>${queue.items.map(
          (item) => html`<tr${attrs({ class: item.overdue ? 'overdue' : undefined })}>
<td><a href="${consolePath(ctx.lang, `/reports/${item.reportIds[0]}`)}"><bdi dir="ltr">${item.case.reference}</bdi></a>
${item.inDangerNow ? html`<br><strong class="danger-flag">${q.danger}</strong>` : ''}
${item.hasUnreadMessages ? html`<br><strong>${q.unread}</strong>` : ''}</td>
<td>${item.dueAt ? time.format(item.dueAt) : ''}${item.overdueBecause.includes('triage') ? html` <strong class="danger-flag">${q.overdueTriage}</strong>` : ''}${
            item.zarraDueAt && !item.zarraNotified
              ? html`${item.dueAt ? html`<br>` : ''}${ctx.c.zarra.notifyBy}: ${time.format(item.zarraDueAt)}`
              : ''
          }${item.overdueBecause.includes('zarra') ? html` <strong class="danger-flag">${ctx.c.zarra.overdue}</strong>` : ''}<br><span class="hint">${q.received}: ${time.format(item.receivedAt)}</span></td>
<td>${item.kinds.map((k) => (e.kinds as Record<string, string>)[k] ?? k).join(', ')}</td>
<td>${(ctx.t.report.choices.ageBands as Record<string, string>)[item.ageBand] ?? ctx.t.report.choices.unknown}</td>
<td>${item.category ? ((e.categories as Record<string, string>)[item.category] ?? item.category) : ''}</td>
<td>${e.states[item.case.state]}</td>
<td>${staffName(state.staff, item.case.assignedTo, q.unassigned)}</td>
</tr>`,
        )}</tbody></table></div>`
}`,
  );
}

function choiceName(names: Record<string, string>, value: string | null | undefined, unknown: string): string {
  return value && value !== 'unknown' ? (names[value] ?? value) : unknown;
}

/**
 * A district in the page's language: a report keeps a listed district by the list's English name,
 * so Urdu pages show the list's Urdu name for it (the one in the report's province first: names are
 * unique within a province); a name not on the list is shown as it was typed.
 */
function districtName(ctx: ConsoleContext, districts: readonly District[], stored: string, province?: string | null): string {
  if (ctx.lang !== 'ur') return stored;
  const listed = districts.find((d) => d.nameEn === stored && d.province === province) ?? districts.find((d) => d.nameEn === stored);
  return listed?.nameUr ?? stored;
}

/** The listed districts to search by: each stored English name once, named and sorted in the page's language. */
function districtChoices(ctx: ConsoleContext, districts: readonly District[]): Choices {
  const byStoredName = new Map(districts.map((d) => [d.nameEn, ctx.lang === 'ur' ? d.nameUr : d.nameEn] as const));
  const collator = new Intl.Collator(ctx.lang);
  return [...byStoredName].sort(([, a], [, b]) => collator.compare(a, b));
}

/** The values a classification form shows: the saved classification, or what was just typed. */
interface ClassificationShown {
  category?: string | undefined;
  legalBases: readonly string[];
  interpolBaseline: boolean | null;
  tags: readonly string[];
  victimAgeBand?: string | undefined;
  victimSex?: string | undefined;
  materialViewed: boolean | null;
  viewedBy?: string | undefined;
}

function typedClassification(typed: Typed): ClassificationShown {
  return {
    category: single(typed.category),
    legalBases: list(typed.legalBases),
    interpolBaseline: yesOrNo(typed.interpolBaseline),
    tags: list(typed.tags),
    victimAgeBand: single(typed.victimAgeBand),
    victimSex: single(typed.victimSex),
    materialViewed: yesOrNo(typed.materialViewed),
    viewedBy: single(typed.viewedBy),
  };
}

function classificationForm(
  ctx: ConsoleContext,
  action: string,
  prefix: string,
  current: ClassificationShown | null,
  issues: readonly FieldIssue[] | undefined,
  legend: string,
): Html {
  const k = ctx.c.classification;
  const e = ctx.c.enums;
  const p = problems(ctx);
  const issue = (field: string) => issues?.find((i) => i.field === field);
  const checkboxes = (name: string, label: string, keys: readonly string[], names: Record<string, string>, checked: readonly string[]) =>
    html`<fieldset class="field checkboxes" id="${prefix}-${name}"><legend>${label}</legend>${keys.map(
      (key) =>
        html`<div class="choice"><input type="checkbox" id="${prefix}-${name}-${key}" name="${name}" value="${key}"${attrs({ checked: checked.includes(key) })}><label for="${prefix}-${name}-${key}">${names[key] ?? key}</label></div>`,
    )}</fieldset>`;
  const tristate = (name: string, label: string, value: boolean | null | undefined) =>
    selectField({
      id: `${prefix}-${name}`,
      name,
      label,
      value: value === true ? 'true' : value === false ? 'false' : '',
      placeholder: k.notAssessed,
      choices: [
        ['true', ctx.t.report.choices.yes],
        ['false', ctx.t.report.choices.no],
      ],
      problems: p,
      issue: issue(name),
    });
  return postForm(
    ctx,
    action,
    html`<fieldset><legend>${legend}</legend>
${selectField({ id: `${prefix}-category`, name: 'category', label: k.category, value: current?.category, placeholder: ctx.t.report.choices.notSelected, choices: pairs(categories, e.categories), problems: p, issue: issue('category') })}
${checkboxes('legalBases', k.legalBases, legalBases, e.legalBases, current?.legalBases ?? [])}
${tristate('interpolBaseline', k.interpol, current?.interpolBaseline)}
${checkboxes('tags', k.tags, classificationTags, e.tags, current?.tags ?? [])}
${selectField({ id: `${prefix}-victimAgeBand`, name: 'victimAgeBand', label: k.victimAge, value: current?.victimAgeBand, placeholder: ctx.t.report.choices.notSelected, choices: pairs(victimAgeBands, { ...ctx.t.report.choices.ageBands, unknown: ctx.t.report.choices.unknown }), problems: p, issue: issue('victimAgeBand') })}
${selectField({ id: `${prefix}-victimSex`, name: 'victimSex', label: k.victimSex, value: current?.victimSex, placeholder: ctx.t.report.choices.notSelected, choices: pairs(victimSexes, { ...ctx.t.report.choices.childSexes, unknown: ctx.t.report.choices.unknown }), problems: p, issue: issue('victimSex') })}
${tristate('materialViewed', k.viewed, current?.materialViewed)}
${textField({ id: `${prefix}-viewedBy`, name: 'viewedBy', label: k.viewedBy, value: current?.viewedBy ?? undefined, problems: p, issue: issue('viewedBy') })}
<button type="submit">${ctx.c.report.save}</button>
</fieldset>`,
  );
}

export interface ReportPageState extends RefusedForm {
  report: ReportView;
  duplicates: readonly DuplicateSuggestion[];
  staff: readonly StaffMember[];
  /** The district list, to name a listed district in the page's language. */
  districts: readonly District[];
  /** Set after an explicit, audited copy. */
  copied?: { position: number; url: string } | undefined;
  /** Set after an explicit, audited reveal. */
  contact?: ContactDetails | null | undefined;
}

/** For a report staff filed for a caller: who filed it, how the caller reached them, when, and the caller's consent to filing. */
function filedLine(ctx: ConsoleContext, state: ReportPageState, when: string): Html | '' {
  const { report } = state;
  if (report.source !== 'staff' || !report.filedBy) return '';
  const r = ctx.c.report;
  const how = report.filingChannel ? r.filedHow[report.filingChannel] : r.filedHowUnknown;
  const consent = report.filingConsent ? r.filingConsent.recorded : r.filingConsent.missing;
  return html`<p class="filed-by">${r.filed(staffName(state.staff, report.filedBy, ''), how, when, consent)}</p>`;
}

export function reportPage(ctx: ConsoleContext, state: ReportPageState): Html {
  const r = ctx.c.report;
  const e = ctx.c.enums;
  const ch = ctx.t.report.choices;
  const { report } = state;
  const time = timeFormat(ctx);
  const canWork = !!ctx.staff && may(ctx.staff, 'workCases') && report.case.state !== 'closed';
  const unknown = ch.unknown;
  const facts: [string, string | Html][] = [
    [r.fields.kind, choiceName(e.kinds, report.kind, unknown)],
    [r.fields.source, choiceName(e.sources, report.source, unknown)],
    [r.fields.received, time.format(report.receivedAt)],
    [r.fields.occurredOn, report.occurredOn ? isoDate(report.occurredOn) : unknown],
    [r.fields.danger, report.inDangerNow === true ? ch.yes : report.inDangerNow === false ? ch.no : unknown],
    [r.fields.province, choiceName(ch.provinces, report.province, unknown)],
    [
      r.fields.district,
      report.district ? html`<bdi>${districtName(ctx, state.districts, report.district, report.province)}</bdi>` : unknown,
    ],
    [r.fields.area, choiceName(ch.areas, report.area, unknown)],
    [r.fields.age, choiceName(ch.ageBands, report.childAgeBand, unknown)],
    [r.fields.sex, choiceName(ch.childSexes, report.childSex, unknown)],
    [r.fields.abuser, choiceName(ch.abuserRelationships, report.abuserRelationship, unknown)],
    [r.fields.place, choiceName(ch.places, report.place, unknown)],
    [r.fields.police, choiceName(ch.policeStatuses, report.policeStatus, unknown)],
    [r.fields.reporter, choiceName(ch.reporterRelationships, report.reporterRelationship, unknown)],
  ];
  const base = `/reports/${report.id}`;
  const { issuesFor, issue, typed } = refusedFormOf(state);
  const shown = (form: string, saved: ClassificationView | null) =>
    state.issuesFor === form && state.typed ? typedClassification(state.typed) : saved;
  return consoleLayout(
    ctx,
    r.title(report.case.reference),
    html`<h1>${r.title(report.case.reference)}</h1>
<p><a href="${consolePath(ctx.lang, `/cases/${report.case.id}`)}">${r.openCase}</a> · ${ctx.c.case.state}: ${e.states[report.case.state]}</p>
${report.inDangerNow ? html`<p class="danger-reminder"><strong>${ctx.c.queue.danger}</strong></p>` : ''}
<section aria-labelledby="facts-heading">
<h2 id="facts-heading">${r.facts}</h2>
${filedLine(ctx, state, time.format(report.receivedAt))}
${report.detailsAddedAt ? html`<p>${r.detailsAdded(time.format(report.detailsAddedAt))}</p>` : ''}
<dl class="facts">${facts.map(([term, value]) => html`<dt>${term}</dt><dd>${value}</dd>`)}</dl>
${report.site ? html`<h3>${r.site}</h3><p class="user-text" dir="auto">${report.site}</p>` : ''}
${report.description ? html`<h3>${r.narrative}</h3><p class="user-text" dir="auto">${report.description}</p>` : ''}
</section>
<section aria-labelledby="urls-heading">
<h2 id="urls-heading">${r.urls}</h2>
${
  report.urls.length === 0
    ? html`<p>${r.noUrls}</p>`
    : html`<ol class="urls">${report.urls.map(
        (u) => html`<li><code dir="ltr" class="break">${u.defanged}</code>
${u.classification ? html` — ${(e.categories as Record<string, string>)[u.classification.category] ?? u.classification.category}` : ''}
${
  state.copied?.position === u.position
    ? html`<div class="notice"><label for="copy-${u.position}">${r.copyHeading}</label><p>${r.copyWarning}</p><textarea id="copy-${u.position}" readonly rows="2" dir="ltr">${state.copied.url}</textarea></div>`
    : postForm(
        ctx,
        `${base}/copy-url`,
        html`<input type="hidden" name="position" value="${u.position}"><button type="submit" class="secondary">${r.copyUrl}</button>`,
        'inline',
      )
}
${
  canWork
    ? html`<details${attrs({ open: !!issuesFor(`url-${u.position}`) })}><summary>${r.classifyUrl(u.position + 1)}</summary>${classificationForm(ctx, `${base}/urls/${u.position}/classify`, `u${u.position}`, shown(`url-${u.position}`, u.classification), issuesFor(`url-${u.position}`), r.classifyUrl(u.position + 1))}</details>`
    : ''
}</li>`,
      )}</ol>`
}
</section>
<section aria-labelledby="contact-heading">
<h2 id="contact-heading">${r.contact}</h2>
${
  !report.hasContact
    ? html`<p>${r.noContact}</p>`
    : state.contact
      ? html`<dl class="facts"><dt>${ctx.t.report.reporter.nameLabel}</dt><dd><bdi>${state.contact.name ?? ''}</bdi></dd><dt>${ctx.t.report.reporter.phoneLabel}</dt><dd><bdi dir="ltr">${state.contact.phone ?? ''}</bdi></dd><dt>${ctx.t.report.reporter.emailLabel}</dt><dd><bdi dir="ltr">${state.contact.email ?? ''}</bdi></dd></dl>`
      : html`<p>${r.contactHidden}</p>${ctx.staff && maySeeContact(ctx.staff, report.case) ? postForm(ctx, `${base}/reveal-contact`, html`<button type="submit" class="secondary">${r.revealContact}</button>`, 'inline') : ''}`
}
</section>
${canWork ? html`<section aria-labelledby="classify-heading"><h2 id="classify-heading">${r.classify}</h2>${summaryOf(ctx, issuesFor('report'), 'c')}${classificationForm(ctx, `${base}/classify`, 'c', shown('report', report.classification), issuesFor('report'), r.classify)}</section>` : ''}
<section aria-labelledby="messages-heading">
<h2 id="messages-heading">${r.messages}</h2>
${
  report.messages.length === 0
    ? html`<p>${r.noMessages}</p>`
    : html`<ol class="thread">${report.messages.map(
        (m) =>
          html`<li class="message from-${m.author}"><p class="meta">${m.author === 'staff' ? `${r.fromStaff} (${staffName(state.staff, m.staffId, r.fromStaff)})` : r.fromReporter} · ${time.format(m.createdAt)}</p><p class="body user-text" dir="auto">${m.body}</p></li>`,
      )}</ol>`
}
${
  canWork
    ? html`${summaryOf(ctx, issuesFor('message'), 'm')}${postForm(
        ctx,
        `${base}/messages`,
        html`${textArea({ id: 'm-body', name: 'body', label: r.ask, value: typed('message', 'body'), maxlength: 5000, problems: problems(ctx), issue: issue('message', 'body') })}<button type="submit">${r.send}</button>`,
      )}`
    : ''
}
</section>
<section aria-labelledby="duplicates-heading">
<h2 id="duplicates-heading">${r.duplicates}</h2>
${
  state.duplicates.length === 0
    ? html`<p>${r.noDuplicates}</p>`
    : html`<ul>${state.duplicates.map(
        (
          d,
        ) => html`<li><a href="${consolePath(ctx.lang, `/reports/${d.reportId}`)}"><bdi dir="ltr">${d.reference}</bdi></a> (${[d.sameUrl ? r.sameUrl : '', d.sameIncident ? r.sameIncident : ''].filter(Boolean).join(', ')}; ${e.states[d.state]})
${canWork && d.caseId !== report.case.id ? postForm(ctx, `/cases/${report.case.id}/link`, html`<input type="hidden" name="otherCaseId" value="${d.caseId}"><button type="submit" class="secondary">${r.link}</button>`, 'inline') : ''}</li>`,
      )}</ul>`
}
</section>`,
  );
}

/**
 * One referral below the table: its notes (decrypted: whoever sees the case page may read the case),
 * their line breaks kept, and for those who work on the case a form to follow it up: the FIR status,
 * the follow-up date (left empty: none), and a note added to the others under its date and author.
 */
function referralFollowUp(ctx: ConsoleContext, state: CasePageState, r: ReferralView, canWork: boolean): Html {
  const k = ctx.c.case;
  const p = problems(ctx);
  const { issue, typed } = refusedFormOf(state);
  const form = `referral-${r.id}`;
  const agency = agencyName(ctx, { name: r.agency, nameUr: r.agencyUr });
  return html`<div class="referral"><h3>${agency}, ${timeFormat(ctx).format(r.referredAt)}</h3>
${r.notes ? html`<h4>${k.notes}</h4><p class="body user-text" dir="auto">${r.notes}</p>` : ''}
${
  canWork
    ? postForm(
        ctx,
        `/cases/${state.case.id}/referrals/${r.id}`,
        html`<fieldset><legend>${k.followUpReferral(agency)}</legend>
${selectField({ id: `${form}-firStatus`, name: 'firStatus', label: k.firStatus, value: typed(form, 'firStatus') ?? r.firStatus, placeholder: ctx.t.report.choices.notSelected, choices: pairs(firStatuses, ctx.c.enums.firStatuses), problems: p, issue: issue(form, 'firStatus') })}
${textField({ id: `${form}-followUpOn`, name: 'followUpOn', type: 'date', label: k.followUpOn, hint: k.followUpHint, value: typed(form, 'followUpOn') ?? r.followUpOn ?? undefined, dir: 'ltr', problems: p, issue: issue(form, 'followUpOn') })}
${textArea({ id: `${form}-notes`, name: 'notes', label: k.addToReferralNotes, value: typed(form, 'notes'), rows: 3, maxlength: 10_000, problems: p, issue: issue(form, 'notes') })}
<button type="submit" class="secondary">${k.updateReferral}</button></fieldset>`,
      )
    : ''
}</div>`;
}

export interface CasePageState extends RefusedForm {
  case: CaseView;
  /** Every account: names for the page, and those who may take case work for its selects. */
  staff: readonly (StaffMember & { status: StaffStatus })[];
  agencies: readonly Agency[];
  /** The case's ZARRA clock and record (zarra-section.ts); null or left out: none shown. */
  zarra?: ZarraStatus | null;
}

export function casePage(ctx: ConsoleContext, state: CasePageState): Html {
  const k = ctx.c.case;
  const e = ctx.c.enums;
  const p = problems(ctx);
  const time = timeFormat(ctx);
  const view = state.case;
  const staff = ctx.staff!;
  const open = view.state !== 'closed';
  const canWork = may(staff, 'workCases') && open;
  const supervising = may(staff, 'superviseCases');
  const { issue, typed } = refusedFormOf(state);
  const base = `/cases/${view.id}`;
  const nextStates = caseStates.filter((s) => s !== 'closed' && canMoveCase(view.state, s));
  const caseWorkers = state.staff.filter(mayTakeCaseWork);
  return consoleLayout(
    ctx,
    k.title(view.reference),
    html`<h1>${k.title(view.reference)}</h1>
<p><a href="${consolePath(ctx.lang, `${base}/record`)}">${ctx.c.handover.recordLink}</a> · <a href="${consolePath(ctx.lang, `${base}/court-checklist`)}">${ctx.c.handover.checklistLink}</a></p>
${state.issues?.length ? summaryOf(ctx, state.issues, `${state.issuesFor}`) : ''}
<dl class="facts">
<dt>${k.state}</dt><dd>${e.states[view.state]}${view.closureReason ? html` (${e.closureReasons[view.closureReason]})` : ''}</dd>
<dt>${ctx.c.queue.assigned}</dt><dd>${staffName(state.staff, view.assignedTo, k.nobody)}</dd>
</dl>
${view.unreadReporterMessages > 0 && canWork ? postForm(ctx, `${base}/mark-read`, html`<p><strong>${ctx.c.queue.unread}</strong> <button type="submit" class="secondary">${k.markRead}</button></p>`, 'inline') : ''}
${
  supervising && open
    ? postForm(
        ctx,
        `${base}/assign`,
        html`${selectField({ id: 'assign-staffId', name: 'staffId', label: k.assignTo, value: view.assignedTo ?? undefined, placeholder: k.nobody, choices: caseWorkers.map((s) => [s.id, s.displayName] as const), problems: p })}<button type="submit" class="secondary">${k.assign}</button>`,
        'inline',
      )
    : ''
}
${
  canWork && nextStates.length
    ? postForm(
        ctx,
        `${base}/state`,
        html`${selectField({ id: 'state-state', name: 'state', label: k.move, value: typed('state', 'state'), placeholder: ctx.t.report.choices.notSelected, choices: pairs(nextStates, e.states), problems: p, issue: issue('state', 'state') })}<button type="submit" class="secondary">${k.move}</button>`,
        'inline',
      )
    : ''
}
<section aria-labelledby="reports-heading"><h2 id="reports-heading">${k.reports}</h2>
<ul>${view.reports.map((r) => html`<li><a href="${consolePath(ctx.lang, `/reports/${r.id}`)}">${(e.kinds as Record<string, string>)[r.kind] ?? r.kind}, ${time.format(r.receivedAt)}</a>${r.inDangerNow ? html` <strong class="danger-flag">${ctx.c.queue.danger}</strong>` : ''}</li>`)}</ul>
</section>
${zarraSection(ctx, { zarra: state.zarra, canWork, issues: state.issues, issuesFor: state.issuesFor, typed: state.typed })}
<section aria-labelledby="referrals-heading"><h2 id="referrals-heading">${k.referrals}</h2>
${
  view.referrals.length
    ? html`<div class="table-scroll" tabindex="0" role="region" aria-label="${k.referrals}"><table><thead><tr><th scope="col">${k.agency}</th><th scope="col">${k.referredAt}</th><th scope="col">${k.method}</th><th scope="col">${k.agencyReference}</th><th scope="col">${k.firStatus}</th><th scope="col">${k.followUpOn}</th></tr></thead><tbody>${view.referrals.map(
        (r) =>
          html`<tr${attrs({ class: r.followUpOverdue ? 'overdue' : undefined })}><td>${agencyName(ctx, { name: r.agency, nameUr: r.agencyUr })}</td><td>${time.format(r.referredAt)}</td><td>${e.methods[r.method as keyof typeof e.methods] ?? r.method}</td><td><bdi dir="ltr">${r.agencyReference ?? ''}</bdi></td><td>${e.firStatuses[r.firStatus]}</td><td>${r.followUpOn ? isoDate(r.followUpOn) : ''}${r.followUpOverdue ? html` <strong class="danger-flag">${ctx.c.queue.overdue}</strong>` : ''}</td></tr>`,
      )}</tbody></table></div>
${view.referrals.map((r) => referralFollowUp(ctx, state, r, canWork))}`
    : ''
}
${
  canWork
    ? postForm(
        ctx,
        `${base}/referrals`,
        html`<fieldset><legend>${k.addReferral}</legend>
${selectField({ id: 'referral-agencyId', name: 'agencyId', label: k.agency, value: typed('referral', 'agencyId'), placeholder: ctx.t.report.choices.notSelected, choices: state.agencies.map((a) => [a.id, agencyName(ctx, a)] as const), problems: p, issue: issue('referral', 'agencyId') })}
${textField({ id: 'referral-referredAt', name: 'referredAt', type: 'datetime-local', label: k.referredAt, value: typed('referral', 'referredAt'), dir: 'ltr', problems: p, issue: issue('referral', 'referredAt') })}
${selectField({ id: 'referral-method', name: 'method', label: k.method, value: typed('referral', 'method'), placeholder: ctx.t.report.choices.notSelected, choices: pairs(referralMethods, e.methods), problems: p, issue: issue('referral', 'method') })}
${textField({ id: 'referral-agencyReference', name: 'agencyReference', label: k.agencyReference, value: typed('referral', 'agencyReference'), dir: 'ltr', problems: p, issue: issue('referral', 'agencyReference') })}
${selectField({ id: 'referral-firStatus', name: 'firStatus', label: k.firStatus, value: typed('referral', 'firStatus'), placeholder: ctx.t.report.choices.notSelected, choices: pairs(firStatuses, e.firStatuses), problems: p, issue: issue('referral', 'firStatus') })}
${textField({ id: 'referral-followUpOn', name: 'followUpOn', type: 'date', label: k.followUpOn, hint: followUpDefaultHint(ctx, state.agencies), value: typed('referral', 'followUpOn'), dir: 'ltr', problems: p, issue: issue('referral', 'followUpOn') })}
${checkbox('referral-noFollowUp', 'noFollowUp', k.noFollowUp, typed('referral', 'noFollowUp') === 'yes')}
${textArea({ id: 'referral-notes', name: 'notes', label: k.referralNotes, value: typed('referral', 'notes'), maxlength: 10_000, problems: p, issue: issue('referral', 'notes') })}
<button type="submit">${k.addReferral}</button></fieldset>`,
      )
    : ''
}
</section>
<section aria-labelledby="tasks-heading"><h2 id="tasks-heading">${k.tasks}</h2>
<ul>${view.tasks.map(
      (
        task,
      ) => html`<li>${task.title} (${isoDate(task.dueOn)})${task.doneAt ? html` — ${k.done}` : task.overdue ? html` <strong class="danger-flag">${ctx.c.queue.overdue}</strong>` : ''}
${canWork && !task.doneAt ? postForm(ctx, `${base}/tasks/${task.id}/done`, html`<button type="submit" class="secondary">${k.markDone}</button>`, 'inline') : ''}</li>`,
    )}</ul>
${
  canWork
    ? postForm(
        ctx,
        `${base}/tasks`,
        html`${textField({ id: 'task-title', name: 'title', label: k.taskTitle, value: typed('task', 'title'), problems: p, issue: issue('task', 'title') })}
${textField({ id: 'task-dueOn', name: 'dueOn', type: 'date', label: k.dueOn, value: typed('task', 'dueOn'), dir: 'ltr', problems: p, issue: issue('task', 'dueOn') })}
<button type="submit" class="secondary">${k.addTask}</button>`,
      )
    : ''
}
</section>
<section aria-labelledby="notes-heading"><h2 id="notes-heading">${k.notes}</h2>
<ol class="thread">${view.notes.map((n) => html`<li class="message"><p class="meta">${staffName(state.staff, n.authorId, '')} · ${time.format(n.createdAt)}</p><p class="body user-text" dir="auto">${n.body}</p></li>`)}</ol>
${canWork ? postForm(ctx, `${base}/notes`, html`${textArea({ id: 'note-body', name: 'body', label: k.addNote, value: typed('note', 'body'), maxlength: 10_000, problems: p, issue: issue('note', 'body') })}<button type="submit" class="secondary">${k.addNote}</button>`) : ''}
</section>
<section aria-labelledby="closure-heading"><h2 id="closure-heading">${k.closure}</h2>
${
  view.state === 'closed'
    ? html`<p>${k.closed(view.closureReason ? e.closureReasons[view.closureReason] : '')}</p>`
    : view.closureRequest
      ? html`<p>${k.closureRequested(e.closureReasons[view.closureRequest.reason])}</p>
${
  supervising && view.closureRequest.requestedBy !== staff.id
    ? html`${postForm(ctx, `${base}/approve-closure`, html`<button type="submit">${k.approve}</button>`, 'inline')} ${postForm(ctx, `${base}/reject-closure`, html`<button type="submit" class="secondary">${k.reject}</button>`, 'inline')}`
    : ''
}`
      : canWork
        ? postForm(
            ctx,
            `${base}/request-closure`,
            html`${selectField({ id: 'closure-reason', name: 'reason', label: k.reason, value: typed('closure', 'reason'), placeholder: ctx.t.report.choices.notSelected, choices: pairs(closureReasons, e.closureReasons), problems: p, issue: issue('closure', 'reason') })}<button type="submit" class="secondary">${k.requestClosure}</button>`,
          )
        : ''
}
</section>`,
  );
}
