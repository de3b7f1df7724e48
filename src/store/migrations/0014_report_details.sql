-- Details after the receipt (issue 15): the portal's first step asks only what is needed to act, and
-- the receipt page offers to add the rest (date, place, district, the child, the suspected person,
-- police, contact details) to the same report. The page carries a continuation token, never the
-- receipt: 32 random bytes, of which only the SHA-256 is kept here, with the report, written by the
-- statement that stores the report (store/report-insert.ts), so it commits with it. It works once
-- and for detailsWindowMinutes (domain/report.ts) by the database clock: using it clears both
-- columns in the transaction that adds the details (store/report-details.ts). Reports from the API
-- or filed by staff never have one.
-- Keep to PostgreSQL 15 features (this also runs on PGlite).

ALTER TABLE reports ADD COLUMN details_token_hash bytea;
ALTER TABLE reports ADD COLUMN details_token_expires_at timestamptz;
-- When the reporter added details through the token (the console shows it); NULL: never.
ALTER TABLE reports ADD COLUMN details_added_at timestamptz;

-- A token always has its expiry, and an expiry only a token.
ALTER TABLE reports ADD CONSTRAINT reports_details_token_expiry
  CHECK ((details_token_hash IS NULL) = (details_token_expires_at IS NULL));

-- The look-up by token; unique, so one token can only ever name one report.
CREATE UNIQUE INDEX reports_details_token ON reports (details_token_hash) WHERE details_token_hash IS NOT NULL;
-- The maintenance timer forgets expired tokens (ReportService.purgeExpired): only reports holding one are indexed.
CREATE INDEX reports_details_token_expiry ON reports (details_token_expires_at) WHERE details_token_hash IS NOT NULL;
