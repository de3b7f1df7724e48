import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { exposedCells, thinMargins } from '../../test/helpers/release-audit.ts';
import { categories } from './classification.ts';
import {
  buildRelease,
  countRecords,
  emptyCounts,
  formatChange,
  monthsOf,
  narrative,
  periodDays,
  periodIssues,
  previousPeriod,
  releaseConflict,
  shiftYears,
  valueDimensionNames,
  type Counts,
  type IncidentFacts,
  type Release,
} from './statistics.ts';
import { abuserRelationships, ageBands, areas, places, policeStatuses, provinces } from './report.ts';

const record = (reportedOn: string, fields: Partial<IncidentFacts> = {}): IncidentFacts => ({
  source: 'hotline',
  category: 'other',
  reportedOn,
  province: 'unknown',
  district: null,
  area: 'unknown',
  victimSex: 'unknown',
  ageBand: 'unknown',
  abuserRelationship: 'unknown',
  place: 'unknown',
  policeStatus: 'unknown',
  ...fields,
});

const rows = (release: Release, table: string) =>
  Object.fromEntries(
    release.tables.find((t) => t.id === table)!.rows.map((r) => [r.province ? `${r.province}/${r.key}` : r.key, r.count.value]),
  );

// Ten incidents in 2024, one the day before and one the day after. Every expectation below was
// worked out by hand from this list (k = 3).
const fixture: IncidentFacts[] = [
  record('2024-01-10', {
    victimSex: 'girl',
    category: 'rape',
    province: 'punjab',
    district: 'Lahore',
    area: 'rural',
    policeStatus: 'registered',
    ageBand: '11-15',
  }),
  record('2024-01-20', {
    victimSex: 'girl',
    category: 'rape',
    province: 'punjab',
    district: 'Lahore',
    area: 'rural',
    policeStatus: 'registered',
    ageBand: '11-15',
  }),
  record('2024-02-05', {
    victimSex: 'girl',
    category: 'rape',
    province: 'punjab',
    district: 'Lahore',
    area: 'urban',
    policeStatus: 'registered',
    ageBand: '6-10',
    source: 'media',
  }),
  record('2024-03-15', {
    victimSex: 'boy',
    category: 'sodomy',
    province: 'punjab',
    district: 'Kasur',
    area: 'rural',
    policeStatus: 'not_yet',
    ageBand: '6-10',
    source: 'media',
  }),
  record('2024-04-01', {
    victimSex: 'girl',
    category: 'rape',
    province: 'sindh',
    district: 'Hyderabad',
    area: 'urban',
    policeStatus: 'refused',
    ageBand: '16-17',
  }),
  record('2024-07-09', {
    victimSex: 'boy',
    category: 'sodomy',
    province: 'punjab',
    district: 'Lahore',
    area: 'rural',
    policeStatus: 'registered',
    ageBand: '11-15',
    source: 'media',
  }),
  record('2024-08-30', { victimSex: 'girl', category: 'abduction', province: 'kp', area: 'rural', source: 'media' }),
  record('2024-09-12', {
    victimSex: 'girl',
    category: 'rape',
    province: 'punjab',
    district: 'Lahore',
    area: 'rural',
    policeStatus: 'registered',
    ageBand: '11-15',
  }),
  record('2024-11-11', {
    victimSex: 'girl',
    category: 'rape',
    province: 'punjab',
    district: 'Kasur',
    area: 'urban',
    policeStatus: 'registered',
    ageBand: '0-5',
  }),
  record('2024-12-31', {
    victimSex: 'boy',
    category: 'sodomy',
    province: 'punjab',
    area: 'rural',
    policeStatus: 'registered',
    ageBand: '11-15',
    source: 'media',
  }),
  record('2023-12-31', { victimSex: 'girl', category: 'rape' }),
  record('2025-01-01', { victimSex: 'girl', category: 'rape' }),
];
const year2024 = { from: '2024-01-01', to: '2024-12-31' };

