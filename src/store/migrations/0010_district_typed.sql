-- A district a reporter types is kept in clear only as the district list's English name, as
-- before when the typed text is on the list in either language. Any other text is kept only
-- encrypted, in reports.district_typed (AES-256-GCM under the data key, written by the service:
-- SQL cannot encrypt), so that staff still read it in the console; the clear columns hold NULL,
-- which is what statistics already count as "other districts, or not known" (they name only
-- listed districts) and what the duplicate suggestions never match. NULL, not a sentinel such as
-- 'other': the monthly counts (0006) keep no-district as NULL so that no text can clash with it.
-- Newspaper reports (incident_records with source 'media') keep their district as entered: it is
-- public newspaper text, entered by staff beside the headline and link kept in clear.
-- Keep to PostgreSQL 15 features (this also runs on PGlite).

-- Set only when the report named a district that is not on the list; then district is NULL.
ALTER TABLE reports ADD COLUMN district_typed bytea;
ALTER TABLE reports ADD CONSTRAINT reports_district_once CHECK (district IS NULL OR district_typed IS NULL);

-- Reports stored before this migration with a district not on the list: the typed text waits here
-- until the first start with the data key (services/districts.ts, sealTypedDistricts, run after
-- the migrations) encrypts it into reports.district_typed and deletes the row, in the same
-- transaction. Empty from then on, so that each later start finds nothing with one cheap query.
CREATE TABLE report_districts_to_seal (
  report_id uuid PRIMARY KEY REFERENCES reports (id) ON DELETE CASCADE,
  typed text NOT NULL
);

-- Stored districts are the list's English names exactly (the insert canonicalised them); any
-- other value is text someone typed.
INSERT INTO report_districts_to_seal (report_id, typed)
SELECT r.id, r.district FROM reports r
WHERE r.district IS NOT NULL AND NOT EXISTS (SELECT 1 FROM districts d WHERE d.name_en = r.district);
UPDATE reports SET district = NULL WHERE id IN (SELECT report_id FROM report_districts_to_seal);

-- The anonymous records of hotline cases (also those whose case was purged): a typed district
-- becomes no district, where the statistics counted it already. Their trigger marks the months
-- stale.
UPDATE incident_records i SET district = NULL
WHERE i.source = 'hotline' AND i.district IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM districts d WHERE d.name_en = i.district);

-- The monthly counts by typed district of hotline records go too; their months are marked stale,
-- so they are counted from incident_records until the next refresh recounts them.
WITH gone AS (
  DELETE FROM incident_monthly_counts c
  WHERE c.source = 'hotline' AND c.dimension = 'district' AND c.value IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM districts d WHERE d.name_en = c.value)
  RETURNING c.month
)
INSERT INTO incident_counts_stale (month) SELECT DISTINCT month FROM gone ON CONFLICT DO NOTHING;
