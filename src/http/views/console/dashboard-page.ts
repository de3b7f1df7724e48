import { firStatuses, agencyKinds } from '../../../domain/classification.ts';
import { closureReasons } from '../../../domain/case.ts';
import {
  dashboardFilterFields,
  sum,
  triageGroups,
  triageTargets,
  unanswered,
  withinTargetPercent,
  type DashboardFigures,
  type ReplyFigures,
  type TriageFigures,
} from '../../../domain/dashboard.ts';
import type { FieldIssue } from '../../../domain/errors.ts';
import { provinceKeys } from '../../../domain/statistics.ts';
import { errorSummary, selectField, textField, type ProblemText } from '../fields.ts';
import { html, type Html } from '../html.ts';
import { districtKey, numberFormat, type DistrictNames, type NumberFormat } from '../statistics.ts';
import { consoleLayout, consolePath, type ConsoleContext } from './layout.ts';

/** The filter as typed (kept on the page when it is refused). */
export type DashboardFilterValues = Record<(typeof dashboardFilterFields)[number], string>;

export interface DashboardPageState {
  values: DashboardFilterValues;
  /** The figures of the filter; null when the filter is refused. */
  figures: DashboardFigures | null;
  issues: readonly FieldIssue[];
  districtNames: DistrictNames;
}

/** A duration in words: hours with one decimal from an hour up, else whole minutes. */
function duration(ctx: ConsoleContext, f: NumberFormat, seconds: number | null): string {
  const d = ctx.c.dashboard;
  if (seconds === null) return d.none;
  if (seconds < 60) return d.duration.under;
  if (seconds < 3600) return d.duration.minutes(f.count(Math.floor(seconds / 60)));
  return d.duration.hours(f.decimal(seconds / 3600));
}

/**
 * The supervisor's dashboard: the filter (a GET form, so the address and the CSV link carry it),
 * then each figure as a table with its caption and a sentence saying what it counts.
 */
