-- Published statistics: newspaper reports counted beside hotline cases, and the log of releases.
-- Keep to PostgreSQL 15 features.

-- Statistics count incidents by the date they were reported, over a period.
CREATE INDEX incident_records_reported_on ON incident_records (reported_on);

-- A media report must belong to an incident record whose source is 'media': the composite key
-- below refers to (id, source), and its own source column can only say 'media'.
ALTER TABLE incident_records ADD CONSTRAINT incident_records_id_source UNIQUE (id, source);

-- One newspaper report of one incident. Paper, headline and link are public newspaper text, kept
-- in clear; the incident's facts are on its incident_records row, deleted with it.
CREATE TABLE media_reports (
  id uuid PRIMARY KEY,
  incident_id uuid NOT NULL UNIQUE,
  incident_source text NOT NULL DEFAULT 'media' CHECK (incident_source = 'media'),
  newspaper text NOT NULL CHECK (length(newspaper) BETWEEN 1 AND 200),
  published_on date NOT NULL,
  headline text NOT NULL CHECK (length(headline) BETWEEN 1 AND 500),
  url text CHECK (length(url) <= 2048),
  -- Every field of the row, normalised: the same row entered twice is refused.
  row_key text NOT NULL UNIQUE,
  created_by uuid REFERENCES staff_users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (incident_id, incident_source) REFERENCES incident_records (id, source) ON DELETE CASCADE
);
CREATE INDEX media_reports_published_on ON media_reports (published_on);

-- Each publication of statistics, kept exactly as published (the tables, with withheld cells
-- already removed). Append-only: a correction is a new release.
CREATE TABLE statistics_releases (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  period_from date NOT NULL,
  period_to date NOT NULL,
  k integer NOT NULL CHECK (k BETWEEN 2 AND 100),
  -- The supervisor who published it; NULL when published from the command line.
  created_by uuid REFERENCES staff_users (id),
  created_by_label text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  tables jsonb NOT NULL,
  CHECK (period_from <= period_to)
);

CREATE FUNCTION statistics_releases_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'statistics_releases is append-only';
END;
$$;
CREATE TRIGGER statistics_releases_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON statistics_releases
  FOR EACH STATEMENT EXECUTE FUNCTION statistics_releases_is_append_only();
