import type { Language } from '../../domain/report.ts';
import {
  narrative,
  otherDistricts,
  periodTables,
  tableIds,
  type Cell,
  type ComparisonTable,
  type Period,
  type Release,
  type StatTable,
  type TableId,
} from '../../domain/statistics.ts';
import type { ReleaseSummary } from '../../services/statistics/releases.ts';
import type { Messages } from '../i18n/index.ts';
import { attrs, html, type Html } from './html.ts';
import { layout, type PageContext } from './layout.ts';

/** District names in Urdu, by province and English name. */
export type DistrictNames = ReadonlyMap<string, string>;
export const districtKey = (province: string, nameEn: string) => `${province}/${nameEn}`;

// ------------------------------------------------------------------------------ numbers

const urduDigitChars = '۰۱۲۳۴۵۶۷۸۹';

/**
 * Numbers as a page shows them: Western digits by default (as people type them), Urdu digits
 * on the Urdu pages when asked for (`?digits=urdu`), a statistics-only display style.
 */
export interface NumberFormat {
  urduDigits: boolean;
  count(n: number): string;
  decimal(n: number): string;
  percent(n: number): string;
  change(n: number): string;
  /** Digits of a code-like number (a year, a release id), without grouping. */
  digits(value: string | number): string;
  date(iso: string): string;
}

