import { reportContexts } from '../domain/encryption-contexts.ts';
import type { DistrictStore, NamedDistrict } from '../store/districts.ts';
import type { Keyring } from './keys.ts';

export interface District {
  province: string;
  nameEn: string;
  nameUr: string;
}

/**
 * The district list administrators keep; a name not on it is still accepted. A report keeps in
 * clear only the list's English name, when the typed one is on the list in either language (so
 * statistics count "لاہور" and "lahore" as Lahore); any other typed text is kept encrypted for
 * staff to read, and counts as "other districts, or not known": see store/report-insert.ts and
 * migration 0010. When a typed name is on the list is ruled once, in store/districts.ts.
 */
export class DistrictDirectory {
  constructor(private readonly store: Pick<DistrictStore, 'list' | 'namedBy'>) {}

  list(): Promise<District[]> {
    return this.store.list();
  }

  /** The listed districts each typed name names, English in any case or Urdu (the rule: store/districts.ts). */
  namedBy(typed: readonly string[]): Promise<NamedDistrict[]> {
    return this.store.namedBy(typed);
  }
}

/** Rows one transaction of sealTypedDistricts takes. */
const sealBatch = 500;

/**
 * Encrypts the typed districts that migration 0010 set aside (reports stored before it with a
 * district not on the list) into their reports, and forgets the clear text: run at every start,
 * after the migrations, with the data key (main.ts, openStorage). With nothing left it costs one
 * query on an empty table. Each batch is one transaction (encrypted into the report and deleted
 * from the waiting table together), so a crash loses nothing and a rerun does only what is left;
 * instances starting together skip each other's locked rows. Returns how many it sealed.
 */
export async function sealTypedDistricts(store: Pick<DistrictStore, 'anyToSeal' | 'sealBatch'>, keyring: Keyring): Promise<number> {
  if (!(await store.anyToSeal())) return 0;
  let sealed = 0;
  for (;;) {
    const done = await store.sealBatch(sealBatch, (p) => keyring.encrypt(p.typed, reportContexts.district(p.reportId)));
    sealed += done;
    if (done < sealBatch) return sealed;
  }
}
