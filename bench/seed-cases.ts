/**
 * Realistic case work, fast: `seedCases(database, count)` inserts `count` cases received over the
 * year before `options.now`, as the hotline would have them after a year of work, for the benches
 * (bench/case-queue.ts, the dashboard's) and for tests that need volume.
 *
 * - About 90% closed (older cases mostly closed, the last month's about half open), each closure
 *   with its reason, who asked, who approved (a supervisor) and when.
 * - One report per case, some (about 8%) two (duplicates linked into one case); reports of both
 *   kinds with provinces, districts from the district list (some not named), age bands, sexes,
 *   danger flags (true, false, not said); online reports with one to three links (keyed hashes and
 *   ciphertexts as the report service writes them); narratives encrypted with their context.
 * - Classifications (category, legal bases, victim's age and sex) for triaged cases, some of them
 *   missing, abduction or kidnapping; open cases still new are not classified, and some of them
 *   are past their triage time.
 * - ZARRA cases (missing, abduction, kidnapping) with 1099 notified (mostly within 2 hours) and FIRs.
 * - Referrals to today's agencies with FIR statuses and follow-up dates (some overdue), tasks,
 *   messages from reporters and staff (some unread), assignees, the incident record of each case.
 *
 * Everything is drawn from a seeded generator, so a seed gives the same cases; ids, receipts and
 * ciphertexts are random. Rows go in by batches of arrays (one statement per table per batch).
 * The database must be migrated. Nothing is audited: this is bench data, not case work.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Database } from '../src/store/database.ts';
import { Keyring } from '../src/services/keys.ts';
import { reportContexts } from '../src/domain/encryption-contexts.ts';
import { categories, type Category } from '../src/domain/classification.ts';
import { abuserRelationships, ageBands, places, policeStatuses, reporterRelationships } from '../src/domain/report.ts';
import { pakistanTimeZone } from '../src/domain/pakistan-time.ts';

export interface SeedOptions {
  /** Seals narratives, links and messages, and keys the links' hashes (default: a fresh key). */
  keyring?: Keyring;
  /** The end of the year the cases were received in (default: now). */
  now?: Date;
  /** The generator's seed (default 2026). */
  seed?: number;
  /** Rows per statement (default 5,000). */
  batchSize?: number;
}

export interface SeededCases {
  keyring: Keyring;
  /** The staff the cases were assigned to and closed by. */
  supervisorIds: string[];
  analystIds: string[];
  /** Some links that were reported, as typed (normalised already), each in one case or more. */
  links: string[];
  /** How many cases were left open. */
  open: number;
}

/** mulberry32: a small, fast, seeded generator. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function weighted<T>(next: () => number, entries: readonly (readonly [T, number])[]): () => T {
  const total = entries.reduce((s, [, w]) => s + w, 0);
  let sum = 0;
  const cumulative = entries.map(([value, w]) => [value, (sum += w) / total] as const);
  return () => {
    const x = next();
    return (cumulative.find(([, c]) => x < c) ?? cumulative.at(-1)!)[0];
  };
}

const agencyIds = [
  '00000000-0000-4000-8000-000000000015',
  '00000000-0000-4000-8000-000000001099',
  '00000000-0000-4000-8000-000000001121',
  '00000000-0000-4000-8000-000000001098',
  '00000000-0000-4000-8000-00000000cc1a',
  '00000000-0000-4000-8000-0000000f0e19',
];
const zarraLike: Category[] = ['missing', 'abduction', 'kidnapping'];
const hour = 3_600_000;
const day = 24 * hour;

/** Columns of one table, as arrays (one per column) that go as the parameters of one INSERT … SELECT FROM unnest. */
class Rows {
  readonly columns: unknown[][];
  constructor(width: number) {
    this.columns = Array.from({ length: width }, () => []);
  }
  push(...values: unknown[]): void {
    values.forEach((v, i) => this.columns[i]!.push(v));
  }
  get length(): number {
    return this.columns[0]!.length;
  }
}

const hex = (b: Buffer | null) => (b === null ? null : b.toString('hex'));
const iso = (d: Date | null) => (d === null ? null : d.toISOString());
const pakistanDate = (d: Date) => new Date(d.getTime() + 5 * hour).toISOString().slice(0, 10);