export function numberFormat(lang: Language, urduDigits: boolean): NumberFormat {
  const urdu = lang === 'ur' && urduDigits;
  const locale = lang === 'ur' ? (urdu ? 'ur-PK-u-nu-arabext' : 'ur-PK-u-nu-latn') : 'en-GB';
  const whole = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
  const oneDecimal = new Intl.NumberFormat(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const dates = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' });
  const percentSign = urdu ? '٪' : '%';
  return {
    urduDigits: urdu,
    count: (n) => whole.format(n),
    decimal: (n) => oneDecimal.format(n),
    percent: (n) => `${oneDecimal.format(n)}${percentSign}`,
    change: (n) => `${n > 0 ? '+' : n < 0 ? '−' : ''}${whole.format(Math.abs(n))}${percentSign}`,
    digits: (value) => (urdu ? String(value).replace(/\d/g, (d) => urduDigitChars[Number(d)]!) : String(value)),
    date: (iso) => dates.format(new Date(`${iso}T00:00:00Z`)),
  };
}

// ------------------------------------------------------------------------------- labels

const lastDay = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** A period as people say it: "2018", "January–June 2018", "March 2018", or two dates. */
export function periodLabel(s: Messages['statistics'], f: NumberFormat, period: Period): string {
  const [fy, fm, fd] = period.from.split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = period.to.split('-').map(Number) as [number, number, number];
  const year = f.digits(fy);
  if (fy === ty && fd === 1 && td === lastDay(ty, tm)) {
    if (fm === 1 && tm === 12) return year;
    if (fm === 1 && tm === 6) return s.halfYear('1', year);
    if (fm === 7 && tm === 12) return s.halfYear('2', year);
    if (fm === tm) return `${s.months[fm - 1]} ${year}`;
  }
  return s.dateRange(f.date(period.from), f.date(period.to));
}

export interface Labels {
  row(table: TableId, key: string, province?: string): string;
  table(table: TableId): string;
}

export function labels(t: Messages, f: NumberFormat, lang: Language, districtNames: DistrictNames): Labels {
  const s = t.statistics;
  const v = s.values;
  const named = (map: Readonly<Record<string, string>>, key: string) => map[key] ?? v.unknown;
  return {
    table: (id) => s.tables[id],
    row(table, key, province) {
      switch (table) {
        case 'year':
          return f.digits(key);
        case 'half_year':
          return s.halfYear(key.slice(-1), f.digits(key.slice(0, 4)));
        case 'month':
          return `${s.months[Number(key.slice(5, 7)) - 1]} ${f.digits(key.slice(0, 4))}`;
        case 'district':
          if (key === otherDistricts) return v.otherDistricts;
          return lang === 'ur' ? (districtNames.get(districtKey(province ?? '', key)) ?? key) : key;
        case 'province':
          return named(v.province, key);
        case 'category':
          return named(v.category, key);
        case 'sex':
          return named(v.sex, key);
        case 'age_band':
          return named(v.age_band, key);
        case 'area':
          return named(v.area, key);
        case 'relationship':
          return named(v.relationship, key);
        case 'place':
          return named(v.place, key);
        case 'police_status':
          return named(v.police_status, key);
        case 'source':
          return named(v.source, key);
      }
    },
  };
}

// -------------------------------------------------------------------------------- chart

export interface ChartRow {
  label: string;
  /** null: withheld (no bar). */
  value: number | null;
  display: string;
  /** Staff preview: a count a release would withhold, drawn hatched. */
  flagged?: boolean;
}

const chartWidth = 400;

/**
 * A horizontal bar chart as inline SVG: each row's label on its own line (so long Urdu labels
 * fit on a phone), the bar under it, the number at its end. Right to left in Urdu. The chart is
 * an image with a title that says the same numbers are in the table beside it; the table is
 * what assistive technology reads.
 */
export function barChart(id: string, title: string, rows: readonly ChartRow[], dir: 'ltr' | 'rtl'): Html {
  const rtl = dir === 'rtl';
  const labelSize = rtl ? 19 : 14;
  const labelLine = rtl ? 34 : 20;
  const barHeight = 12;
  const rowHeight = labelLine + barHeight + 10;
  const valueSpace = 70;
  const maxBar = chartWidth - valueSpace - 12;
  const max = Math.max(1, ...rows.map((r) => r.value ?? 0));
  const height = rows.length * rowHeight + 4;
  // A little room at the edges: Nastaliq glyphs reach beyond their advance.
  const edge = 6;
  const anchor = rtl ? { x: chartWidth - edge, direction: 'rtl' } : { x: edge, direction: 'ltr' };
  return html`<svg class="chart" viewBox="0 0 ${chartWidth} ${height}" width="${chartWidth}" height="${height}" role="img" aria-labelledby="${id}-title" focusable="false">
<title id="${id}-title">${title}</title>
${rows.map((row, i) => {
  const top = i * rowHeight;
  const length = row.value === null || row.value === 0 ? 0 : Math.max(2, Math.round((row.value / max) * maxBar));
  const barX = rtl ? chartWidth - 6 - length : 6;
  const valueX = rtl ? barX - 6 : barX + length + 6;
  return html`<g>
<text x="${anchor.x}" y="${top + labelLine - 8}" font-size="${labelSize}" direction="${anchor.direction}" text-anchor="start" class="chart-label">${row.label}</text>
${length ? html`<rect x="${barX}" y="${top + labelLine}" width="${length}" height="${barHeight}" class="${row.flagged ? 'bar flagged' : 'bar'}"/>` : ''}
<text x="${valueX}" y="${top + labelLine + barHeight - 1}" font-size="13" direction="${anchor.direction}" text-anchor="start" class="chart-value">${row.display}</text>
</g>`;
})}
</svg>`;
}

// ------------------------------------------------------------------------------- tables

export interface TableOptions {
  /** Staff preview: show withheld values, marked. */
  preview?: boolean;
  previewMark?: string;
}

function countText(cell: Cell, f: NumberFormat, s: Messages['statistics'], options: TableOptions): string {
  if (cell.value === null) return s.withheldMark;
  return options.preview && cell.suppressed ? `${f.count(cell.value)} (${options.previewMark ?? ''})` : f.count(cell.value);
}

/** One table with its chart beside it, under its heading. */
export function statBlock(t: Messages, f: NumberFormat, l: Labels, dir: 'ltr' | 'rtl', table: StatTable, options: TableOptions = {}): Html {
  const s = t.statistics;
  const title = l.table(table.id);
  const headingId = `table-${table.id}`;
  const rows = table.rows.map((r) => ({ row: r, label: l.row(table.id, r.key, r.province) }));
  return html`<section class="stat-block" aria-labelledby="${headingId}">
<h2 id="${headingId}">${title}</h2>
<div class="stat-pair">
<div class="chart-box">${barChart(
    `chart-${table.id}`,
    s.chartLabel(title),
    rows.map(({ row, label }) => ({
      label,
      value: row.count.value,
      display: countText(row.count, f, s, options),
      flagged: options.preview === true && row.count.suppressed,
    })),
    dir,
  )}</div>
<div class="table-scroll" tabindex="0" role="region" aria-labelledby="${headingId}">
<table class="stat-table">
<caption class="visually-hidden">${title}</caption>
<thead><tr><th scope="col">${title}</th><th scope="col" class="num">${s.cases}</th><th scope="col" class="num">${s.share}</th></tr></thead>
<tbody>${rows.map(
    ({ row, label }) =>
      html`<tr${attrs({ class: row.count.suppressed ? 'withheld' : undefined })}><th scope="row">${label}</th><td class="num">${countText(row.count, f, s, options)}</td><td class="num">${row.percent === null || (options.preview && row.count.suppressed) ? '' : f.percent(row.percent)}</td></tr>`,
  )}</tbody>
<tfoot><tr><th scope="row">${s.total}</th><td class="num">${countText(table.total, f, s, options)}</td><td class="num"></td></tr></tfoot>
</table>
</div>
</div>
</section>`;
}

/** The comparison with the previous period: before, now and the change, for the total and each compared table. */
export function comparisonBlock(t: Messages, f: NumberFormat, l: Labels, release: Release, options: TableOptions = {}): Html | '' {
  const c = release.comparison;
  if (!c) return '';
  const s = t.statistics;
  const changeText = (n: number | null) => (n === null ? '' : html`<bdi dir="ltr">${f.change(n)}</bdi>`);
  const rowOf = (label: string, previous: Cell, current: Cell, change: number | null) =>
    html`<tr><th scope="row">${label}</th><td class="num">${countText(previous, f, s, options)}</td><td class="num">${countText(current, f, s, options)}</td><td class="num">${changeText(change)}</td></tr>`;
  const part = (table: ComparisonTable) => table.rows.map((r) => rowOf(l.row(table.id, r.key), r.previous, r.current, r.changePercent));
  return html`<section class="stat-block" aria-labelledby="table-comparison">
<h2 id="table-comparison">${s.changeHeading}</h2>
<p>${s.comparedWith(periodLabel(s, f, c.period))}</p>
<div class="table-scroll" tabindex="0" role="region" aria-labelledby="table-comparison">
<table class="stat-table">
<caption class="visually-hidden">${s.changeHeading}</caption>
<thead><tr><th scope="col"><span class="visually-hidden">${s.changeHeading}</span></th><th scope="col" class="num">${s.before}</th><th scope="col" class="num">${s.now}</th><th scope="col" class="num">${s.change}</th></tr></thead>
<tbody>
${rowOf(s.total, c.total.previous, c.total.current, c.total.changePercent)}
${c.tables.map((table) => html`<tr class="group"><th scope="rowgroup" colspan="4">${l.table(table.id)}</th></tr>${part(table)}`)}
</tbody>
</table>
</div>
</section>`;
}

/** Tables worth showing: a calendar table with a single row only repeats the total. */
export function shownTables(release: Release): StatTable[] {
  return release.tables.filter((t) => !periodTables.includes(t.id) || t.rows.length > 1);
}

// -------------------------------------------------------------------------------- pages

export interface DashboardState {
  releases: readonly ReleaseSummary[];
  current: { summary: ReleaseSummary; release: Release } | null;
  urduDigits: boolean;
  districtNames: DistrictNames;
}

const statisticsStylesheet = html`<link rel="stylesheet" href="/assets/statistics.css">`;

function query(lang: Language, params: { release?: number; digits?: boolean }): string {
  const parts = [
    params.release === undefined ? '' : `release=${params.release}`,
    params.digits && lang === 'ur' ? 'digits=urdu' : '',
  ].filter(Boolean);
  return parts.length ? `?${parts.join('&')}` : '';
}

function digitsSwitch(ctx: PageContext, page: string, release: number | undefined, urduDigits: boolean): Html | '' {
  if (ctx.lang !== 'ur') return '';
  const d = ctx.t.statistics.digits;
  const link = (urdu: boolean, text: string) =>
    urdu === urduDigits
      ? html`<strong aria-current="true">${text}</strong>`
      : html`<a href="/${ctx.lang}${page}${query(ctx.lang, { ...(release === undefined ? {} : { release }), digits: urdu })}">${text}</a>`;
  return html`<p class="digits-switch no-print">${d.label}: ${link(false, d.western)} · ${link(true, d.urdu)}</p>`;
}

function keyFigures(ctx: PageContext, f: NumberFormat, release: Release): Html {
  const s = ctx.t.statistics;
  const c = release.comparison;
  return html`<dl class="key-figures">
<div><dt>${s.totalCases}</dt><dd class="figure">${countText(release.total, f, s, {})}</dd></div>
${release.perDay === null ? '' : html`<div><dt>${s.perDayLabel}</dt><dd class="figure">${f.decimal(release.perDay)}</dd></div>`}
${
  c && c.total.changePercent !== null
    ? html`<div><dt>${s.comparedWith(periodLabel(s, f, c.period))}</dt><dd class="figure"><bdi dir="ltr">${f.change(c.total.changePercent)}</bdi></dd></div>`
    : ''
}
</dl>`;
}

/** The public dashboard: the chosen (default newest) release's tables with charts, downloads and other releases. */
export function dashboardPage(ctx: PageContext, state: DashboardState): Html {
  const s = ctx.t.statistics;
  const f = numberFormat(ctx.lang, state.urduDigits);
  const dir = ctx.t.dir as 'ltr' | 'rtl';
  const current = state.current;
  const l = labels(ctx.t, f, ctx.lang, state.districtNames);
  const body = current
    ? html`<h2 class="release-heading">${s.releaseHeading(periodLabel(s, f, current.summary.period))}</h2>
<p>${s.publishedOn(f.date(current.summary.createdAt.toISOString().slice(0, 10)))}</p>
${keyFigures(ctx, f, current.release)}
<section class="downloads no-print" aria-labelledby="downloads-heading">
<h2 id="downloads-heading">${s.downloads.heading}</h2>
<ul>
<li><a href="/${ctx.lang}/statistics/report${query(ctx.lang, { release: current.summary.id, digits: state.urduDigits })}">${s.downloads.report}</a></li>
<li><a href="/api/v1/statistics/releases/${current.summary.id}.csv" download>${s.downloads.csv}</a></li>
<li><a href="/api/v1/statistics/releases/${current.summary.id}" type="application/json">${s.downloads.json}</a></li>
</ul>
</section>
<p class="note">${s.withheldNote(f.count(current.release.k))}</p>
${comparisonBlock(ctx.t, f, l, current.release)}
${shownTables(current.release).map((table) => statBlock(ctx.t, f, l, dir, table))}
<p class="note">${s.method}</p>`
    : html`<p>${s.none}</p>`;
  const others = state.releases.filter((r) => r.id !== current?.summary.id);
  return layout(
    ctx,
    s.title,
    html`${statisticsStylesheet}
<div class="statistics">
<h1>${s.title}</h1>
<p class="lead">${s.intro}</p>
${digitsSwitch(ctx, '/statistics', current?.summary.id, state.urduDigits)}
${body}
${
  others.length
    ? html`<section class="no-print" aria-labelledby="other-releases"><h2 id="other-releases">${s.otherReleases}</h2><ul>${others.map(
        (r) =>
          html`<li><a href="/${ctx.lang}/statistics${query(ctx.lang, { release: r.id, digits: state.urduDigits })}">${periodLabel(s, f, r.period)}</a></li>`,
      )}</ul></section>`
    : ''
}
</div>`,
  );
}

/** The annual report in print layout, in the spirit of Sahil's "Cruel Numbers": the narrative numbers filled in, then the tables. */
export function annualReportPage(
  ctx: PageContext,
  state: { summary: ReleaseSummary; release: Release; urduDigits: boolean; districtNames: DistrictNames },
): Html {
  const s = ctx.t.statistics;
  const r = s.report;
  const f = numberFormat(ctx.lang, state.urduDigits);
  const dir = ctx.t.dir as 'ltr' | 'rtl';
  const l = labels(ctx.t, f, ctx.lang, state.districtNames);
  const { release } = state;
  const period = periodLabel(s, f, state.summary.period);
  const n = narrative(release);
  const sentences: string[] = [];
  if (n.total !== null) {
    sentences.push(r.total(period, f.count(n.total)));
    if (n.totalChange !== null && n.previousTotal !== null && release.comparison) {
      sentences.push(r.change(f.change(n.totalChange), periodLabel(s, f, release.comparison.period), f.count(n.previousTotal)));
    }
    if (n.perDay !== null) sentences.push(r.perDay(f.decimal(n.perDay)));
    if (n.sexChanges.length) {
      sentences.push(
        r.sexChanges(n.sexChanges.map((c) => `${l.row('sex', c.key)} ${f.change(c.changePercent)}`).join(ctx.lang === 'ur' ? '، ' : ', ')),
      );
    }
    if (n.girlsPercent !== null) sentences.push(r.girlsShare(f.percent(n.girlsPercent)));
    if (n.topCategories.length) {
      sentences.push(
        r.topCategories(
          n.topCategories
            .map((c) => `${l.row('category', c.key)} (${f.count(c.count)}${c.percent === null ? '' : `, ${f.percent(c.percent)}`})`)
            .join(ctx.lang === 'ur' ? '، ' : '; '),
        ),
      );
    }
    if (n.ruralPercent !== null) sentences.push(r.rural(f.percent(n.ruralPercent)));
    if (n.registeredPercent !== null) sentences.push(r.registered(f.percent(n.registeredPercent)));
  } else {
    sentences.push(r.notPublished);
  }
  // The record's fields in the release's order, then the year by half and by month, then the sources.
  const main: TableId[] = [...tableIds.filter((t) => !periodTables.includes(t) && t !== 'source'), 'half_year', 'month', 'source'];
  const tables = shownTables(release)
    .filter((t) => main.includes(t.id))
    .sort((a, b) => main.indexOf(a.id) - main.indexOf(b.id));
  return layout(
    ctx,
    r.title(period),
    html`${statisticsStylesheet}
<article class="statistics annual-report">
<h1>${r.title(period)}</h1>
<p class="no-print"><a href="/${ctx.lang}/statistics${query(ctx.lang, { release: state.summary.id, digits: state.urduDigits })}">${r.back}</a> <button type="button" class="print-button secondary">${r.print}</button></p>
${digitsSwitch(ctx, '/statistics/report', state.summary.id, state.urduDigits)}
<section aria-labelledby="key-figures"><h2 id="key-figures">${r.keyFigures}</h2>${keyFigures(ctx, f, release)}</section>
<section aria-labelledby="summary"><h2 id="summary">${r.summaryHeading}</h2>${sentences.map((text) => html`<p>${text}</p>`)}</section>
<p class="note">${s.withheldNote(f.count(release.k))}</p>
${comparisonBlock(ctx.t, f, l, release)}
${tables.map((table) => statBlock(ctx.t, f, l, dir, table))}
<p class="note">${s.method}</p>
</article>`,
    { scripts: ['/assets/print.js'] },
  );
}
