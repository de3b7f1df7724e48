import { may } from '../../../domain/actor.ts';
import { categories } from '../../../domain/classification.ts';
import type { FieldIssue } from '../../../domain/errors.ts';
import { mediaColumns, type ImportProblem, type MediaColumn } from '../../../domain/media.ts';
import { abuserRelationships, ageBands, areas, childSexes, places, policeStatuses, provinces } from '../../../domain/report.ts';
import { incidentSources, provinceKeys, type Release } from '../../../domain/statistics.ts';
import type { DuplicateSuggestion, ImportResult, MediaEntry } from '../../../services/statistics/media-reports.ts';
import type { ReleaseSummary } from '../../../services/statistics/releases.ts';
import { errorSummary, selectField, textField, type ProblemText } from '../fields.ts';
import { html, type Html } from '../html.ts';
import { comparisonBlock, labels, numberFormat, periodLabel, shownTables, statBlock, type DistrictNames } from '../statistics.ts';
import { consoleLayout, consolePath, csrfField, type ConsoleContext } from './layout.ts';

type Choices = readonly (readonly [string, string])[];

function problems(ctx: ConsoleContext): ProblemText {
  return { ...ctx.t.problems, ...ctx.c.problems, ...ctx.c.statistics.problems } as ProblemText;
}

const stylesheet = html`<link rel="stylesheet" href="/assets/statistics.css">`;

export interface StatisticsFilterValues {
  from: string;
  to: string;
  province: string;
  source: string;
}

export interface ConsoleStatisticsState {
  filter: StatisticsFilterValues;
  /** The tables of the filter (null when the filter is invalid). */
  preview: Release | null;
  issues: readonly FieldIssue[];
  /** Which form the issues belong to. */
  issuesFor?: 'filter' | 'publish';
  releases: readonly ReleaseSummary[];
  published?: number | undefined;
  publishValues?: { from: string; to: string; k: string };
  districtNames: DistrictNames;
}

/** Live tables over unpublished data, with filters, CSV export and (for supervisors) the publish form. */
export function consoleStatisticsPage(ctx: ConsoleContext, state: ConsoleStatisticsState): Html {
  const s = ctx.c.statistics;
  const t = ctx.t.statistics;
  const f = numberFormat(ctx.lang, false);
  const l = labels(ctx.t, f, ctx.lang, state.districtNames);
  const dir = ctx.t.dir as 'ltr' | 'rtl';
  const p = problems(ctx);
  const issue = (form: string, field: string) => (state.issuesFor === form ? state.issues.find((i) => i.field === field) : undefined);
  const provinceChoices: Choices = provinceKeys.map((k) => [
    k,
    k === 'unknown' ? t.values.unknown : t.values.province[k as (typeof provinces)[number]],
  ]);
  const sourceChoices: Choices = incidentSources.map((k) => [k, s.sources[k]]);
  const query = new URLSearchParams(Object.entries(state.filter).filter(([, v]) => v !== '')).toString();
  const canPublish = ctx.staff !== undefined && may(ctx.staff, 'publishStatistics');
  const pv = state.publishValues ?? { from: state.filter.from, to: state.filter.to, k: '5' };
  const preview = state.preview;
  return consoleLayout(
    ctx,
    s.title,
    html`${stylesheet}
<div class="statistics">
<h1>${s.title}</h1>
<p>${s.intro}</p>
<p><a href="${consolePath(ctx.lang, '/statistics/media')}">${s.media.nav}</a></p>
${
  state.published === undefined
    ? ''
    : html`<p class="notice" role="status">${s.publish.done(String(state.published))} <a href="/${ctx.lang}/statistics?release=${state.published}">${s.publish.view}</a></p>`
}
${state.issuesFor === 'filter' && state.issues.length ? errorSummary(ctx, state.issues, (field) => `s-${field}`, p) : ''}
<form method="get" action="${consolePath(ctx.lang, '/statistics')}" class="inline" aria-label="${s.filter}">
${textField({ id: 's-from', name: 'from', label: s.from, type: 'date', value: state.filter.from, problems: p, issue: issue('filter', 'from'), dir: 'ltr' })}
${textField({ id: 's-to', name: 'to', label: s.to, type: 'date', value: state.filter.to, problems: p, issue: issue('filter', 'to'), dir: 'ltr' })}
${selectField({ id: 's-province', name: 'province', label: s.province, value: state.filter.province, placeholder: s.all, choices: provinceChoices, problems: p, issue: issue('filter', 'province') })}
${selectField({ id: 's-source', name: 'source', label: s.source, value: state.filter.source, placeholder: s.all, choices: sourceChoices, problems: p, issue: issue('filter', 'source') })}
<button type="submit" class="secondary">${s.apply}</button>
</form>
${
  preview
    ? html`<p><a href="${consolePath(ctx.lang, `/statistics/export?${query}`)}" download>${s.export}</a></p>
<dl class="key-figures">
<div><dt>${t.totalCases}</dt><dd class="figure">${f.count(preview.total.value ?? 0)}</dd></div>
${preview.perDay === null ? '' : html`<div><dt>${t.perDayLabel}</dt><dd class="figure">${f.decimal(preview.perDay)}</dd></div>`}
</dl>
<p class="note">${s.wouldWithholdNote(f.count(preview.k))}</p>
${comparisonBlock(ctx.t, f, l, preview, { preview: true, previewMark: s.wouldWithhold })}
${shownTables(preview).map((table) => statBlock(ctx.t, f, l, dir, table, { preview: true, previewMark: s.wouldWithhold }))}`
    : ''
}
${
  canPublish
    ? html`<section aria-labelledby="publish-heading">
<h2 id="publish-heading">${s.publish.heading}</h2>
<p>${s.publish.intro}</p>
${state.issuesFor === 'publish' && state.issues.length ? errorSummary(ctx, state.issues, (field) => `p-${field}`, p) : ''}
<form method="post" action="${consolePath(ctx.lang, '/statistics/publish')}" class="inline">${csrfField(ctx)}
${textField({ id: 'p-from', name: 'from', label: s.from, type: 'date', value: pv.from, problems: p, issue: issue('publish', 'from'), dir: 'ltr', required: true })}
${textField({ id: 'p-to', name: 'to', label: s.to, type: 'date', value: pv.to, problems: p, issue: issue('publish', 'to'), dir: 'ltr', required: true })}
${textField({ id: 'p-k', name: 'k', label: s.publish.k, type: 'number', value: pv.k, problems: p, issue: issue('publish', 'k'), dir: 'ltr', inputmode: 'numeric' })}
<button type="submit">${s.publish.submit}</button>
</form>
</section>`
    : ''
}
<section aria-labelledby="releases-heading">
<h2 id="releases-heading">${s.releases.heading}</h2>
${
  state.releases.length === 0
    ? html`<p>${s.releases.none}</p>`
    : html`<div class="table-scroll" tabindex="0" role="region" aria-labelledby="releases-heading"><table>
<thead><tr><th scope="col">#</th><th scope="col">${s.releases.period}</th><th scope="col">k</th><th scope="col" class="num">${s.releases.total}</th><th scope="col">${s.releases.published}</th></tr></thead>
<tbody>${state.releases.map(
        (r) =>
          html`<tr><td><a href="/${ctx.lang}/statistics?release=${r.id}">${r.id}</a></td><td>${periodLabel(t, f, r.period)}</td><td>${r.k}</td><td class="num">${r.total === null ? t.withheldMark : f.count(r.total)}</td><td>${f.date(r.createdAt.toISOString().slice(0, 10))}</td></tr>`,
      )}</tbody></table></div>`
}
</section>
</div>`,
  );
}

