import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auditActions } from '../../../domain/audit-actions.ts';
import type { Language } from '../../../domain/report.ts';
import type { AuditRecord } from '../../../services/audit.ts';
import { consoleMessages } from '../../i18n/console.ts';
import { messages } from '../../i18n/index.ts';
import { auditPage } from './audit-page.ts';

/** Ids of digits only, so that any Latin word left on the Urdu page is one the page wrote. */
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** Details as the services write them, for the actions whose details hold enumerations, booleans, lists and nesting. */
const detailsOf: Partial<Record<(typeof auditActions)[number], Record<string, unknown>>> = {
  'staff.invite': { role: 'analyst' },
  'staff.role': { staffId: id(1), from: 'analyst', to: 'supervisor' },
  sign_in: { secondFactor: 'recovery_code' },
  'case.state': { from: 'new', to: 'in_progress' },
  'case.assign': { staffId: id(2), taken: true, previous: null },
  'case.closure_request': { reason: 'no_further_action' },
  'case.reopen': { reason: 'reporter_message' },
  'report.classify': { category: 'online_grooming' },
  'report.file': { channel: 'walk_in' },
  'referral.add': { referralId: id(3), agencyId: id(4), method: 'letter', firStatus: 'pending' },
  'referral.update': {
    referralId: id(3),
    changed: ['firStatus', 'followUpOn', 'notes'],
    firStatus: 'registered',
    followUpOn: { from: null, to: '2026-12-20' },
  },
  'statistics.export': { from: '2026-01-01', to: '2026-06-30', province: 'balochistan', source: 'media' },
  'match.feedback': { bankId: 7, verdict: 'false_positive', confirmed: false, hiddenForKey: true },
  'api_key.create': { bankIds: [1, 2], scopes: ['match', 'feedback'] },
};

function pageIn(lang: Language): string {
  const entries: AuditRecord[] = auditActions.map((action, i) => ({
    seq: auditActions.length - i,
    at: new Date('2026-12-07T14:05:00Z'),
    actorId: null,
    actor: i % 2 ? 'system' : 'cli',
    action,
    objectType: 'case',
    objectId: id(100 + i),
    details: detailsOf[action] ?? {},
    hash: '',
  }));
  const ctx = { lang, t: messages[lang], c: consoleMessages[lang], page: '/audit', staff: undefined, csrf: '' };
  return auditPage(ctx, { entries, verified: { ok: true, entries: entries.length, head: null } }).value;
}

describe('the audit page', () => {
  it('names every action in words, in both languages', () => {
    for (const lang of ['en', 'ur'] as const) {
      const page = pageIn(lang);
      for (const action of auditActions) {
        const words = consoleMessages[lang].audit.actions[action];
        assert.ok(words.trim(), `${lang}: ${action} has no words`);
        assert.ok(page.includes(`<td>${words}</td>`), `${lang}: ${action} is not shown in words`);
        assert.ok(!page.includes(`>${action}<`), `${lang}: ${action} is shown as stored`);
      }
    }
  });

  it('shows details as labelled fields in words, never as JSON', () => {
    const en = pageIn('en');
    assert.doesNotMatch(en, /[{}]|&quot;/);
    assert.match(en, /<dt>Reason<\/dt><dd>The reporter wrote<\/dd>/);
    assert.match(en, /<dt>From<\/dt><dd>Analyst<\/dd><dt>To<\/dt><dd>Supervisor<\/dd>/);
    assert.match(en, /<dt>Taken by themself<\/dt><dd>Yes<\/dd><dt>Assigned before to<\/dt><dd>None<\/dd>/);
    assert.match(en, /<dt>Changed<\/dt><dd>FIR status، Follow-up date، Notes<\/dd>/);
    assert.match(
      en,
      /<dt>Follow up on<\/dt><dd><dl class="audit-details"><dt>From<\/dt><dd>None<\/dd><dt>To<\/dt><dd><bdi dir="ltr">2026-12-20<\/bdi>/,
    );
    assert.match(en, /<dt>Province<\/dt><dd>Balochistan<\/dd>/);
    assert.match(en, new RegExp(`<dt>Staff account</dt><dd><bdi dir="ltr">${id(1)}</bdi>`));
    assert.match(en, /<td>The command line<\/td>/);
  });

  it('leaves no English on the Urdu page: actions, objects, actors, fields and values are all in Urdu', () => {
    const text = pageIn('ur')
      .replace(/<(style|title)[\s\S]*?<\/\1>/g, ' ')
      // The language switch names English in English.
      .replace(/<span lang="en">[^<]*<\/span>/g, ' ')
      .replace(/<[^>]+>/g, ' ');
    assert.deepEqual([...new Set(text.match(/[A-Za-z]{2,}/g) ?? [])], []);
  });
});
