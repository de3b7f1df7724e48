import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csvField, csvLine, parseCsv } from './csv.ts';
import { mediaColumns, parseMediaCsv, validateMediaRow } from './media.ts';

const utf8 = (s: string) => new TextEncoder().encode(s);
const header = mediaColumns.join(',');

test('CSV: quotes, doubled quotes, line breaks in fields, CRLF, a byte-order mark, a last line without its end', () => {
  const parsed = parseCsv('\uFEFFa,b,c\r\n"x, y","say ""hi""","two\nlines"\r\n1,,3');
  assert.deepEqual(parsed, {
    ok: true,
    records: [
      ['a', 'b', 'c'],
      ['x, y', 'say "hi"', 'two\nlines'],
      ['1', '', '3'],
    ],
  });
  assert.deepEqual(parseCsv('a,"b\n'), { ok: false, row: 1, problem: 'unterminated_quote' });
  assert.deepEqual(parseCsv('a\nb"c"\n'), { ok: false, row: 2, problem: 'stray_quote' });
});

test('CSV output quotes what needs it and defuses formulas', () => {
  assert.equal(csvLine(['a,b', 'say "hi"', 3, null, true]), '"a,b","say ""hi""",3,,true\r\n');
  assert.equal(csvField('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
  assert.equal(csvField('-1'), "'-1");
  assert.equal(csvField(-1), '-1');
});

test('a media row: enumerations as in the portal, empty breakdowns mean not known', () => {
  const ok = validateMediaRow(
    {
      date: '2024-03-01',
      newspaper: 'Dawn',
      headline: 'Girl, 9, abused in Kasur',
      url: 'https://www.dawn.com/news/1',
      category: 'Rape',
      province: 'punjab',
      district: 'Kasur',
      sex: 'girl',
      age_band: '6-10',
    },
    '2024-06-01',
  );
  assert.ok(ok.ok);
  assert.equal(ok.record.category, 'rape');
  assert.equal(ok.record.area, 'unknown');
  assert.equal(ok.record.url, 'https://www.dawn.com/news/1');
  const bad = validateMediaRow(
    { date: '2024-07-01', newspaper: '', headline: 'x', category: 'murder', sex: 'female', url: 'ftp://x' },
    '2024-06-01',
  );
  assert.ok(!bad.ok);
  assert.deepEqual(bad.issues, [
    { field: 'date', problem: 'future_date' },
    { field: 'newspaper', problem: 'required' },
    { field: 'url', problem: 'unsupported_scheme' },
    { field: 'category', problem: 'invalid_choice' },
    { field: 'sex', problem: 'invalid_choice' },
  ]);
});

test('the link of a media row follows the same rule as the report form: pasted links kept, numbers refused', () => {
  const row = (url: string) =>
    validateMediaRow({ date: '2024-03-01', newspaper: 'Dawn', headline: 'x', category: 'rape', sex: 'girl', url }, '2024-06-01');
  const pasted = row('«www.dawn.com/news/1»۔');
  assert.ok(pasted.ok);
  assert.equal(pasted.record.url, 'http://www.dawn.com/news/1');
  assert.deepEqual(row('0xffffffff'), { ok: false, issues: [{ field: 'url', problem: 'invalid_url' }] });
});

test('a media file: every problem by row and column, duplicates within the file, header problems', () => {
  const file = [
    header,
    '2024-03-01,Dawn,Girl abused,https://dawn.com/1,rape,punjab,Lahore,urban,girl,6-10,neighbour,street,registered',
    '2024-02-30,Jang,Boy missing,,missing,sindh,,,boy,,,,',
    '',
    '2024-03-01,Dawn,Girl abused,https://dawn.com/1,rape,punjab,Lahore,urban,girl,6-10,neighbour,street,registered',
    '2024-03-02,Express,"Headline, with comma",,kidnapping,Punjab,,rural,girl,11-15,stranger,field,not_yet,extra',
    '2024-03-03,Express,Headline,,child_marriage,baluchistan,,village,girl,11-15,,,',
  ].join('\n');
  const parsed = parseMediaCsv(utf8(file), '2024-06-01');
  assert.equal(parsed.rows, 5);
  assert.deepEqual(
    parsed.records.map((r) => r.row),
    [2],
  );
  assert.deepEqual(parsed.problems, [
    { row: 3, column: 'date', problem: 'invalid_date' },
    { row: 5, column: null, problem: 'duplicate_row', detail: '2' },
    { row: 6, column: null, problem: 'wrong_field_count' },
    { row: 7, column: 'province', problem: 'invalid_choice' },
    { row: 7, column: 'area', problem: 'invalid_choice' },
  ]);
  assert.deepEqual(parseMediaCsv(utf8('date,paper\n'), '2024-06-01').problems.slice(0, 2), [
    { row: 1, column: null, problem: 'unknown_column', detail: 'paper' },
    { row: 1, column: 'newspaper', problem: 'missing_column' },
  ]);
  assert.deepEqual(parseMediaCsv(new Uint8Array([0xff, 0xfe, 0x41]), '2024-06-01').problems, [
    { row: 1, column: null, problem: 'not_utf8' },
  ]);
});
