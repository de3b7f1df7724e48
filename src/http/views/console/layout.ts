import { may } from '../../../domain/actor.ts';
import { pakistanTimeZone } from '../../../domain/pakistan-time.ts';
import type { Language } from '../../../domain/report.ts';
import type { StaffMember } from '../../../services/staff.ts';
import type { ConsoleMessages } from '../../i18n/console.ts';
import type { Messages } from '../../i18n/index.ts';
import { attrs, html, type Html } from '../html.ts';

export interface ConsoleContext {
  lang: Language;
  t: Messages;
  c: ConsoleMessages;
  /** Path after /console/{lang}, for the language switch. */
  page: string;
  staff: StaffMember | undefined;
  /** The CSRF token every form of the page carries. */
  csrf: string;
}

export const consolePath = (lang: Language, page = '/') => `/console/${lang}${page}`;

const timeFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * Dates with times as every console page shows them, in Pakistan time. English: a 24-hour clock.
 * Urdu: Urdu's own times of day (صبح، دوپہر، سہ پہر، شام، رات), because ICU writes "AM" and "PM"
 * for ur-PK's ordinary time styles, and Western digits like the rest of the Urdu pages.
 * Built once per kind: a queue page formats hundreds of times.
 */
export function consoleTime(lang: Language, date: Date, precision: 'minute' | 'second' = 'minute'): string {
  const key = `${lang} ${precision}`;
  let format = timeFormats.get(key);
  if (!format) {
    const seconds = precision === 'second' ? { second: '2-digit' as const } : {};
    format =
      lang === 'ur'
        ? new Intl.DateTimeFormat('ur-PK-u-nu-latn', {
            day: 'numeric',
            month: 'short',
            year: 'numeric',
            hour: 'numeric',
            minute: '2-digit',
            ...seconds,
            dayPeriod: 'short',
            timeZone: pakistanTimeZone,
          })
        : new Intl.DateTimeFormat('en-GB', {
            dateStyle: 'medium',
            timeStyle: precision === 'second' ? 'medium' : 'short',
            timeZone: pakistanTimeZone,
          });
    timeFormats.set(key, format);
  }
  return format.format(date);
}

/**
 * The page a member of staff starts from: the queue, or the staff page for administrators,
 * who may not read cases (the queue would refuse them).
 */
export const homePage = (staff: StaffMember | undefined): string =>
  staff && !may(staff, 'readCases') && may(staff, 'administer') ? '/staff' : '/';

export function csrfField(ctx: ConsoleContext): Html {
  return html`<input type="hidden" name="_csrf" value="${ctx.csrf}">`;
}

export function consoleLayout(ctx: ConsoleContext, title: string, main: Html): Html {
  const { c, lang, staff } = ctx;
  const other: Language = lang === 'en' ? 'ur' : 'en';
  const link = (page: string, text: string) =>
    html`<li><a href="${consolePath(lang, page)}"${attrs({ 'aria-current': ctx.page === page ? 'page' : undefined })}>${text}</a></li>`;
  return html`<!doctype html>
<html lang="${lang}" dir="${ctx.t.dir}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title} · ${c.title}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/site.css">
<link rel="stylesheet" href="/assets/console.css">
</head>
<body class="console">
<a class="skip-link" href="#main">${ctx.t.skipToContent}</a>
<header class="site-header">
  <a class="site-name" href="${consolePath(lang, homePage(staff))}">${c.title}</a>
  <nav aria-label="${c.nav.label}">
    <ul>
      ${staff && may(staff, 'readCases') ? link('/', c.nav.queue) : ''}
      ${staff && may(staff, 'workCases') ? link('/file-report', c.nav.fileReport) : ''}
      ${staff && may(staff, 'readCases') ? link('/statistics', c.statistics.nav) : ''}
      ${staff && may(staff, 'superviseCases') ? link('/rota', c.notifications.rota.nav) : ''}
      ${staff && may(staff, 'workCases') ? link('/notifications', c.notifications.nav) : ''}
      ${staff && may(staff, 'readDashboard') ? link('/dashboard', c.dashboard.nav) : ''}
      ${staff && may(staff, 'administer') ? link('/staff', c.nav.staff) : ''}
      ${staff && may(staff, 'administer') ? link('/settings', c.nav.settings) : ''}
      ${staff && may(staff, 'readAudit') ? link('/audit', c.nav.audit) : ''}
      <li><a class="language-switch" href="${consolePath(other, ctx.page)}" hreflang="${other}"><span class="visually-hidden">${ctx.t.otherLanguageLabel}: </span><span lang="${other}">${ctx.t.otherLanguage}</span></a></li>
    </ul>
  </nav>
  ${
    staff
      ? html`<div class="session">
    <p>${c.signedInAs} <bdi>${staff.displayName}</bdi> (${c.roles[staff.role]}) · <a href="${consolePath(lang, '/account')}"${attrs({ 'aria-current': ctx.page === '/account' ? 'page' : undefined })}>${c.account.nav}</a></p>
    <form method="post" action="${consolePath(lang, '/sign-out')}">${csrfField(ctx)}<button type="submit" class="secondary">${c.signOut}</button></form>
    <form method="post" action="${consolePath(lang, '/sign-out-everywhere')}">${csrfField(ctx)}<button type="submit" class="secondary">${c.signOutEverywhere}</button></form>
  </div>`
      : ''
  }
</header>
<main id="main" tabindex="-1">
${main}
</main>
</body>
</html>`;
}
