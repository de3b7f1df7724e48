-- Statistics counted ahead of time: monthly counts of incident_records, and the months whose
-- counts are out of date. Keep to PostgreSQL 15 features (this also runs on PGlite).

-- The records of one month, source and province counted by each dimension the one-way tables use
-- (the incident_records column it counts) and by the typed district. The 'district' rows hold
-- every record once, so the totals by source, month and place are sums of them. A record without
-- a district is a 'district' row whose value is NULL (NULLS NOT DISTINCT keeps it one row): no
-- sentinel text that someone could type as a district. Zero counts are not stored.
-- Written only by StatisticsCounting.refreshStale (services/statistics/counting.ts), one whole month at a time.
CREATE TABLE incident_monthly_counts (
  month date NOT NULL CHECK (extract(day FROM month) = 1),
  source text NOT NULL,
  province text NOT NULL,
  -- category, victim_sex, age_band, area, abuser_relationship, place, police_status or district.
  dimension text NOT NULL,
  value text CHECK (value IS NOT NULL OR dimension = 'district'),
  n integer NOT NULL CHECK (n > 0),
  UNIQUE NULLS NOT DISTINCT (month, source, province, dimension, value)
);

-- Months (their first day) whose records changed since their counts were made. A month listed
-- here is counted from incident_records until it is refreshed.
CREATE TABLE incident_counts_stale (
  month date PRIMARY KEY CHECK (extract(day FROM month) = 1)
);

-- One advisory lock per month (a key of its own, apart from the other advisory locks' constants).
-- Writers of incident_records hold it shared until they commit; a refresher takes it exclusively
-- and only when no writer holds it, so that it never removes a month's marker while a writer that
-- found that marker already there (and so added none) is still to commit.
CREATE FUNCTION incident_counts_lock_key(day date) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN 7351100000000 + extract(year FROM day)::bigint * 12 + extract(month FROM day)::bigint;

-- Marks the month of a day stale. ON CONFLICT DO NOTHING takes no row lock on a marker that is
-- already there, so concurrent report submissions are not queued on it (counters updated here
-- would queue every submission of a month on the same rows).
CREATE FUNCTION incident_counts_mark_stale(day date) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock_shared(incident_counts_lock_key(day));
  INSERT INTO incident_counts_stale (month) VALUES (date_trunc('month', day::timestamp)::date) ON CONFLICT DO NOTHING;
END;
$$;

-- The month a record leaves and the month it joins. (TRUNCATE is not followed: nothing truncates
-- incident_records.)
CREATE FUNCTION incident_records_mark_counts_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN PERFORM incident_counts_mark_stale(OLD.reported_on); END IF;
  IF TG_OP <> 'DELETE' THEN PERFORM incident_counts_mark_stale(NEW.reported_on); END IF;
  RETURN NULL;
END;
$$;
CREATE TRIGGER incident_records_counts_stale AFTER INSERT OR UPDATE OR DELETE ON incident_records
  FOR EACH ROW EXECUTE FUNCTION incident_records_mark_counts_stale();

-- Existing records: every month is stale, and the first refresh (the maintenance job at start)
-- counts them.
INSERT INTO incident_counts_stale (month)
SELECT DISTINCT date_trunc('month', reported_on::timestamp)::date FROM incident_records;