test('counting: records outside the period are left out; every table adds up to the total', () => {
  const counts = countRecords(fixture, year2024);
  assert.equal(counts.total, 10);
  assert.deepEqual(counts.values.sex, { girl: 7, boy: 3 });
  assert.deepEqual(counts.values.source, { hotline: 5, media: 5 });
  assert.equal(counts.months['2024-01'], 2);
  for (const d of valueDimensionNames)
    assert.equal(
      Object.values(counts.values[d]).reduce((a, b) => a + b, 0),
      10,
      d,
    );
});

test('hand-computed fixture: primary and complementary suppression with k = 3', () => {
  const previous = previousPeriod(year2024);
  const release = buildRelease(
    { period: year2024, counts: countRecords(fixture, year2024), previous: { period: previous, counts: countRecords(fixture, previous) } },
    { k: 3, topDistricts: 5 },
  );
  assert.deepEqual(release.total, { value: 10, suppressed: false });
  assert.deepEqual(release.period, { from: '2024-01-01', to: '2024-12-31', days: 366 });
  // Not known (0) is below k; alone it would be 10 − 7 − 3, so boys (the smallest other) is withheld too.
  assert.deepEqual(rows(release, 'sex'), { girl: 7, boy: null, unknown: null });
  const sex = release.tables.find((t) => t.id === 'sex')!;
  assert.deepEqual(
    sex.rows.map((r) => r.count.suppressed),
    [false, true, true],
  );
  assert.equal(sex.rows[0]!.percent, 70);
  assert.equal(sex.rows[1]!.percent, null);
  // Abduction (1) and fifteen zeros are below k; their sum (1 = 10 − 6 − 3) fixes none of them but
  // is fewer than k, so sodomy (3, the smallest published) is withheld with them: 4.
  const category = rows(release, 'category');
  assert.equal(category.rape, 6);
  assert.equal(category.sodomy, null);
  assert.equal(category.abduction, null);
  assert.equal(Object.values(category).filter((v) => v === null).length, 17);
  // Every month is below 3; the half-years (5 and 5) are published and each hides six months.
  assert.deepEqual(rows(release, 'half_year'), { '2024-H1': 5, '2024-H2': 5 });
  assert.deepEqual(rows(release, 'year'), { '2024': 10 });
  assert.ok(Object.values(rows(release, 'month')).every((v) => v === null));
  assert.equal(Object.keys(rows(release, 'month')).length, 12);
  // Sindh 1, KP 1 and five zeros are below k; with Punjab's 8 published they would add up to 2
  // ("two incidents outside Punjab"), so Punjab is withheld too. Lahore (5) is the only district with at least k.
  assert.deepEqual(rows(release, 'province'), {
    punjab: null,
    sindh: null,
    kp: null,
    balochistan: null,
    ict: null,
    ajk: null,
    gb: null,
    unknown: null,
  });
  assert.deepEqual(rows(release, 'district'), { 'punjab/Lahore': 5, other: 5 });
  // Urban (3) goes with not known (0).
  assert.deepEqual(rows(release, 'area'), { urban: null, rural: 7, unknown: null });
  assert.deepEqual(rows(release, 'age_band'), { '0-5': null, '6-10': null, '11-15': 5, '16-17': null, unknown: null });
  assert.deepEqual(rows(release, 'police_status'), { registered: 7, refused: null, not_yet: null, unknown: null });
  assert.deepEqual(rows(release, 'source'), { hotline: 5, media: 5 });
  // Every relationship is not known: the other rows (all 0) would add up to 0, so not known (10) is withheld with them.
  assert.ok(Object.values(rows(release, 'relationship')).every((v) => v === null));
  assert.equal(release.perDay, 0);
  // The previous year had one record: all withheld, so no change is published.
  assert.deepEqual(release.comparison!.period, { from: '2023-01-01', to: '2023-12-31', days: 365 });
  assert.deepEqual(release.comparison!.total.previous, { value: null, suppressed: true });
  assert.equal(release.comparison!.total.changePercent, null);
  assert.deepEqual(exposedCells(release), []);
  assert.deepEqual(thinMargins(release), []);
});