export async function seedCases(database: Database, count: number, options: SeedOptions = {}): Promise<SeededCases> {
  const keyring = options.keyring ?? new Keyring(randomBytes(32));
  const now = options.now ?? new Date();
  const next = random(options.seed ?? 2026);
  const batchSize = options.batchSize ?? 5_000;
  const tag = randomBytes(4).toString('hex');

  const supervisorIds = [randomUUID(), randomUUID()];
  const analystIds = Array.from({ length: 8 }, () => randomUUID());
  await database.rawTransaction((raw) =>
    raw.query(
      `INSERT INTO staff_users (id, email, display_name, role, status)
       SELECT id, 'bench-' || ord || '-${tag}@hifazat.test', 'Bench ' || ord, role, 'active'
       FROM unnest($1::uuid[], $2::text[]) WITH ORDINALITY AS t(id, role, ord)`,
      [
        [...supervisorIds, ...analystIds],
        [...supervisorIds.map(() => 'supervisor'), ...analystIds.map(() => 'analyst')],
      ],
    ),
  );
  const listed = await database.rawTransaction((raw) =>
    raw.query<{ province: string; name_en: string }>('SELECT province, name_en FROM districts ORDER BY province, name_en'),
  );
  const districtsOf = new Map<string, string[]>();
  for (const d of listed) districtsOf.set(d.province, [...(districtsOf.get(d.province) ?? []), d.name_en]);

  const province = weighted(next, [
    ['punjab', 62],
    ['sindh', 20],
    ['kp', 9],
    ['balochistan', 3],
    ['ict', 4],
    ['ajk', 1.5],
    ['gb', 0.5],
  ] as const);
  const ageBand = weighted(next, [...ageBands.map((a, i) => [a as string, [10, 25, 40, 20][i]!] as const), ['unknown', 5]]);
  const danger = weighted(next, [
    [true, 10],
    [false, 60],
    [null, 30],
  ] as const);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  const onlineCategory = weighted<Category>(next, [
    ['abuse_material', 70],
    ['sextortion', 15],
    ['online_grooming', 10],
    ['other', 5],
  ]);
  const abuseCategory = weighted<Category>(next, [
    ...categories
      .filter((c) => !['abuse_material', 'sextortion', 'online_grooming'].includes(c))
      .map((c) => [c, c === 'rape' || c === 'sodomy' ? 20 : zarraLike.includes(c) ? 8 : 3] as const),
  ]);
  const legalBasesOf: Partial<Record<Category, string[]>> = {
    abuse_material: ['ppc_292b_292c', 'peca_22'],
    sextortion: ['peca_21', 'peca_24'],
    online_grooming: ['ppc_292a'],
    rape: ['ppc_375_376', 'ppc_376_3'],
    sodomy: ['ppc_377'],
    kidnapping: ['ppc_364a', 'zarra'],
    abduction: ['ppc_364a', 'zarra'],
    missing: ['zarra'],
  };
  const closureReason = weighted(next, [
    ['actioned', 60],
    ['no_further_action', 20],
    ['duplicate', 8],
    ['unfounded', 12],
  ] as const);
  const firStatus = weighted(next, [
    ['registered', 45],
    ['refused', 10],
    ['pending', 30],
    ['not_applicable', 15],
  ] as const);

  const links: string[] = [];
  const linkPool = Array.from({ length: Math.max(50, Math.floor(count / 20)) }, (_, i) => `https://files.example/${tag}/${i}`);
  let open = 0;
  const yearMs = 365 * day;
  // Received times in increasing order, so references grow with them.
  const received = Array.from({ length: count }, () => now.getTime() - next() * yearMs).sort((a, b) => a - b);

  for (let start = 0; start < count; start += batchSize) {
    const caseRows = new Rows(14);
    const reportRows = new Rows(17);
    const urlRows = new Rows(4);
    const classificationRows = new Rows(8);
    const incidentRows = new Rows(12);
    const referralRows = new Rows(8);
    const messageRows = new Rows(5);
    const taskRows = new Rows(6);
    for (let i = start; i < Math.min(count, start + batchSize); i++) {
      const caseId = randomUUID();
      const receivedAt = new Date(received[i]!);
      const age = now.getTime() - receivedAt.getTime();
      const isOpen = next() < (age < 30 * day ? 0.5 : 0.065);
      if (isOpen) open++;
      // Open: mostly new in the first days, then triaged, in progress or referred.
      const state = !isOpen
        ? 'closed'
        : age < 2 * day && next() < 0.7
          ? 'new'
          : weighted(next, [
              ['new', 10],
              ['triaged', 25],
              ['in_progress', 40],
              ['referred', 25],
            ] as const)();
      const classified = state === 'closed' ? next() < 0.95 : state !== 'new' && next() < 0.92;
      const assignee = state === 'new' && next() < 0.7 ? null : pick(analystIds);
      const kind = next() < 0.6 ? 'online_material' : 'abuse';
      const category = kind === 'online_material' ? onlineCategory() : abuseCategory();
      const p = province();
      const list = districtsOf.get(p) ?? [];
      const district = list.length === 0 || next() < 0.08 ? null : list[Math.floor(list.length * next() ** 2)]!;
      const band = ageBand();
      const sex = next() < 0.55 ? 'girl' : next() < 0.97 ? 'boy' : 'unknown';
      const classifiedAt = new Date(receivedAt.getTime() + next() * (next() < 0.8 ? 24 * hour : 5 * day));
      const closedAt = state === 'closed' ? new Date(Math.min(now.getTime(), classifiedAt.getTime() + next() * 60 * day)) : null;
      const unread = isOpen && next() < 0.08 ? 1 + Math.floor(next() * 2) : 0;
      const reason = state === 'closed' ? closureReason() : null;
      // ZARRA cases: 1099 notified (mostly within its 2 hours), the FIR registered for most.
      const zarra = classified && zarraLike.includes(category);
      const notifiedAt = zarra && next() < 0.9 ? new Date(receivedAt.getTime() + (0.25 + next() * (next() < 0.85 ? 1.5 : 6)) * hour) : null;
      const firAt = zarra && next() < 0.7 ? new Date(receivedAt.getTime() + (2 + next() * 46) * hour) : null;
      caseRows.push(
        caseId,
        iso(receivedAt),
        state,
        reason,
        reason && pick(analystIds),
        closedAt && iso(new Date(closedAt.getTime() - hour)),
        reason && pick(supervisorIds),
        assignee,
        unread,
        iso(closedAt ?? classifiedAt),
        iso(closedAt),
        pakistanDate(receivedAt),
        iso(notifiedAt && new Date(Math.min(notifiedAt.getTime(), now.getTime()))),
        iso(firAt && new Date(Math.min(firAt.getTime(), now.getTime()))),
      );
      const reportCount = next() < 0.08 ? 2 : 1;
      for (let r = 0; r < reportCount; r++) {
        const reportId = r === 0 ? caseId : randomUUID();
        const reportAt = new Date(receivedAt.getTime() + r * next() * 3 * day);
        const reportKind = r === 0 ? kind : next() < 0.8 ? kind : kind === 'abuse' ? 'online_material' : 'abuse';
        reportRows.push(
          reportId,
          caseId,
          hex(randomBytes(32)),
          reportKind,
          next() < 0.7 ? 'ur' : 'en',
          p,
          district,
          next() < 0.6 ? 'rural' : 'urban',
          r === 0 ? band : ageBand(),
          sex,
          pick(abuserRelationships),
          reportKind === 'online_material' ? 'online' : pick(places),
          danger(),
          pick(policeStatuses),
          pick(reporterRelationships),
          hex(
            keyring.encrypt(
              JSON.stringify({ site: null, description: `Bench narrative ${i}.${r}: what the reporter wrote.` }),
              reportContexts.sensitive(reportId),
            ),
          ),
          iso(reportAt),
        );
        if (reportKind === 'online_material') {
          const n = 1 + Math.floor(next() ** 2 * 3);
          for (let position = 0; position < n; position++) {
            const url = next() < 0.3 ? pick(linkPool) : `https://site.example/${tag}/${i}/${r}/${position}`;
            if (links.length < 20 && url.startsWith('https://files')) links.push(url);
            urlRows.push(
              reportId,
              position,
              hex(keyring.mac('url-lookup', url)),
              hex(keyring.encrypt(url, reportContexts.url(reportId, position))),
            );
          }
        }
        if (classified) {
          const victimBand = next() < 0.3 ? ageBand() : 'unknown';
          classificationRows.push(
            reportId,
            r === 0 ? category : reportKind === 'online_material' ? onlineCategory() : abuseCategory(),
            legalBasesOf[category] ?? [],
            victimBand,
            next() < 0.4 ? sex : 'unknown',
            reportKind === 'online_material' ? next() < 0.9 : null,
            assignee ?? pick(analystIds),
            iso(new Date(classifiedAt.getTime() + r * hour)),
          );
        }
        if (r === 0 && (next() < 0.15 || unread > 0)) {
          const n = Math.max(unread, 1 + Math.floor(next() * 3));
          for (let m = 0; m < n; m++) {
            const author = m % 2 === 0 ? 'reporter' : 'staff';
            messageRows.push(
              reportId,
              author,
              author === 'staff' ? pick(analystIds) : null,
              hex(keyring.encrypt(`Bench message ${m}`, reportContexts.message(reportId, author))),
              iso(new Date(Math.min(now.getTime(), reportAt.getTime() + (m + 1) * (next() * 2 * day)))),
            );
          }
        }
      }
      incidentRows.push(
        randomUUID(),
        caseId,
        classified ? category : 'other',
        pakistanDate(receivedAt),
        p,
        district,
        next() < 0.6 ? 'rural' : 'urban',
        sex,
        band,
        pick(abuserRelationships),
        kind === 'online_material' ? 'online' : pick(places),
        pick(policeStatuses),
      );
      const referred = state === 'referred' || (classified && (state === 'closed' ? reason === 'actioned' : next() < 0.3));
      if (referred) {
        const referredAt = new Date(classifiedAt.getTime() + next() * 2 * day);
        const n = next() < 0.2 ? 2 : 1;
        for (let f = 0; f < n; f++) {
          let followUp = next() < 0.7 ? new Date(referredAt.getTime() + (3 + Math.floor(next() * 25)) * day) : null;
          // Staff move an open case's follow-up on when they chase it: most are still to come, some overdue.
          if (isOpen && followUp && followUp < now && next() < 0.85)
            followUp = new Date(now.getTime() + (1 + Math.floor(next() * 14)) * day);
          referralRows.push(
            caseId,
            zarraLike.includes(category) && f === 0 ? agencyIds[1]! : pick(agencyIds),
            iso(referredAt),
            pick(['phone', 'email', 'letter', 'portal', 'in_person']),
            next() < 0.5 ? `FIR-${i}-${f}` : null,
            firStatus(),
            followUp && pakistanDate(followUp),
            assignee ?? pick(analystIds),
          );
        }
      }
      if (isOpen && state !== 'new' && next() < 0.3) {
        let due = new Date(receivedAt.getTime() + (2 + Math.floor(next() * 20)) * day);
        if (due < now && next() < 0.85) due = new Date(now.getTime() + (1 + Math.floor(next() * 14)) * day);
        taskRows.push(
          caseId,
          'Call the district officer',
          pakistanDate(due),
          assignee,
          pick(supervisorIds),
          next() < 0.3 ? iso(now) : null,
        );
      }
    }

    await database.rawTransaction(async (raw) => {
      await raw.query(
        `INSERT INTO cases (id, reference, state, closure_reason, closure_requested_by, closure_requested_at, closure_approved_by,
                            assigned_to, unread_reporter_messages, created_at, updated_at, closed_at, zarra_1099_notified_at,
                            zarra_fir_registered_at)
         SELECT id, 'HZ-' || to_char(created_at AT TIME ZONE '${pakistanTimeZone}', 'YYYY') || '-' || lpad(nextval('case_reference_seq')::text, 6, '0'),
                state, closure_reason, closure_requested_by, closure_requested_at, closure_approved_by, assigned_to, unread,
                created_at, updated_at, closed_at, notified_at, fir_at
         FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::text[], $5::uuid[], $6::timestamptz[], $7::uuid[], $8::uuid[],
                     $9::int[], $10::timestamptz[], $11::timestamptz[], $12::text[], $13::timestamptz[], $14::timestamptz[])
           WITH ORDINALITY AS t(id, created_at, state, closure_reason, closure_requested_by, closure_requested_at, closure_approved_by,
                                assigned_to, unread, updated_at, closed_at, reported_on, notified_at, fir_at, ord)
         ORDER BY ord`,
        caseRows.columns,
      );
      await raw.query(
        `INSERT INTO reports (id, case_id, receipt_hash, kind, language, province, district, area, child_age_band, child_sex,
                              abuser_relationship, place, in_danger_now, police_status, reporter_relationship, sensitive, created_at, updated_at,
                              first_read_at)
         SELECT id, case_id, decode(receipt_hash, 'hex'), kind, language, province, district, area, child_age_band, child_sex,
                abuser_relationship, place, in_danger_now, police_status, reporter_relationship, decode(sensitive, 'hex'), created_at, created_at,
                created_at + interval '1 hour'
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
                     $11::text[], $12::text[], $13::boolean[], $14::text[], $15::text[], $16::text[], $17::timestamptz[])
           AS t(id, case_id, receipt_hash, kind, language, province, district, area, child_age_band, child_sex, abuser_relationship, place,
                in_danger_now, police_status, reporter_relationship, sensitive, created_at)`,
        reportRows.columns,
      );
      if (urlRows.length) {
        await raw.query(
          `INSERT INTO report_urls (report_id, position, url_hash, url)
           SELECT report_id, position, decode(url_hash, 'hex'), decode(url, 'hex')
           FROM unnest($1::uuid[], $2::smallint[], $3::text[], $4::text[]) AS t(report_id, position, url_hash, url)`,
          urlRows.columns,
        );
      }
      if (classificationRows.length) {
        // legal_bases are arrays of arrays of different lengths: sent as one JSON array.
        const [ids, cats, bases, ...rest] = classificationRows.columns;
        await raw.query(
          `INSERT INTO report_classifications (report_id, category, legal_bases, victim_age_band, victim_sex, material_viewed, classified_by, classified_at)
           SELECT report_id, category, ARRAY(SELECT jsonb_array_elements_text(($3::jsonb) -> (ord::int - 1))), victim_age_band, victim_sex,
                  material_viewed, classified_by, classified_at
           FROM unnest($1::uuid[], $2::text[], $4::text[], $5::text[], $6::boolean[], $7::uuid[], $8::timestamptz[])
             WITH ORDINALITY AS t(report_id, category, victim_age_band, victim_sex, material_viewed, classified_by, classified_at, ord)`,
          [ids, cats, JSON.stringify(bases), ...rest],
        );
      }
      await raw.query(
        `INSERT INTO incident_records (id, case_id, source, category, reported_on, province, district, area, victim_sex, age_band,
                                       abuser_relationship, place, police_status)
         SELECT id, case_id, 'hotline', category, reported_on, province, district, area, victim_sex, age_band, abuser_relationship, place, police_status
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::date[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                     $10::text[], $11::text[], $12::text[])
           AS t(id, case_id, category, reported_on, province, district, area, victim_sex, age_band, abuser_relationship, place, police_status)`,
        incidentRows.columns,
      );
      if (referralRows.length) {
        await raw.query(
          `INSERT INTO referrals (case_id, agency_id, referred_at, method, agency_reference, fir_status, follow_up_on, created_by, created_at)
           SELECT case_id, agency_id, referred_at, method, agency_reference, fir_status, follow_up_on, created_by, referred_at
           FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::date[], $8::uuid[])
             AS t(case_id, agency_id, referred_at, method, agency_reference, fir_status, follow_up_on, created_by)`,
          referralRows.columns,
        );
      }
      if (messageRows.length) {
        await raw.query(
          `INSERT INTO report_messages (report_id, author, staff_id, body, created_at)
           SELECT report_id, author, staff_id, decode(body, 'hex'), created_at
           FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::timestamptz[]) AS t(report_id, author, staff_id, body, created_at)`,
          messageRows.columns,
        );
      }
      if (taskRows.length) {
        await raw.query(
          `INSERT INTO case_tasks (case_id, title, due_on, assigned_to, created_by, done_at)
           SELECT * FROM unnest($1::uuid[], $2::text[], $3::date[], $4::uuid[], $5::uuid[], $6::timestamptz[])`,
          taskRows.columns,
        );
      }
    });
  }
  // As autovacuum would have them after a year: statistics, and the visibility map (index-only scans).
  for (const table of [
    'cases',
    'reports',
    'report_urls',
    'report_classifications',
    'referrals',
    'report_messages',
    'case_tasks',
    'incident_records',
  ]) {
    await database.db.execute(sql.raw(`VACUUM ANALYZE ${table}`));
  }
  return { keyring, supervisorIds, analystIds, links: [...new Set(links)], open };
}
