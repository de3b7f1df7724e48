import type { AuditRecord, AuditVerification } from '../../../services/audit.ts';
import { html, type Html } from '../html.ts';
import { consoleLayout, consolePath, consoleTime, type ConsoleContext } from './layout.ts';

type Words = Readonly<Record<string, string>>;

/** The words for a value of one detail, where the value is one of an enumeration's (ids, counts and dates have none). */
function enumerationOf(ctx: ConsoleContext, action: string, key: string): Words | undefined {
  const { c } = ctx;
  switch (key) {
    case 'from':
    case 'to':
      return action === 'case.state' ? c.enums.states : action === 'staff.role' ? c.roles : undefined;
    case 'role':
      return c.roles;
    case 'reason':
      // A supervisor's or analyst's closure reason; the system's reason to reopen; a bank entry's reason is free text.
      return action === 'case.reopen' ? c.audit.reopenReasons : action.startsWith('case.') ? c.enums.closureReasons : undefined;
    case 'category':
      return c.enums.categories;
    case 'channel':
      return c.fileReport.channels;
    case 'method':
      return c.enums.methods;
    case 'firStatus':
      return c.enums.firStatuses;
    case 'changed':
      return c.audit.referralFields;
    case 'secondFactor':
      return c.audit.secondFactors;
    case 'verdict':
      return c.audit.verdicts;
    case 'scopes':
      return c.audit.scopes;
    case 'province':
      return ctx.t.report.choices.provinces;
    case 'source':
      return c.statistics.sources;
    case 'part':
      return c.handover.parts;
    case 'purpose':
      return c.handover.purposes;
    case 'decision':
      return c.handover.decisions;
    case 'item':
      return c.handover.items;
    case 'language':
      return c.notifications.languages;
    default:
      return undefined;
  }
}

/** One detail's value in words: enumerations translated, yes/no, none; ids, counts, dates and names as stored. */
function valueInWords(ctx: ConsoleContext, value: unknown, enumeration: Words | undefined): Html {
  const a = ctx.c.audit;
  if (value === null || value === undefined) return html`${a.none}`;
  if (typeof value === 'boolean') return html`${value ? a.yes : a.no}`;
  if (typeof value === 'number') return html`${value}`;
  if (typeof value === 'string')
    return enumeration?.[value] !== undefined ? html`${enumeration[value]}` : html`<bdi dir="ltr">${value}</bdi>`;
  if (Array.isArray(value)) {
    return value.length ? html`${value.map((v, i) => html`${i ? '، ' : ''}${valueInWords(ctx, v, enumeration)}`)}` : html`${a.none}`;
  }
  return fieldsInWords(ctx, value as Record<string, unknown>, () => enumeration);
}

function fieldsInWords(ctx: ConsoleContext, details: Record<string, unknown>, enumerationFor: (key: string) => Words | undefined): Html {
  const fields: Words = ctx.c.audit.fields;
  return html`<dl class="audit-details">${Object.entries(details).map(
    ([key, value]) =>
      html`<dt>${fields[key] ?? html`<bdi dir="ltr">${key}</bdi>`}</dt><dd>${valueInWords(ctx, value, enumerationFor(key))}</dd>`,
  )}</dl>`;
}

/** Who acted, in words: a member of staff by email, the system, the command line, or an API key by its name. */
export function actorInWords(ctx: ConsoleContext, actor: string): Html {
  const a = ctx.c.audit.actors;
  if (actor === 'system') return html`${a.system}`;
  if (actor === 'cli') return html`${a.cli}`;
  const apiKey = /^api key "(.*)"$/s.exec(actor);
  return html`<bdi dir="ltr">${apiKey ? a.apiKey(apiKey[1]!) : actor}</bdi>`;
}

/** An entry's details in words, as this page shows them (also the case file's audit trail, case-record-page.ts). */
export function detailsInWords(ctx: ConsoleContext, action: string, details: Record<string, unknown>): Html | '' {
  return Object.keys(details).length ? fieldsInWords(ctx, details, (key) => enumerationOf(ctx, action, key)) : '';
}

export function auditPage(ctx: ConsoleContext, state: { entries: readonly AuditRecord[]; verified: AuditVerification }): Html {
  const a = ctx.c.audit;
  // Entries are read back as stored: an action or object type since renamed is shown as written.
  const actions: Words = a.actions;
  const objects: Words = a.objects;
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
        html`<tr><td>${e.seq}</td><td>${consoleTime(ctx.lang, e.at, 'second')}</td><td>${actorInWords(ctx, e.actor)}</td><td>${actions[e.action] ?? html`<bdi dir="ltr">${e.action}</bdi>`}</td><td>${e.objectType ? (objects[e.objectType] ?? html`<bdi dir="ltr">${e.objectType}</bdi>`) : ''} <bdi dir="ltr">${e.objectId ?? ''}</bdi></td><td>${Object.keys(e.details).length ? fieldsInWords(ctx, e.details, (key) => enumerationOf(ctx, e.action, key)) : ''}</td></tr>`,
    )}</tbody>
</table>
</div>
${last && last.seq > 1 ? html`<p><a href="${consolePath(ctx.lang, `/audit?before=${last.seq}`)}">${a.older}</a></p>` : ''}`,
  );
}