test('reveal keeps withheld values for staff, flagged, with the same decisions', () => {
  const counts = countRecords(fixture, year2024);
  const published = buildRelease({ period: year2024, counts }, { k: 3 });
  const revealed = buildRelease({ period: year2024, counts }, { k: 3, reveal: true });
  assert.deepEqual(rows(revealed, 'sex'), { girl: 7, boy: 3, unknown: 0 });
  assert.deepEqual(
    revealed.tables.map((t) => t.rows.map((r) => r.count.suppressed)),
    published.tables.map((t) => t.rows.map((r) => r.count.suppressed)),
  );
});

test('fewer than k records in all: everything is withheld, even zeros and the total', () => {
  const release = buildRelease({ period: year2024, counts: countRecords(fixture.slice(0, 2), year2024) }, { k: 3 });
  assert.deepEqual(release.total, { value: null, suppressed: true });
  assert.equal(release.perDay, null);
  assert.ok(release.tables.every((t) => t.rows.every((r) => r.count.suppressed && r.count.value === null)));
});

/** Counts for a year with every breakdown not known except those given. */
function yearCounts(total: number, months: number[], sex: Record<string, number>): Counts {
  const counts = emptyCounts();
  counts.total = total;
  for (const d of valueDimensionNames) counts.values[d] = { [d === 'category' ? 'other' : d === 'source' ? 'media' : 'unknown']: total };
  counts.values.sex = sex;
  months.forEach((n, i) => (counts.months[`2018-${String(i + 1).padStart(2, '0')}`] = n));
  counts.geography = [{ province: 'punjab', district: null, count: total }];
  return counts;
}

test("Sahil's seed figures: 2017 → 2018 total +11% (3,445 → 3,832); boys +47%, girls +22%; 2018 H1 2,322 at 12.8 a day", () => {
  const h1 = [380, 360, 400, 390, 392, 400];
  const h2 = [260, 250, 240, 260, 250, 250];
  const y2017 = yearCounts(3445, [], { girl: 1900, boy: 900, unknown: 645 });
  const y2018 = yearCounts(3832, [...h1, ...h2], { girl: 2318, boy: 1323, unknown: 191 });
  const release = buildRelease({
    period: { from: '2018-01-01', to: '2018-12-31' },
    counts: y2018,
    previous: { period: previousPeriod({ from: '2018-01-01', to: '2018-12-31' }), counts: y2017 },
  });
  const c = release.comparison!;
  assert.deepEqual(c.period, { from: '2017-01-01', to: '2017-12-31', days: 365 });
  assert.equal(c.total.previous.value, 3445);
  assert.equal(c.total.current.value, 3832);
  assert.equal(formatChange(c.total.changePercent!), '+11%');
  const sex = Object.fromEntries(c.tables.find((t) => t.id === 'sex')!.rows.map((r) => [r.key, r.changePercent]));
  assert.deepEqual(sex, { girl: 22, boy: 47, unknown: -70 });
  assert.equal(rows(release, 'half_year')['2018-H1'], 2322);
  assert.equal(release.perDay, 10.5);
  const n = narrative(release);
  assert.equal(n.total, 3832);
  assert.equal(n.previousTotal, 3445);
  assert.equal(n.totalChange, 11);
  assert.deepEqual(n.sexChanges, [
    { key: 'girl', changePercent: 22 },
    { key: 'boy', changePercent: 47 },
  ]);

  const firstHalf = { from: '2018-01-01', to: '2018-06-30' };
  const h1Counts = yearCounts(2322, h1, { girl: 1400, boy: 800, unknown: 122 });
  const half = buildRelease({ period: firstHalf, counts: h1Counts });
  assert.equal(half.period.days, 181);
  assert.equal(half.total.value, 2322);
  assert.equal(half.perDay, 12.8);
  assert.equal(formatChange(-4), '−4%');
});

