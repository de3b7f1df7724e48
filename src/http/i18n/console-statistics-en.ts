import { earliestMediaDate, mediaLimits, type mediaColumns } from '../../domain/media.ts';
import { sameIncidentWithinDays } from '../../domain/same-incident.ts';
import { maxK, maxPeriodYears, minK, type incidentSources } from '../../domain/statistics.ts';
import type { Labels } from './en.ts';

/** The newspaper import's limits as both languages write them: Western digits, thousands separated. */
export const mediaImport = {
  earliestYear: earliestMediaDate.slice(0, 4),
  maxRows: mediaLimits.maxRows.toLocaleString('en'),
  maxMegabytes: mediaLimits.maxBytes / 2 ** 20,
};

/** The console's statistics pages in English (the `statistics` section of console-en.ts). */
export const consoleStatisticsEn = {
  nav: 'Statistics',
  title: 'Statistics (unpublished)',
  intro:
    'Every count of the incident records, hotline and newspapers, as of now. Nothing here is public until a supervisor publishes a release.',
  filter: 'Show',
  from: 'From',
  to: 'To',
  province: 'Province',
  source: 'Source',
  all: 'All',
  apply: 'Show',
  sources: { hotline: 'Hotline', media: 'Newspapers' } satisfies Labels<typeof incidentSources>,
  wouldWithhold: 'would be withheld',
  wouldWithholdNote: (k: string) =>
    `Counts marked “would be withheld” are below ${k}, or withheld so that they cannot be worked out from the others. A release shows “–” instead.`,
  export: 'Download these tables (CSV)',
  previousPeriod: (period: string) => `Previous period: ${period}`,
  publish: {
    heading: 'Publish',
    intro:
      'Publishes the statistics of this period for the public: every source and province, with small counts withheld. A release cannot be changed or withdrawn; a correction is a new release.',
    k: 'Smallest count published (k)',
    submit: 'Publish these statistics',
    done: (id: string) => `Release ${id} is published.`,
    view: 'See it as the public does',
  },
  releases: { heading: 'Published releases', none: 'None yet.', period: 'Period', published: 'Published', total: 'Total' },
  media: {
    nav: 'Newspaper reports',
    title: 'Newspaper reports',
    intro:
      'Incidents reported in newspapers are counted in the statistics beside hotline cases, as Sahil counts them. Enter one per child and incident.',
    addHeading: 'Add a newspaper report',
    fields: {
      date: 'Date of the newspaper',
      newspaper: 'Newspaper',
      headline: 'Headline',
      url: 'Link (optional)',
      category: 'Kind of abuse',
      province: 'Province',
      district: 'District',
      area: 'City or village',
      sex: 'Sex of the child',
      age_band: 'Age of the child',
      relationship: 'Suspected person',
      place: 'Place',
      police_status: 'Police (FIR)',
    } satisfies Labels<typeof mediaColumns>,
    notKnown: 'Not known',
    choose: 'Choose…',
    add: 'Add',
    added: 'The newspaper report was added.',
    uploadHeading: 'Import a CSV file',
    uploadHint:
      'One row per incident, with the columns date, newspaper, headline, url, category, province, district, area, sex, age_band, relationship, place, police_status and the values of the report form (see README). If any row has a problem, nothing is imported: correct the file and upload all of it again.',
    file: 'CSV file',
    upload: 'Check and import',
    imported: (n: string) => `${n} newspaper reports were imported.`,
    rejected: (problems: string, rows: string) =>
      `Nothing was imported: ${problems} problems in ${rows} rows. Correct them and upload the whole file again.`,
    row: 'Row',
    column: 'Column',
    problem: 'Problem',
    recentHeading: 'Entered most recently',
    duplicatesHeading: 'Possibly counted twice',
    duplicatesIntro: `Newspaper reports within ${sameIncidentWithinDays} days of another record in the same district, whose age, sex and kind of abuse agree wherever both are known. Remove the newspaper report if it is the same incident.`,
    noDuplicates: 'None found.',
    sameAs: 'May be the same as',
    hotlineCase: 'Hotline case',
    remove: 'Remove this newspaper report',
    removed: 'The newspaper report was removed.',
  },
  problems: {
    invalid_date: 'Give a real date (YYYY-MM-DD).',
    future_date: 'This date is in the future.',
    too_old: `This date is before ${mediaImport.earliestYear}.`,
    required: 'Fill this in.',
    too_long: 'This is too long.',
    invalid_choice: 'Use one of the values of the form.',
    invalid_url: 'Not a web address: give the article’s whole address, such as https://www.dawn.com/news/1234567.',
    unsupported_scheme: 'Only http:// and https:// links.',
    control_characters: 'Remove the hidden control characters.',
    duplicate_row: 'The same as an earlier row.',
    already_imported: 'Already entered.',
    wrong_field_count: 'This row has a different number of columns from the header.',
    unknown_column: 'A column that is not part of the format.',
    missing_column: 'This column is missing from the header.',
    duplicate_column: 'This column appears twice in the header.',
    too_many_rows: `Too many rows: at most ${mediaImport.maxRows} in one file.`,
    file_too_large: `The file is too large: at most ${mediaImport.maxMegabytes} MB.`,
    not_utf8: 'The file is not UTF-8 text. Save it as “CSV UTF-8”.',
    empty_file: 'The file is empty.',
    no_rows: 'The file has no rows after the header.',
    no_file: 'Choose a file.',
    unterminated_quote: 'A quoted field is not closed.',
    stray_quote: 'A quote mark in the middle of a field.',
    period_order: 'The end is before the start.',
    period_too_long: `At most ${maxPeriodYears} years at a time.`,
    period_overlaps:
      'This period, or the one it is compared with, overlaps a published release without being the same period: the two could be subtracted from each other. Publish exactly the same period again to correct a release, or a period that overlaps none.',
    invalid_k: `A whole number from ${minK} to ${maxK}.`,
  },
};
