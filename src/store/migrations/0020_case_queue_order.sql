-- The queue ordered and paged by the database (issue 16): with 100,000 cases a page of the queue and
-- a search must each take under 100 ms, so the queue no longer reads every matching case's reports to
-- sort them in memory. Each case keeps what its place is computed from (kept by triggers on reports
-- and classifications); the query (store/case-queue.ts) adds what depends on the time now (overdue),
-- and sorts, counts and pages.
-- Keep to PostgreSQL 15 features (this also runs on PGlite). Forward-only.
--
-- THE REFERENCE IS THE DOMAIN: domain/classification.ts (caseUrgency, compareQueueOrder, awaitsTriage,
-- triageClock) and domain/zarra.ts. What follows restates only caseUrgency's aggregation and the age
-- bands' order; the hours and the ZARRA categories are the domain's values, passed to the query as
-- parameters. test/integration/case-queue-order.test.ts checks, on random cases on both engines, that
-- the database's order is the domain's: change one and that test fails until the other follows.

-- The rank of an age band in the queue: younger first (domain/report.ts ageBands, in that order), any
-- other value (unknown, or unexpected) after every known one (domain/classification.ts ageRank).
CREATE FUNCTION queue_age_rank(band text) RETURNS smallint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(array_position(ARRAY['0-5', '6-10', '11-15', '16-17'], band) - 1, 4)::smallint
$$;