// The finding of issue 9: withheld cells that add up to fewer than k. Punjab has 32 incidents, 20
// in Lahore and 10 in Kasur; Sindh 8, all in Hyderabad; KP and Balochistan one each. Withholding
// only what is below k would publish Punjab 32, Sindh 8, Lahore 20, Kasur 10, and so tell that
// the other provinces had 2 incidents (42 − 32 − 8) and Punjab 2 outside Lahore and Kasur.
const provinceFixture = (() => {
  const many = (n: number, fields: Partial<IncidentFacts>) =>
    Array.from({ length: n }, (_, i) => record(`2024-0${1 + (i % 6)}-1${i % 9}`, { category: 'rape', victimSex: 'girl', ...fields }));
  return [
    ...many(20, { province: 'punjab', district: 'Lahore' }),
    ...many(10, { province: 'punjab', district: 'Kasur' }),
    ...many(2, { province: 'punjab' }),
    ...many(8, { province: 'sindh', district: 'Hyderabad' }),
    ...many(1, { province: 'kp' }),
    ...many(1, { province: 'balochistan' }),
  ];
})();
const firstHalf2024 = { from: '2024-01-01', to: '2024-06-30' };

test('withheld cells that add up to fewer than k are not left so: no margin tells of a place with fewer than k incidents', () => {
  const release = buildRelease({ period: firstHalf2024, counts: countRecords(provinceFixture, firstHalf2024) }, { k: 5 });
  assert.equal(release.total.value, 42);
  // Sindh (8, the smallest published province) is withheld with the small ones: they add up to 10.
  assert.deepEqual(rows(release, 'province'), {
    punjab: 32,
    sindh: null,
    kp: null,
    balochistan: null,
    ict: null,
    ajk: null,
    gb: null,
    unknown: null,
  });
  // Kasur (10, the smallest named district of Punjab) is withheld: Punjab less what is published of it is 12.
  // Then Hyderabad goes too, else "other districts" (4, below k) would be 42 − 20 − 10 − 8.
  assert.deepEqual(rows(release, 'district'), { 'punjab/Lahore': 20, 'punjab/Kasur': null, 'sindh/Hyderabad': null, other: null });
  assert.deepEqual(thinMargins(release), []);
  assert.deepEqual(exposedCells(release), []);
});

test('the audit finds margins whose withheld cells add up to fewer than k (the property test can fail)', () => {
  const release = buildRelease({ period: firstHalf2024, counts: countRecords(provinceFixture, firstHalf2024) }, { k: 5, reveal: true });
  const naive: Release = {
    ...release,
    tables: release.tables.map((t) => ({
      ...t,
      rows: t.rows.map((r) => ({
        ...r,
        count: r.count.value! < 5 ? { value: null, suppressed: true } : { value: r.count.value, suppressed: false },
      })),
    })),
  };
  const thin = thinMargins(naive);
  assert.ok(thin.includes('total = province: 2'), thin.join('\n'));
  assert.ok(thin.includes('punjab = its districts: 2'), thin.join('\n'));
  // Zero is fewer than k too: every category but rape is 0, so rape published would tell that the others are 0.
  assert.ok(thin.includes('total = category: 0'), thin.join('\n'));
  assert.deepEqual(
    thinMargins(buildRelease({ period: firstHalf2024, counts: countRecords(provinceFixture, firstHalf2024) }, { k: 5 })),
    [],
  );
});

