import { randomUUID } from 'node:crypto';
import { commandLine } from '../../src/domain/actor.ts';
import { incidentRecords } from '../../src/store/schema.ts';
import type { TestApp } from './app.ts';

/**
 * Newspaper incident records of 2017–2018 and a release of January–June 2018 over them, so that
 * the statistics pages show what they show in use: charts, tables, cells withheld for small
 * counts (incest in KP: 2) and a year before (2017) left out. Returns the release's id.
 */
export async function publishSampleRelease(t: TestApp): Promise<number> {
  const record = (reportedOn: string, fields: Record<string, string>) => ({
    id: randomUUID(),
    source: 'media' as const,
    reportedOn,
    category: 'rape',
    ...fields,
  });
  await t.database.db
    .insert(incidentRecords)
    .values([
      ...Array.from({ length: 30 }, (_, i) =>
        record(`2018-0${1 + (i % 6)}-10`, { victimSex: 'girl', province: 'punjab', district: 'Lahore', area: 'rural' }),
      ),
      ...Array.from({ length: 12 }, (_, i) =>
        record(`2018-0${1 + (i % 6)}-12`, { victimSex: 'boy', category: 'sodomy', province: 'sindh', area: 'urban' }),
      ),
      ...Array.from({ length: 2 }, () => record('2018-03-03', { victimSex: 'boy', category: 'incest', province: 'kp' })),
      ...Array.from({ length: 25 }, () => record('2017-04-04', { victimSex: 'girl' })),
    ]);
  await t.services.statistics.publish(commandLine, { from: '2018-01-01', to: '2018-06-30' });
  return (await t.services.statistics.listReleases())[0]!.id;
}
