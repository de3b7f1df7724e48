import type { Language } from '../../domain/report.ts';
import type { Messages } from '../i18n/index.ts';
import { attrs, html, type Html } from './html.ts';

export interface PageContext {
  lang: Language;
  t: Messages;
  /** The page's path after the language prefix, e.g. "/report"; the language switch keeps it. */
  page: string;
}

/**
 * Urdu pages ask for the Nastaliq font (site.css) with the stylesheet instead of after it: on a slow
 * network it arrives about 2 s sooner, and the first paint is not later (docs/PERFORMANCE.md,
 * "Layout shift"). `crossorigin` because fonts are always fetched in CORS mode; it stays same-origin.
 */
const urduFontPreload = html`<link rel="preload" href="/assets/fonts/noto-nastaliq-urdu-400.woff2" as="font" type="font/woff2" crossorigin>`;

const otherLanguage = (lang: Language): Language => (lang === 'en' ? 'ur' : 'en');

export function layout(ctx: PageContext, title: string, main: Html, options: { scripts?: string[] } = {}): Html {
  const { t, lang } = ctx;
  const other = otherLanguage(lang);
  return html`<!doctype html>
<html lang="${lang}" dir="${t.dir}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · ${t.siteName}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/site.css">
${lang === 'ur' ? urduFontPreload : ''}
${(options.scripts ?? []).map((src) => html`<script type="module" src="${src}"></script>`)}
</head>
<body>
<a class="skip-link" href="#main">${t.skipToContent}</a>
<header class="site-header">
  <a class="site-name" href="/${lang}/">${t.siteName}</a>
  <nav aria-label="${t.nav.label}">
    <ul>
      <li><a href="/${lang}/report"${attrs({ 'aria-current': ctx.page === '/report' ? 'page' : undefined })}>${t.nav.report}</a></li>
      <li><a href="/${lang}/follow-up"${attrs({ 'aria-current': ctx.page === '/follow-up' ? 'page' : undefined })}>${t.nav.followUp}</a></li>
      <li><a href="/${lang}/statistics"${attrs({ 'aria-current': ctx.page === '/statistics' ? 'page' : undefined })}>${t.statistics.title}</a></li>
      <li><a class="language-switch" href="/${other}${ctx.page}" hreflang="${other}"><span class="visually-hidden">${t.otherLanguageLabel}: </span><span lang="${other}">${t.otherLanguage}</span></a></li>
    </ul>
  </nav>
</header>
<aside class="emergency" aria-labelledby="emergency-heading">
  <p><strong id="emergency-heading">${t.emergency.question}</strong> <a href="tel:15">${t.emergency.action}</a></p>
</aside>
<main id="main" tabindex="-1">
${main}
</main>
<footer class="site-footer">
  <h2>${t.helplines.heading}</h2>
  <ul class="helplines">
    ${t.helplines.items.map(
      (h) => html`<li><a href="tel:${h.number}"><bdi class="number">${h.number}</bdi></a> <strong>${h.name}</strong>: ${h.what}</li>`,
    )}
  </ul>
  <p>${t.footer.privacy}</p>
</footer>
</body>
</html>`;
}