test('a release may not overlap an earlier one without being the same period (nor may the periods they are compared with)', () => {
  const march = (from: number, to: number) => ({
    from: `2024-03-${String(from).padStart(2, '0')}`,
    to: `2024-03-${String(to).padStart(2, '0')}`,
  });
  const published = (id: number, period: { from: string; to: string }) => ({ id, period, comparison: previousPeriod(period) });
  // The finding: 1–10 March, then 1–11 March, differ by the incidents of 11 March.
  assert.deepEqual(releaseConflict(march(1, 11), [published(1, march(1, 10))]), { release: 1, theirs: march(1, 10), ours: march(1, 11) });
  assert.deepEqual(releaseConflict(march(5, 20), [published(1, march(1, 10))])?.release, 1);
  // The same period again is a correction; periods side by side share nothing.
  assert.equal(releaseConflict(march(1, 10), [published(1, march(1, 10))]), null);
  assert.equal(releaseConflict(march(11, 20), [published(1, march(1, 10))]), null);
  // A year after its own months would be the months' sum less one of them.
  assert.equal(releaseConflict({ from: '2024-01-01', to: '2024-12-31' }, [published(1, march(1, 31))])?.release, 1);
  // Year after year: each is compared with the one before, the same period as that release.
  const y = (year: number) => ({ from: `${year}-01-01`, to: `${year}-12-31` });
  assert.equal(releaseConflict(y(2024), [published(1, y(2022)), published(2, y(2023))]), null);
  // 2016–2017 was compared with 2014–2015; 2018 would be compared with 2017, part of 2016–2017.
  assert.deepEqual(releaseConflict(y(2018), [published(3, { from: '2016-01-01', to: '2017-12-31' })]), {
    release: 3,
    theirs: { from: '2016-01-01', to: '2017-12-31' },
    ours: y(2017),
  });
  // And 2015 is part of the period 2016–2017 was compared with.
  assert.deepEqual(releaseConflict(y(2015), [published(3, { from: '2016-01-01', to: '2017-12-31' })])?.theirs, {
    from: '2014-01-01',
    to: '2015-12-31',
  });
  assert.equal(releaseConflict(y(2015), [{ id: 4, period: y(2016), comparison: null }]), null);
});

test('periods: days, months, the period compared with, and what is refused', () => {
  assert.equal(periodDays({ from: '2018-01-01', to: '2018-06-30' }), 181);
  assert.deepEqual(monthsOf({ from: '2017-11-15', to: '2018-02-01' }), ['2017-11', '2017-12', '2018-01', '2018-02']);
  assert.deepEqual(previousPeriod({ from: '2018-01-01', to: '2018-06-30' }), { from: '2017-01-01', to: '2017-06-30' });
  assert.deepEqual(previousPeriod({ from: '2016-01-01', to: '2017-12-31' }), { from: '2014-01-01', to: '2015-12-31' });
  assert.deepEqual(previousPeriod({ from: '2018-03-01', to: '2018-03-31' }), { from: '2017-03-01', to: '2017-03-31' });
  assert.equal(shiftYears('2024-02-29', -1), '2023-02-28');
  assert.deepEqual(periodIssues({ from: '2018-02-30', to: '' }), [
    { field: 'from', problem: 'invalid_date' },
    { field: 'to', problem: 'required' },
  ]);
  assert.deepEqual(periodIssues({ from: '2018-02-01', to: '2018-01-01' }), [{ field: 'to', problem: 'period_order' }]);
  assert.deepEqual(periodIssues({ from: '2000-01-01', to: '2010-01-01' }), [{ field: 'to', problem: 'period_too_long' }]);
  assert.deepEqual(periodIssues({ from: '2025-01-01', to: '2025-12-31' }, '2025-06-01'), [{ field: 'to', problem: 'future_date' }]);
});

// ------------------------------------------------------------------------- property test

const districtsByProvince: Record<string, (string | null)[]> = {
  punjab: ['Lahore', 'Kasur', 'Multan', null],
  sindh: ['Karachi East', 'Hyderabad', null],
  kp: ['Peshawar', null],
};
/** Mostly a few common values (so that tables have cells on both sides of k), sometimes any. */
const skewed = <T>(all: readonly T[], common: number) =>
  fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...all.slice(0, common)) }, { weight: 1, arbitrary: fc.constantFrom(...all) });
