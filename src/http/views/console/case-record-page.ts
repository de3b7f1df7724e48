import { may } from '../../../domain/actor.ts';
import { contactPurposes, type CaseBundle } from '../../../domain/case-handover.ts';
import type { FieldIssue } from '../../../domain/errors.ts';
import type { CaseRecord } from '../../../services/cases/index.ts';
import type { District } from '../../../services/districts.ts';
import type { StaffMember } from '../../../services/staff.ts';
import { html, type Html } from '../html.ts';
import { errorSummary, selectField, type ProblemText } from '../fields.ts';
import { agencyName } from './agencies.ts';
import { actorInWords, detailsInWords } from './audit-page.ts';
import { consoleLayout, consolePath, consoleTime, csrfField, type ConsoleContext } from './layout.ts';

/**
 * A case file for handover (services/cases/handover.ts): the same content as the exported JSON
 * bundle, as a document. In print (console.css, @media print) only the document is left: no
 * navigation, no forms, on A4; the browser's "Save as PDF" makes the file. On screen, below it, the
 * export and the request and approval to include the reporter's contact details.
 */

type Person = CaseBundle['exportedBy'];
type Classification = NonNullable<CaseBundle['reports'][number]['classification']>;

/** A bundle time (ISO 8601, +05:00) as the console writes times. */
const when = (ctx: ConsoleContext, iso: string) => consoleTime(ctx.lang, new Date(iso));
const isoDate = (date: string) => html`<bdi dir="ltr" class="date">${date}</bdi>`;

export function handoverProblems(ctx: ConsoleContext): ProblemText {
  return { ...ctx.t.problems, ...ctx.c.problems, ...ctx.c.handover.problems } as ProblemText;
}

function personName(ctx: ConsoleContext, person: Person): Html {
  return person ? html`<bdi>${person.name}</bdi>` : html`${ctx.c.handover.unknownPerson}`;
}

function words(names: Record<string, string>, value: string | null | undefined, unknown: string): string {
  return value && value !== 'unknown' ? (names[value] ?? value) : unknown;
}

function yesNo(ctx: ConsoleContext, value: boolean | null): string {
  const ch = ctx.t.report.choices;
  return value === true ? ch.yes : value === false ? ch.no : ch.unknown;
}

/** A listed district by its name in the page's language (stored by the list's English name); a typed one as typed. */
function districtName(ctx: ConsoleContext, districts: readonly District[], stored: string, province: string): string {
  if (ctx.lang !== 'ur') return stored;
  const listed = districts.find((d) => d.nameEn === stored && d.province === province) ?? districts.find((d) => d.nameEn === stored);
  return listed?.nameUr ?? stored;
}

function facts(list: readonly (readonly [string, string | Html])[]): Html {
  return html`<dl class="facts">${list.map(([term, value]) => html`<dt>${term}</dt><dd>${value}</dd>`)}</dl>`;
}

function classificationFacts(ctx: ConsoleContext, c: Classification): Html {
  const k = ctx.c.classification;
  const e = ctx.c.enums;
  const ch = ctx.t.report.choices;
  const h = ctx.c.handover;
  const list = (values: readonly string[], names: Record<string, string>) =>
    values.length ? values.map((v) => names[v] ?? v).join('، ') : ctx.c.audit.none;
  return html`${facts([
    [k.category, e.categories[c.category]],
    [k.legalBases, list(c.legalBases, e.legalBases)],
    [k.interpol, yesNo(ctx, c.interpolBaseline)],
    [k.tags, list(c.tags, e.tags)],
    [k.victimAge, words(ch.ageBands, c.victimAgeBand, ch.unknown)],
    [k.victimSex, words(ch.childSexes, c.victimSex, ch.unknown)],
    [k.viewed, c.materialViewed === null ? h.notAssessed : yesNo(ctx, c.materialViewed)],
    ...(c.viewedBy ? [[k.viewedBy, html`<bdi>${c.viewedBy}</bdi>`] as const] : []),
  ])}
<p class="hint">${h.classifiedBy('\u2068' + (c.classifiedBy?.name ?? h.unknownPerson) + '\u2069', when(ctx, c.classifiedAt))}</p>`;
}