export interface MediaPageState {
  values: Partial<Record<MediaColumn, string>>;
  issues: readonly FieldIssue[];
  added?: boolean;
  removed?: boolean;
  importResult?: ImportResult;
  recent: readonly MediaEntry[];
  duplicates: readonly DuplicateSuggestion[];
}

/** Newspaper reports: one at a time, a CSV upload with its validation report, likely duplicates, the latest entered. */
export function mediaPage(ctx: ConsoleContext, state: MediaPageState): Html {
  const s = ctx.c.statistics;
  const m = s.media;
  const v = ctx.t.statistics.values;
  const p = problems(ctx);
  const issue = (field: string) => state.issues.find((i) => i.field === field);
  const withUnknown = (choices: Choices): Choices => [...choices, ['unknown', m.notKnown]];
  const pick = <K extends string>(keys: readonly K[], names: Readonly<Record<K, string>>): Choices => keys.map((k) => [k, names[k]]);
  const choice = (name: MediaColumn, choices: Choices, placeholder = m.notKnown) =>
    selectField({
      id: `m-${name}`,
      name,
      label: m.fields[name],
      value: state.values[name],
      placeholder,
      choices,
      problems: p,
      issue: issue(name),
    });
  const text = (name: MediaColumn, extra: { type?: string; dir?: string; required?: boolean; maxlength?: number } = {}) =>
    textField({ id: `m-${name}`, name, label: m.fields[name], value: state.values[name], problems: p, issue: issue(name), ...extra });
  const problemText = (r: ImportProblem) => {
    const base = (p as Record<string, string>)[r.problem] ?? r.problem;
    return r.detail ? `${base} (${r.detail})` : base;
  };
  const result = state.importResult;
  return consoleLayout(
    ctx,
    m.title,
    html`<h1>${m.title}</h1>
<p>${m.intro}</p>
<p><a href="${consolePath(ctx.lang, '/statistics')}">${s.nav}</a></p>
${state.added ? html`<p class="notice" role="status">${m.added}</p>` : ''}
${state.removed ? html`<p class="notice" role="status">${m.removed}</p>` : ''}
${
  result
    ? html`<section aria-labelledby="import-result" class="${result.problems.length ? 'error-summary' : 'notice'}">
<h2 id="import-result">${result.problems.length ? m.rejected(String(result.problems.length), String(result.rows)) : m.imported(String(result.imported))}</h2>
${
  result.problems.length
    ? html`<div class="table-scroll" tabindex="0" role="region" aria-labelledby="import-result"><table class="import-problems">
<thead><tr><th scope="col">${m.row}</th><th scope="col">${m.column}</th><th scope="col">${m.problem}</th></tr></thead>
<tbody>${result.problems.map((r) => html`<tr><td>${r.row}</td><td><code dir="ltr">${r.column ?? ''}</code></td><td>${problemText(r)}</td></tr>`)}</tbody>
</table></div>`
    : ''
}
</section>`
    : ''
}
<section aria-labelledby="add-heading">
<h2 id="add-heading">${m.addHeading}</h2>
${state.issues.length ? errorSummary(ctx, state.issues, (field) => `m-${field}`, p) : ''}
<form method="post" action="${consolePath(ctx.lang, '/statistics/media')}" class="stack">${csrfField(ctx)}
${text('date', { type: 'date', dir: 'ltr', required: true })}
${text('newspaper', { required: true, maxlength: 200 })}
${text('headline', { required: true, maxlength: 500 })}
${text('url', { type: 'url', dir: 'ltr' })}
${choice('category', pick(categories, v.category), m.choose)}
${choice('province', withUnknown(pick(provinces, v.province)))}
${text('district', { maxlength: 100 })}
${choice('area', withUnknown(pick(areas, v.area)))}
${choice('sex', withUnknown(pick(childSexes, v.sex)))}
${choice('age_band', withUnknown(pick(ageBands, v.age_band)))}
${choice('relationship', withUnknown(pick(abuserRelationships, v.relationship)))}
${choice('place', withUnknown(pick(places, v.place)))}
${choice('police_status', withUnknown(pick(policeStatuses, v.police_status)))}
<button type="submit">${m.add}</button>
</form>
</section>
<section aria-labelledby="upload-heading">
<h2 id="upload-heading">${m.uploadHeading}</h2>
<p id="upload-hint" class="hint">${m.uploadHint}</p>
<p><code dir="ltr">${mediaColumns.join(',')}</code></p>
<form method="post" action="${consolePath(ctx.lang, '/statistics/media/import')}" enctype="multipart/form-data" class="stack">${csrfField(ctx)}
<div class="field"><label for="m-file">${m.file}</label>
<input type="file" id="m-file" name="file" accept=".csv,text/csv" required aria-describedby="upload-hint"></div>
<button type="submit">${m.upload}</button>
</form>
</section>
<section aria-labelledby="duplicates-heading">
<h2 id="duplicates-heading">${m.duplicatesHeading}</h2>
<p>${m.duplicatesIntro}</p>
${
  state.duplicates.length === 0
    ? html`<p>${m.noDuplicates}</p>`
    : html`<ul class="duplicates">${state.duplicates.map(
        (d) => html`<li><p><strong>${d.media.headline}</strong> (<bdi>${d.media.newspaper}</bdi>, <bdi dir="ltr">${d.media.date}</bdi>)<br>
${m.sameAs}: ${
          d.other.source === 'hotline'
            ? html`${m.hotlineCase} ${d.other.caseId ? html`<a href="${consolePath(ctx.lang, `/cases/${d.other.caseId}`)}"><bdi dir="ltr">${d.other.reference ?? ''}</bdi></a>` : ''} (<bdi dir="ltr">${d.other.date}</bdi>)`
            : html`${d.other.headline ?? ''} (<bdi>${d.other.newspaper ?? ''}</bdi>, <bdi dir="ltr">${d.other.date}</bdi>)`
        }</p>
<form method="post" action="${consolePath(ctx.lang, `/statistics/media/${d.media.incidentId}/remove`)}" class="inline">${csrfField(ctx)}<button type="submit" class="secondary">${m.remove}</button></form></li>`,
      )}</ul>`
}
</section>
<section aria-labelledby="recent-heading">
<h2 id="recent-heading">${m.recentHeading}</h2>
${
  state.recent.length === 0
    ? ''
    : html`<div class="table-scroll" tabindex="0" role="region" aria-labelledby="recent-heading"><table>
<thead><tr><th scope="col">${m.fields.date}</th><th scope="col">${m.fields.newspaper}</th><th scope="col">${m.fields.headline}</th><th scope="col">${m.fields.category}</th><th scope="col">${m.fields.district}</th></tr></thead>
<tbody>${state.recent.map(
        (r) =>
          html`<tr><td><bdi dir="ltr">${r.date}</bdi></td><td>${r.newspaper}</td><td>${r.url ? html`<a href="${r.url}" rel="noreferrer noopener" target="_blank">${r.headline}</a>` : r.headline}</td><td>${(v.category as Record<string, string>)[r.category] ?? r.category}</td><td>${r.district ?? ''}</td></tr>`,
      )}</tbody></table></div>`
}
</section>`,
  );
}