-- What each case's place in the queue is computed from, on the case itself (so the queue reads one
-- table, in the order of an index where it can). Written only by the triggers below; NULL for a case
-- without reports (one whose reports were moved to another case when duplicates were linked), which
-- the queue does not show.
-- A report of it says a child is in danger now (null, not said, counts as not: caseUrgency).
ALTER TABLE cases ADD COLUMN queue_in_danger boolean;
-- The youngest age band any report gives, as an analyst judged it, else as reported (effectiveFactsOf), ranked.
ALTER TABLE cases ADD COLUMN queue_age_rank smallint;
-- Its first receipt: the oldest report's created_at.
ALTER TABLE cases ADD COLUMN queue_received_at timestamptz;
-- One of its reports is classified: triage is recorded (awaitsTriage).
ALTER TABLE cases ADD COLUMN queue_classified boolean;
-- Every category its reports and links are classified with (isZarraCase reads them).
ALTER TABLE cases ADD COLUMN queue_categories text[];
-- When it was triaged: its reports' first classification (the supervisor's dashboard, store/dashboard.ts,
-- times triage by it without reading every report of a year).
ALTER TABLE cases ADD COLUMN queue_triaged_at timestamptz;
-- The province of the report it was opened with (the report whose id is the case's): the dashboard's
-- figures by province read it here.
ALTER TABLE cases ADD COLUMN queue_province text;

-- Recomputes those columns for these cases from their reports and classifications. (PL/pgSQL, so that
-- each connection plans the statement once: it runs after every statement that stores a report.)
CREATE FUNCTION refresh_case_queue_keys(ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  UPDATE cases c SET
    queue_in_danger = k.in_danger, queue_age_rank = k.age_rank, queue_received_at = k.received_at,
    queue_classified = k.classified, queue_categories = k.categories, queue_triaged_at = k.triaged_at,
    queue_province = k.province
  FROM (
    SELECT id.case_id,
           bool_or(r.in_danger_now IS TRUE) AS in_danger,
           min(queue_age_rank(coalesce(nullif(rc.victim_age_band, 'unknown'), r.child_age_band))) AS age_rank,
           min(r.created_at) AS received_at,
           CASE WHEN count(r.id) > 0 THEN bool_or(rc.report_id IS NOT NULL) END AS classified,
           min(rc.classified_at) AS triaged_at,
           min(r.province) FILTER (WHERE r.id = id.case_id) AS province,
           CASE WHEN count(r.id) > 0 THEN coalesce(
             (SELECT array_agg(DISTINCT category ORDER BY category) FROM (
                SELECT x.category FROM report_classifications x JOIN reports xr ON xr.id = x.report_id WHERE xr.case_id = id.case_id
                UNION
                SELECT u.category FROM report_url_classifications u JOIN reports ur ON ur.id = u.report_id WHERE ur.case_id = id.case_id
              ) AS all_categories),
             '{}') END AS categories
    FROM unnest(ids) AS id(case_id)
    LEFT JOIN reports r ON r.case_id = id.case_id
    LEFT JOIN report_classifications rc ON rc.report_id = r.id
    GROUP BY id.case_id
  ) k
  WHERE c.id = k.case_id
    AND (c.queue_in_danger, c.queue_age_rank, c.queue_received_at, c.queue_classified, c.queue_categories, c.queue_triaged_at,
         c.queue_province)
        IS DISTINCT FROM (k.in_danger, k.age_rank, k.received_at, k.classified, k.categories, k.triaged_at, k.province);
END;
$$;

-- Kept by statement triggers (one refresh per statement, however many rows it touched): on reports
-- (a new report, a report moved to another case when duplicates are linked, its facts changed, a
-- purge) and on the classifications of reports and links.
CREATE FUNCTION case_queue_keys_from_reports() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    -- A report stored with its own new case (store/report-insert.ts: the case's id is the report's)
    -- wrote the case's keys in the same statement; refreshing it again would only cost an update of
    -- the case and its indexes on every submission. Any other report added to a case is refreshed.
    PERFORM refresh_case_queue_keys(ARRAY(
      SELECT DISTINCT n.case_id FROM new_rows n JOIN cases c ON c.id = n.case_id
      WHERE n.case_id <> n.id OR c.queue_received_at IS DISTINCT FROM n.created_at));
  ELSIF TG_OP = 'UPDATE' THEN
    PERFORM refresh_case_queue_keys(ARRAY(SELECT case_id FROM new_rows UNION SELECT case_id FROM old_rows));
  ELSE
    PERFORM refresh_case_queue_keys(ARRAY(SELECT DISTINCT case_id FROM old_rows));
  END IF;
  RETURN NULL;
END;
$$;
CREATE TRIGGER case_queue_keys_report_insert AFTER INSERT ON reports
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION case_queue_keys_from_reports();
CREATE TRIGGER case_queue_keys_report_update AFTER UPDATE ON reports
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION case_queue_keys_from_reports();
CREATE TRIGGER case_queue_keys_report_delete AFTER DELETE ON reports
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION case_queue_keys_from_reports();

-- A classification names its report; the case is the report's (none when the report is gone: a purge).
CREATE FUNCTION case_queue_keys_from_classifications() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM refresh_case_queue_keys(ARRAY(SELECT DISTINCT r.case_id FROM reports r WHERE r.id IN (SELECT report_id FROM new_rows)));
  ELSIF TG_OP = 'UPDATE' THEN
    PERFORM refresh_case_queue_keys(ARRAY(
      SELECT DISTINCT r.case_id FROM reports r
      WHERE r.id IN (SELECT report_id FROM new_rows UNION SELECT report_id FROM old_rows)));
  ELSE
    PERFORM refresh_case_queue_keys(ARRAY(SELECT DISTINCT r.case_id FROM reports r WHERE r.id IN (SELECT report_id FROM old_rows)));
  END IF;
  RETURN NULL;
END;
$$;
CREATE TRIGGER case_queue_keys_classification_insert AFTER INSERT ON report_classifications
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION case_queue_keys_from_classifications();
CREATE TRIGGER case_queue_keys_classification_update AFTER UPDATE ON report_classifications
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION case_queue_keys_from_classifications();
CREATE TRIGGER case_queue_keys_classification_delete AFTER DELETE ON report_classifications
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION case_queue_keys_from_classifications();
CREATE TRIGGER case_queue_keys_link_classification_insert AFTER INSERT ON report_url_classifications
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION case_queue_keys_from_classifications();
CREATE TRIGGER case_queue_keys_link_classification_update AFTER UPDATE ON report_url_classifications
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION case_queue_keys_from_classifications();
CREATE TRIGGER case_queue_keys_link_classification_delete AFTER DELETE ON report_url_classifications
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION case_queue_keys_from_classifications();

-- The cases there are already.
SELECT refresh_case_queue_keys(ARRAY(SELECT id FROM cases));

-- The open cases (about a tenth of them, a year on) in the triage order without its overdue part
-- (which depends on the time now), with what the overdue part, the filters on the case and an
-- analyst's reach read: the queue sorts them from this index alone (an index-only scan), then reads
-- the page's cases. Their overdue tasks and follow-ups are found from here too.
CREATE INDEX cases_queue_open ON cases (queue_in_danger DESC, queue_age_rank, queue_received_at, id)
  INCLUDE (state, assigned_to, queue_classified, queue_categories, zarra_1099_notified_at) WHERE state <> 'closed';
-- The cases of one state in that order: a closed case is never overdue, so pages of closed cases are
-- read in this index's order, as far as the page and no further.
CREATE INDEX cases_queue_state ON cases (state, queue_in_danger DESC, queue_age_rank, queue_received_at, id)
  INCLUDE (assigned_to, queue_classified, queue_categories, zarra_1099_notified_at) WHERE queue_received_at IS NOT NULL;
-- The queue's counts per state (of the cases it lists: those with reports), from a small index.
CREATE INDEX cases_queue_states ON cases (state) WHERE queue_received_at IS NOT NULL;
-- The cases a search found through their reports, looked up by id from this index alone (counting
-- them must not read every case).
CREATE INDEX cases_queue_by_id ON cases (id) INCLUDE (state, assigned_to, queue_received_at, queue_in_danger)
  WHERE queue_received_at IS NOT NULL;
-- Searches by district look for the reports that name it; by danger now, for the reports that say so.
CREATE INDEX reports_district ON reports (district, case_id) WHERE district IS NOT NULL;
CREATE INDEX reports_in_danger ON reports (case_id, province, kind) WHERE in_danger_now;
-- A case's referrals; and the follow-ups due, whose open cases the queue lists (read from this index alone).
CREATE INDEX referrals_case ON referrals (case_id, follow_up_on);
CREATE INDEX referrals_follow_up_case ON referrals (follow_up_on, case_id) INCLUDE (id);