function reportSection(ctx: ConsoleContext, report: CaseBundle['reports'][number], n: number, districts: readonly District[]): Html {
  const h = ctx.c.handover;
  const r = ctx.c.report;
  const e = ctx.c.enums;
  const ch = ctx.t.report.choices;
  const unknown = ch.unknown;
  const f = report.facts;
  return html`<section class="record-report" aria-labelledby="report-${n}">
<h3 id="report-${n}">${h.reportHeading(n, when(ctx, report.receivedAt))}</h3>
${facts([
  [r.fields.kind, e.kinds[report.kind]],
  [r.fields.source, e.sources[report.source]],
  [h.language, h.languages[report.language]],
  ...(report.source === 'staff'
    ? [
        [h.filedBy, personName(ctx, report.filedBy)] as const,
        [h.channel, report.filingChannel ? ctx.c.fileReport.channels[report.filingChannel] : r.filedHowUnknown] as const,
        [h.filingConsent, report.filingConsent ? r.filingConsent.recorded : r.filingConsent.missing] as const,
      ]
    : []),
  [h.contactConsent, yesNo(ctx, report.contactConsent)],
  [r.fields.occurredOn, f.occurredOn ? isoDate(f.occurredOn) : unknown],
  [r.fields.danger, yesNo(ctx, f.inDangerNow)],
  [r.fields.province, words(ch.provinces, f.province, unknown)],
  [r.fields.district, f.district ? html`<bdi>${districtName(ctx, districts, f.district, f.province)}</bdi>` : unknown],
  [r.fields.area, words(ch.areas, f.area, unknown)],
  [r.fields.age, words(ch.ageBands, f.childAgeBand, unknown)],
  [r.fields.sex, words(ch.childSexes, f.childSex, unknown)],
  [r.fields.abuser, words(ch.abuserRelationships, f.abuserRelationship, unknown)],
  [r.fields.place, words(ch.places, f.place, unknown)],
  [r.fields.police, words(ch.policeStatuses, f.policeStatus, unknown)],
  [r.fields.reporter, words(ch.reporterRelationships, f.reporterRelationship, unknown)],
])}
${report.detailsAddedAt ? html`<p>${r.detailsAdded(when(ctx, report.detailsAddedAt))}</p>` : ''}
${report.site ? html`<h4>${r.site}</h4><p class="user-text" dir="auto">${report.site}</p>` : ''}
${report.narrative ? html`<h4>${r.narrative}</h4><p class="user-text" dir="auto">${report.narrative}</p>` : ''}
<h4>${h.linksHeading}</h4>
${
  report.links.length === 0
    ? html`<p>${r.noUrls}</p>`
    : html`<div class="table-scroll" tabindex="0" role="region" aria-label="${h.linksHeading}"><table class="record-links">
<thead><tr><th scope="col">${h.link}</th><th scope="col">${h.keyedHash}</th><th scope="col">${h.classificationHeading}</th><th scope="col">${h.alsoReportedIn}</th></tr></thead>
<tbody>${report.links.map(
        (
          l,
        ) => html`<tr><td><code dir="ltr" class="break">${l.defanged}</code></td><td><code dir="ltr" class="hash">${l.keyedHash}</code></td>
<td>${l.classification ? html`${e.categories[l.classification.category]}${l.classification.legalBases.length ? html`<br>${l.classification.legalBases.map((b) => e.legalBases[b]).join('، ')}` : ''}` : h.notClassified}</td>
<td>${l.alsoReportedIn.length ? l.alsoReportedIn.map((ref, i) => html`${i ? '، ' : ''}<bdi dir="ltr">${ref}</bdi>`) : h.nowhereElse}</td></tr>`,
      )}</tbody></table></div>`
}
<h4>${h.classificationHeading}</h4>
${report.classification ? classificationFacts(ctx, report.classification) : html`<p>${h.notClassified}</p>`}
<h4>${h.messagesHeading}</h4>
${
  report.messages.length === 0
    ? html`<p>${r.noMessages}</p>`
    : html`<ol class="thread">${report.messages.map(
        (m) =>
          html`<li class="message from-${m.author}"><p class="meta">${m.author === 'staff' ? html`${r.fromStaff} (${personName(ctx, m.staff)})` : r.fromReporter} · ${when(ctx, m.at)}</p><p class="body user-text" dir="auto">${m.body}</p></li>`,
      )}</ol>`
}
</section>`;
}

