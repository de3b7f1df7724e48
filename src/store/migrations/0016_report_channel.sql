-- How a caller reached the staff who filed their report (issue 16): a phone call or a visit. The
-- console's report page says who filed it, by which channel and with what consent. Until now the
-- channel was kept only in the report's 'report.file' audit entry, written in the same transaction
-- as the report (services/cases/actions.ts, fileOnBehalf); from now on it is stored with the report
-- by the statement that stores it (store/report-insert.ts). NULL for reports from the portal or the API.
-- Keep to PostgreSQL 15 features (this also runs on PGlite).

ALTER TABLE reports ADD COLUMN filing_channel text CHECK (filing_channel IN ('phone', 'walk_in'));

-- Reports filed before this migration: the channel their audit entry recorded. The audit log is
-- append-only and is only read here.
UPDATE reports r SET filing_channel = a.details ->> 'channel'
FROM audit_log a
WHERE r.source = 'staff'
  AND a.action = 'report.file'
  AND a.object_type = 'report'
  AND a.object_id = r.id::text
  AND a.details ->> 'channel' IN ('phone', 'walk_in');
