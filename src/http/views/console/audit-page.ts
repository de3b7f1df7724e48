import { pakistanTimeZone } from '../../../domain/pakistan-time.ts';
import type { AuditRecord, AuditVerification } from '../../../services/audit.ts';
import { html, type Html } from '../html.ts';
import { consoleLayout, consolePath, type ConsoleContext } from './layout.ts';

export function auditPage(ctx: ConsoleContext, state: { entries: readonly AuditRecord[]; verified: AuditVerification }): Html {
  const a = ctx.c.audit;
  const time = new Intl.DateTimeFormat(ctx.lang === 'ur' ? 'ur-PK-u-nu-latn' : 'en-GB', {
    dateStyle: 'medium',
    timeStyle: 'medium',
    timeZone: pakistanTimeZone,
  });
  const last = state.entries.at(-1);
  return consoleLayout(
    ctx,
    a.title,
    html`<h1>${a.title}</h1>
<p class="${state.verified.ok ? 'notice' : 'error'}" role="status">${state.verified.ok ? a.chainOk(state.verified.entries) : a.chainBroken(state.verified.problemCount)}</p>
<div class="table-scroll" tabindex="0" role="region" aria-label="${a.title}">
<table>
<thead><tr><th scope="col">${a.seq}</th><th scope="col">${a.at}</th><th scope="col">${a.actor}</th><th scope="col">${a.action}</th><th scope="col">${a.object}</th><th scope="col">${a.details}</th></tr></thead>
<tbody>${state.entries.map(
      (e) =>
        html`<tr><td>${e.seq}</td><td>${time.format(e.at)}</td><td><bdi dir="ltr">${e.actor}</bdi></td><td><code dir="ltr">${e.action}</code></td><td><bdi dir="ltr">${e.objectType ?? ''} ${e.objectId ?? ''}</bdi></td><td><code dir="ltr">${Object.keys(e.details).length ? JSON.stringify(e.details) : ''}</code></td></tr>`,
    )}</tbody>
</table>
</div>
${last && last.seq > 1 ? html`<p><a href="${consolePath(ctx.lang, `/audit?before=${last.seq}`)}">${a.older}</a></p>` : ''}`,
  );
}