function referralsSection(ctx: ConsoleContext, bundle: CaseBundle): Html {
  const h = ctx.c.handover;
  const k = ctx.c.case;
  const e = ctx.c.enums;
  return html`<section aria-labelledby="record-referrals"><h2 id="record-referrals">${h.referralsHeading}</h2>
${
  bundle.referrals.length === 0
    ? html`<p>${h.noReferrals}</p>`
    : bundle.referrals.map(
        (r) => html`<div class="referral"><h3>${agencyName(ctx, { name: r.agency, nameUr: r.agencyUrdu })}, ${when(ctx, r.referredAt)}</h3>
${facts([
  [k.method, e.methods[r.method]],
  [k.agencyReference, html`<bdi dir="ltr">${r.agencyReference ?? ''}</bdi>`],
  [k.firStatus, e.firStatuses[r.firStatus]],
  [k.followUpOn, r.followUpOn ? isoDate(r.followUpOn) : ctx.c.audit.none],
  [h.recordedBy, personName(ctx, r.recordedBy)],
])}
<h4>${h.firHistory}</h4>
${
  r.firHistory.length
    ? html`<ol>${r.firHistory.map((s) => html`<li>${when(ctx, s.at)}: ${e.firStatuses[s.firStatus]} (<bdi dir="ltr">${s.by}</bdi>)</li>`)}</ol>`
    : html`<p>${h.noFirHistory}</p>`
}
${r.notes ? html`<h4>${k.notes}</h4><p class="body user-text" dir="auto">${r.notes}</p>` : ''}
</div>`,
      )
}
</section>`;
}

export function checklistTable(ctx: ConsoleContext, bundle: Pick<CaseBundle, 'courtChecklist'>): Html {
  const h = ctx.c.handover;
  return html`<div class="table-scroll" tabindex="0" role="region" aria-label="${h.checklistHeading}"><table>
<thead><tr><th scope="col">${h.item}</th><th scope="col">${h.status}</th><th scope="col">${h.note}</th></tr></thead>
<tbody>${bundle.courtChecklist.map(
    (c) =>
      html`<tr><td>${h.items[c.item]}</td><td>${c.done ? h.arranged : h.notArranged}${c.updatedAt ? html`<br><span class="hint">${h.updated('\u2068' + (c.updatedBy?.name ?? h.unknownPerson) + '\u2069', when(ctx, c.updatedAt))}</span>` : ''}</td><td>${c.note ? html`<span class="user-text" dir="auto">${c.note}</span>` : ''}</td></tr>`,
  )}</tbody></table></div>`;
}

function viewedSection(ctx: ConsoleContext, bundle: CaseBundle): Html {
  const h = ctx.c.handover;
  const rows: Html[] = [];
  bundle.reports.forEach((report, i) => {
    const line = (label: string, c: Classification) =>
      html`<li>${label}: ${c.materialViewed === true ? h.viewedBy('\u2068' + (c.viewedBy ?? '') + '\u2069') : c.materialViewed === false ? h.notViewed : h.notAssessed}</li>`;
    if (report.classification) rows.push(line(h.viewedReport(i + 1), report.classification));
    for (const l of report.links) if (l.classification) rows.push(line(h.viewedLink(i + 1, l.position + 1), l.classification));
  });
  return html`<section aria-labelledby="record-viewed"><h2 id="record-viewed">${h.viewedHeading}</h2>
${rows.length ? html`<ul>${rows}</ul>` : html`<p>${h.notAssessed}</p>`}</section>`;
}

