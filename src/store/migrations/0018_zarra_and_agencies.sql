-- Clocks that follow the law, and agencies by their Urdu names (issue 16).
-- Keep to PostgreSQL 15 features (this also runs on PGlite). Forward-only.

-- The ZARRA clock. The Zainab Alert, Response and Recovery Act 2020 binds the police to notify the
-- 1099 helpline within 2 hours of a report of a missing or abducted child and to register an FIR;
-- the hotline keeps that clock for each case classified missing, abduction or kidnapping (the rule
-- is domain/zarra.ts, counted from the case's first receipt). Staff record here when 1099 was
-- notified and when the FIR was registered (services/cases/zarra.ts, audited as 'case.zarra').
-- NULL: not recorded (yet). The reference and the FIR number are optional and never without their time.

-- When 1099 (ZARRA) was notified of this case.
ALTER TABLE cases ADD COLUMN zarra_1099_notified_at timestamptz;
-- The alert's reference 1099 gave, if any.
ALTER TABLE cases ADD COLUMN zarra_1099_reference text;
-- When the police registered the FIR for this case.
ALTER TABLE cases ADD COLUMN zarra_fir_registered_at timestamptz;
-- The FIR's number, if known.
ALTER TABLE cases ADD COLUMN zarra_fir_number text;

ALTER TABLE cases ADD CONSTRAINT cases_zarra_1099_reference_with_time
  CHECK (zarra_1099_reference IS NULL OR zarra_1099_notified_at IS NOT NULL);
ALTER TABLE cases ADD CONSTRAINT cases_zarra_fir_number_with_time
  CHECK (zarra_fir_number IS NULL OR zarra_fir_registered_at IS NOT NULL);

-- Agencies by their Urdu names: the Urdu console shows name_ur, the English one name. NULL only for
-- an agency added without one (the console then shows its English name); every agency seeded by
-- migration 0003 is given its Urdu name below.
ALTER TABLE agencies ADD COLUMN name_ur text;

UPDATE agencies SET name_ur = v.name_ur
FROM (VALUES
  ('00000000-0000-4000-8000-000000000015'::uuid, 'ایمرجنسی پولیس (15) / ضلعی پولیس'),
  ('00000000-0000-4000-8000-000000001099'::uuid, 'زارا ہیلپ لائن (1099)'),
  ('00000000-0000-4000-8000-000000001121'::uuid, 'چائلڈ پروٹیکشن اینڈ ویلفیئر بیورو (1121)'),
  ('00000000-0000-4000-8000-000000001098'::uuid, 'مددگار قومی ہیلپ لائن (1098)'),
  ('00000000-0000-4000-8000-00000000cc1a'::uuid, 'این سی سی آئی اے (نیشنل سائبر کرائم انویسٹی گیشن ایجنسی)'),
  ('00000000-0000-4000-8000-0000000f0e19'::uuid, 'بیرونِ ملک ہاٹ لائن (اِن ہوپ کی رکن)')
) AS v (id, name_ur)
WHERE agencies.id = v.id;

-- A referral's follow-up clock: a new referral made without a follow-up date is given today (in
-- Pakistan) plus a number of days, by default the one for the agency's kind (domain/referral-follow-up.ts),
-- or this agency's own when set here. NULL: the kind's default.
ALTER TABLE agencies ADD COLUMN follow_up_days smallint CHECK (follow_up_days BETWEEN 1 AND 365);