const provinceArb = skewed([...provinces, 'unknown'], 3);
const incident = (from: number, days: number) =>
  fc
    .record({
      day: fc.integer({ min: from, max: from + days - 1 }),
      source: fc.constantFrom('hotline', 'media'),
      category: skewed(categories, 3),
      province: provinceArb,
      districtIndex: fc.nat(3),
      area: skewed([...areas, 'unknown'], 2),
      victimSex: skewed(['girl', 'boy', 'unknown'], 2),
      ageBand: skewed([...ageBands, 'unknown'], 3),
      abuserRelationship: skewed([...abuserRelationships, 'unknown'], 2),
      place: skewed([...places, 'unknown'], 2),
      policeStatus: skewed([...policeStatuses, 'unknown'], 2),
    })
    .map(({ day, districtIndex, ...r }): IncidentFacts => {
      const list = districtsByProvince[r.province] ?? [null];
      return { ...r, reportedOn: new Date(day * 86_400_000).toISOString().slice(0, 10), district: list[districtIndex % list.length]! };
    });

const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 86_400_000;

test("property: no withheld cell of a release can be derived from its published cells, no margin's withheld cells add up to fewer than k, and every published cell is at least k", () => {
  const scenario = fc
    .record({ start: fc.integer({ min: day('2017-01-01'), max: day('2019-12-31') }), length: fc.integer({ min: 1, max: 800 }) })
    .chain(({ start, length }) =>
      fc.record({
        start: fc.constant(start),
        length: fc.constant(length),
        k: fc.integer({ min: 2, max: 6 }),
        topDistricts: fc.integer({ min: 1, max: 4 }),
        // Records from a year before the period (the comparison) to its end.
        records: fc.array(incident(start - 400, length + 400), { maxLength: 250 }),
      }),
    );
  fc.assert(
    fc.property(scenario, ({ start, length, k, topDistricts, records }) => {
      const toIso = (d: number) => new Date(d * 86_400_000).toISOString().slice(0, 10);
      const period = { from: toIso(start), to: toIso(start + length - 1) };
      const previous = previousPeriod(period);
      const input = {
        period,
        counts: countRecords(records, period),
        previous: { period: previous, counts: countRecords(records, previous) },
      };
      const release = buildRelease(input, { k, topDistricts });
      assert.deepEqual(exposedCells(release), []);
      assert.deepEqual(thinMargins(release), []);
      const revealed = buildRelease(input, { k, topDistricts, reveal: true });
      for (const table of revealed.tables) {
        const sum = table.rows.reduce((s, r) => s + r.count.value!, 0);
        assert.equal(sum, input.counts.total, `${table.id} adds up to the total`);
        for (const row of table.rows) {
          if (row.count.value! < k) assert.ok(row.count.suppressed, `${table.id}:${row.key} below k is withheld`);
        }
      }
      for (const table of release.tables) for (const row of table.rows) assert.equal(row.count.value === null, row.count.suppressed);
    }),
    { numRuns: 100 },
  );
});

test('the audit finds what primary suppression alone would expose (the property test can fail)', () => {
  const counts = countRecords(fixture, year2024);
  const release = buildRelease({ period: year2024, counts }, { k: 3, reveal: true });
  // Withhold only the cells below k, as a naive publisher would.
  const naive: Release = {
    ...release,
    tables: release.tables.map((t) => ({
      ...t,
      rows: t.rows.map((r) => ({
        ...r,
        count: r.count.value! < 3 ? { value: null, suppressed: true } : { value: r.count.value, suppressed: false },
      })),
    })),
  };
  assert.deepEqual(exposedCells(naive).sort(), ['area:unknown', 'sex:unknown']);
});