function auditSection(ctx: ConsoleContext, bundle: CaseBundle): Html {
  const h = ctx.c.handover;
  const a = ctx.c.audit;
  const actions: Record<string, string> = a.actions;
  const objects: Record<string, string> = a.objects;
  return html`<section aria-labelledby="record-audit"><h2 id="record-audit">${h.auditHeading}</h2>
<div class="table-scroll" tabindex="0" role="region" aria-label="${h.auditHeading}"><table class="record-audit">
<thead><tr><th scope="col">${a.seq}</th><th scope="col">${a.at}</th><th scope="col">${a.actor}</th><th scope="col">${a.action}</th><th scope="col">${a.object}</th><th scope="col">${a.details}</th></tr></thead>
<tbody>${bundle.audit.map(
    (e) =>
      html`<tr><td>${e.seq}</td><td>${consoleTime(ctx.lang, new Date(e.at), 'second')}</td><td>${actorInWords(ctx, e.actor)}</td><td>${actions[e.action] ?? html`<bdi dir="ltr">${e.action}</bdi>`}</td><td>${e.objectType ? (objects[e.objectType] ?? e.objectType) : ''}</td><td>${detailsInWords(ctx, e.action, e.details)}<p class="hash">${h.entryHash}: <code dir="ltr">${e.hash}</code></p></td></tr>`,
  )}</tbody></table></div></section>`;
}

const postForm = (ctx: ConsoleContext, action: string, body: Html, className = 'stack') =>
  html`<form method="post" action="${consolePath(ctx.lang, action)}" class="${className}">${csrfField(ctx)}${body}</form>`;

/** On screen only: the export, and the request and approval to put contact details in the file. */
function exportSection(
  ctx: ConsoleContext,
  record: CaseRecord,
  members: readonly StaffMember[],
  issues: readonly FieldIssue[] | undefined,
): Html {
  const h = ctx.c.handover;
  const staff = ctx.staff!;
  const base = `/cases/${record.bundle.case.id}`;
  const p = handoverProblems(ctx);
  const waiting = record.contactRequests.find((r) => r.decision === null);
  const usable = record.contactRequests.find((r) => r.usableByYou);
  const nameOf = (id: string | null) => '\u2068' + (members.find((m) => m.id === id)?.displayName ?? h.unknownPerson) + '\u2069';
  return html`<section class="no-print" aria-labelledby="record-export"><h2 id="record-export">${h.exportHeading}</h2>
<p>${h.exportIntro}</p>
${postForm(ctx, `${base}/export`, html`<button type="submit">${h.export}</button>`, 'inline')}
<h3 id="contact">${h.contactHeading}</h3>
<p>${h.contactRule}</p>
${issues?.length ? errorSummary(ctx, issues, () => 'contact', p) : ''}
${
  !record.hasConsentedContact
    ? html`<p>${h.noConsent}</p>`
    : !record.maySeeContact
      ? html`<p>${h.notYours}</p>`
      : html`${
          usable
            ? postForm(
                ctx,
                `${base}/export-with-contact`,
                html`<button type="submit" class="secondary">${h.exportWithContact}</button>`,
                'inline',
              )
            : ''
        }
${
  !waiting && may(staff, 'workCases')
    ? postForm(
        ctx,
        `${base}/contact-requests`,
        html`${selectField({ id: 'contact-purpose', name: 'purpose', label: h.purpose, value: undefined, placeholder: ctx.t.report.choices.notSelected, choices: contactPurposes.map((k) => [k, h.purposes[k]] as const), problems: p })}<button type="submit" class="secondary">${h.request}</button>`,
        'inline',
      )
    : ''
}`
}
${
  record.contactRequests.length
    ? html`<h4>${h.requestsHeading}</h4><ul>${record.contactRequests.map(
        (r) => html`<li>${h.requested(nameOf(r.requestedBy), consoleTime(ctx.lang, r.requestedAt), h.purposes[r.purpose])}
${
  r.decision === null
    ? html`${h.waiting}${
        may(staff, 'superviseCases') && r.requestedBy !== staff.id
          ? html` ${postForm(ctx, `${base}/contact-requests/decide`, html`<input type="hidden" name="requestId" value="${r.id}"><input type="hidden" name="decision" value="approved"><button type="submit">${h.approve}</button>`, 'inline')} ${postForm(ctx, `${base}/contact-requests/decide`, html`<input type="hidden" name="requestId" value="${r.id}"><input type="hidden" name="decision" value="refused"><button type="submit" class="secondary">${h.refuse}</button>`, 'inline')}`
          : ''
      }`
    : html`${h.decided(h.decisions[r.decision], nameOf(r.decidedBy), r.decidedAt ? consoleTime(ctx.lang, r.decidedAt) : '')}
${r.usedAt ? h.used(consoleTime(ctx.lang, r.usedAt)) : r.expired ? h.expired : r.expiresAt ? h.usableUntil(consoleTime(ctx.lang, r.expiresAt)) : ''}`
}</li>`,
      )}</ul>`
    : ''
}
</section>`;
}