export function dashboardPage(ctx: ConsoleContext, state: DashboardPageState): Html {
  const d = ctx.c.dashboard;
  const f = numberFormat(ctx.lang, false);
  const v = ctx.t.statistics.values;
  const problems = { ...ctx.t.problems, ...ctx.c.problems, ...d.problems } as ProblemText;
  const issue = (field: string) => state.issues.find((i) => i.field === field);
  const provinceName = (key: string) => (key === 'unknown' ? v.unknown : ((v.province as Record<string, string>)[key] ?? v.unknown));
  const provinceChoices = provinceKeys.map((k) => [k, provinceName(k)] as const);
  const count = (n: number) => f.count(n);
  const percent = (n: number | null) => (n === null ? d.none : f.percent(n));
  const time = (seconds: number | null) => duration(ctx, f, seconds);
  const figures = state.figures;
  const query = figures
    ? new URLSearchParams({
        from: figures.filter.from,
        to: figures.filter.to,
        ...(figures.filter.province ? { province: figures.filter.province } : {}),
      })
    : undefined;

  const table = (id: string, caption: string, head: Html, body: Html) =>
    html`<div class="table-scroll" tabindex="0" role="region" aria-labelledby="${id}"><table>
<caption id="${id}">${caption}</caption>
<thead>${head}</thead>
<tbody>${body}</tbody>
</table></div>`;
  const t = d.triage.columns;
  const triageHead = (first: string) =>
    html`<tr><th scope="col">${first}</th><th scope="col" class="num">${t.cases}</th><th scope="col" class="num">${t.inTime}</th><th scope="col" class="num">${t.late}</th><th scope="col" class="num">${t.waitingOverdue}</th><th scope="col" class="num">${t.waiting}</th><th scope="col" class="num">${t.closedUntriaged}</th><th scope="col" class="num">${t.withinTarget}</th><th scope="col" class="num">${t.median}</th><th scope="col" class="num">${t.p90}</th></tr>`;
  const triageRow = (name: string, x: TriageFigures) =>
    html`<tr><th scope="row">${name}</th><td class="num">${count(x.cases)}</td><td class="num">${count(x.inTime)}</td><td class="num">${count(x.late)}</td><td class="num">${count(x.waitingOverdue)}</td><td class="num">${count(x.waiting)}</td><td class="num">${count(x.closedUntriaged)}</td><td class="num">${percent(withinTargetPercent(x))}</td><td class="num">${time(x.medianSeconds)}</td><td class="num">${time(x.p90Seconds)}</td></tr>`;
  const r = d.replies.columns;
  const replyHead = (first: string) =>
    html`<tr><th scope="col">${first}</th><th scope="col" class="num">${r.reports}</th><th scope="col" class="num">${r.answered}</th><th scope="col" class="num">${r.notAnswered}</th><th scope="col" class="num">${r.median}</th><th scope="col" class="num">${r.p90}</th></tr>`;
  const replyRow = (name: string, x: ReplyFigures) =>
    html`<tr><th scope="row">${name}</th><td class="num">${count(x.reports)}</td><td class="num">${count(x.answered)}</td><td class="num">${count(unanswered(x))}</td><td class="num">${time(x.medianSeconds)}</td><td class="num">${time(x.p90Seconds)}</td></tr>`;
  const districtName = (province: string, district: string | null) =>
    district === null ? d.notKnown : ctx.lang === 'ur' ? (state.districtNames.get(districtKey(province, district)) ?? district) : district;

  const body = figures
    ? html`<p role="status">${d.showing(d.period(f.date(figures.filter.from), f.date(figures.filter.to)), figures.filter.province ? provinceName(figures.filter.province) : d.all)}</p>
<p><a href="${consolePath(ctx.lang, `/dashboard/export?${query}`)}" download>${d.export}</a></p>
<p class="hint">${d.exportNote}</p>

<section aria-labelledby="triage-heading">
<h2 id="triage-heading">${d.triage.heading}</h2>
<p>${d.triage.about(f.count(triageTargets.inDangerNow), f.count(triageTargets.otherwise))}</p>
${table(
  'triage-caption',
  d.triage.caption,
  triageHead(d.triage.group),
  html`${triageGroups.map((g) => triageRow(d.triage.groups[g], figures.triage[g]))}`,
)}
${
  !figures.filter.province && figures.triageByProvince.length
    ? table(
        'triage-province-caption',
        d.triage.byProvinceCaption,
        triageHead(d.province),
        html`${figures.triageByProvince.map((p) => triageRow(provinceName(p.province), p.figures))}`,
      )
    : ''
}
</section>

<section aria-labelledby="replies-heading">
<h2 id="replies-heading">${d.replies.heading}</h2>
<p>${d.replies.about}</p>
${table(
  'replies-caption',
  d.replies.caption,
  replyHead(d.province),
  html`${replyRow(figures.filter.province ? provinceName(figures.filter.province) : d.all, figures.replies)}${
    figures.filter.province ? '' : figures.repliesByProvince.map((p) => replyRow(provinceName(p.province), p.figures))
  }`,
)}
</section>

<section aria-labelledby="referrals-heading">
<h2 id="referrals-heading">${d.referrals.heading}</h2>
<p>${d.referrals.about}</p>
${table(
  'referrals-caption',
  d.referrals.caption,
  html`<tr><th scope="col">${d.referrals.kind}</th>${firStatuses.map((s) => html`<th scope="col" class="num">${d.referrals.statuses[s]}</th>`)}<th scope="col" class="num">${d.referrals.total}</th></tr>`,
  html`${agencyKinds.map(
    (k) =>
      html`<tr><th scope="row">${d.referrals.kinds[k]}</th>${firStatuses.map((s) => html`<td class="num">${count(figures.referrals[k][s])}</td>`)}<td class="num">${count(sum(figures.referrals[k]))}</td></tr>`,
  )}`,
)}
</section>

<section aria-labelledby="fir-heading">
<h2 id="fir-heading">${d.fir.heading}</h2>
<p>${d.fir.about}</p>
${
  figures.firByDistrict.length
    ? table(
        'fir-caption',
        d.fir.caption,
        html`<tr><th scope="col">${d.fir.district}</th><th scope="col">${d.fir.province}</th><th scope="col" class="num">${d.referrals.statuses.registered}</th><th scope="col" class="num">${d.referrals.statuses.refused}</th><th scope="col" class="num">${d.referrals.statuses.pending}</th></tr>`,
        html`${figures.firByDistrict.map(
          (x) =>
            html`<tr><th scope="row">${districtName(x.province, x.district)}</th><td>${provinceName(x.province)}</td><td class="num">${count(x.registered)}</td><td class="num">${count(x.refused)}</td><td class="num">${count(x.pending)}</td></tr>`,
        )}`,
      )
    : html`<p>${d.fir.none}</p>`
}
</section>

<section aria-labelledby="closures-heading">
<h2 id="closures-heading">${d.closures.heading}</h2>
<p>${d.closures.about}</p>
${table(
  'closures-caption',
  d.closures.caption,
  html`<tr><th scope="col">${d.closures.reason}</th><th scope="col" class="num">${d.closures.cases}</th></tr>`,
  html`${closureReasons.map((reason) => html`<tr><th scope="row">${ctx.c.enums.closureReasons[reason]}</th><td class="num">${count(figures.closures[reason])}</td></tr>`)}
<tr><th scope="row">${d.closures.total}</th><td class="num">${count(sum(figures.closures))}</td></tr>`,
)}
</section>`
    : '';

  return consoleLayout(
    ctx,
    d.title,
    html`<link rel="stylesheet" href="/assets/statistics.css">
<div class="statistics dashboard">
<h1>${d.title}</h1>
<p>${d.intro}</p>
${state.issues.length ? errorSummary(ctx, state.issues, (field) => `d-${field}`, problems) : ''}
<form method="get" action="${consolePath(ctx.lang, '/dashboard')}" class="inline" aria-label="${d.filter}">
${textField({ id: 'd-from', name: 'from', label: d.from, type: 'date', value: state.values.from, problems, issue: issue('from'), dir: 'ltr' })}
${textField({ id: 'd-to', name: 'to', label: d.to, type: 'date', value: state.values.to, problems, issue: issue('to'), dir: 'ltr' })}
${selectField({ id: 'd-province', name: 'province', label: d.province, value: state.values.province, placeholder: d.all, choices: provinceChoices, problems, issue: issue('province') })}
<button type="submit" class="secondary">${d.apply}</button>
</form>
${body}
</div>`,
  );
}