export interface CaseRecordPageState {
  record: CaseRecord;
  districts: readonly District[];
  /** Every account, to name who asked for and decided on contact details. */
  staff: readonly StaffMember[];
  /** A refused request, decision or export with contact details: its problems, shown by the contact forms. */
  issues?: readonly FieldIssue[] | undefined;
}

export function caseRecordPage(ctx: ConsoleContext, state: CaseRecordPageState): Html {
  const h = ctx.c.handover;
  const { bundle } = state.record;
  const c = bundle.case;
  return consoleLayout(
    ctx,
    h.recordTitle(c.reference),
    html`<article class="case-record">
<h1>${h.recordTitle(c.reference)}</h1>
<p class="no-print">${h.printHint} <a href="${consolePath(ctx.lang, `/cases/${c.id}`)}">${h.backToCase}</a> · <a href="${consolePath(ctx.lang, `/cases/${c.id}/court-checklist`)}">${h.checklistLink}</a></p>
<p>${h.prepared(when(ctx, bundle.exportedAt), '\u2068' + (bundle.exportedBy?.name ?? '') + '\u2069')}</p>
<section aria-labelledby="record-case"><h2 id="record-case">${h.caseHeading}</h2>
${facts([
  [h.reference, html`<bdi dir="ltr">${c.reference}</bdi>`],
  [ctx.c.case.state, html`${ctx.c.enums.states[c.state]}${c.closureReason ? html` (${ctx.c.enums.closureReasons[c.closureReason]})` : ''}`],
  [ctx.c.queue.assigned, c.assignedTo ? personName(ctx, c.assignedTo) : ctx.c.case.nobody],
  [h.opened, when(ctx, c.openedAt)],
  ...(c.closedAt ? [[h.closed, when(ctx, c.closedAt)] as const] : []),
])}
</section>
<section aria-labelledby="record-reports"><h2 id="record-reports">${h.reportsHeading}</h2>
${bundle.reports.map((r, i) => reportSection(ctx, r, i + 1, state.districts))}
</section>
${referralsSection(ctx, bundle)}
<section aria-labelledby="record-checklist"><h2 id="record-checklist">${h.checklistHeading}</h2>${checklistTable(ctx, bundle)}</section>
${viewedSection(ctx, bundle)}
${auditSection(ctx, bundle)}
</article>
${exportSection(ctx, state.record, state.staff, state.issues)}`,
  );
}
