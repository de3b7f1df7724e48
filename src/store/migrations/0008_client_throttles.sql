-- Throttles per client (and per client and target), shared by every process through the database,
-- replacing the budgets that one attacker could spend for everyone (ADR 0005):
--   throttle_counters  a global budget of failed receipt look-ups per ten minutes and of reports
--                      without proof of work per hour: 600 junk receipts or 320 junk reports locked
--                      every reporter out;
--   sign_in_failures   failures per account name: 100 failures from anyone kept the owner out too.
DROP TABLE throttle_counters;
DROP TABLE sign_in_failures;

-- One row per throttle, subject and window. `subject` is a 16-bit keyed tag of the client's address
-- (and of the target, such as the account name of a sign-in), under a key that changes with every
-- window: it lets a process find the client's row in this window, while some 65,000 IPv4 addresses
-- share each tag, so that a row names no address even to someone who also holds the data key.
-- `not_before` is when the next attempt may be made: attempts beyond a throttle's free ones wait
-- longer and longer. Rows are deleted a day after their window ends.
CREATE TABLE client_throttles (
  scope text NOT NULL,
  subject bytea NOT NULL CHECK (octet_length(subject) = 2),
  window_start timestamptz NOT NULL,
  hits integer NOT NULL CHECK (hits >= 0),
  not_before timestamptz NOT NULL,
  PRIMARY KEY (scope, subject, window_start)
);
CREATE INDEX client_throttles_window ON client_throttles (window_start);

-- Takes one attempt, atomically: the check and the count are one conditional upsert, so a burst of
-- concurrent attempts cannot pass together (each sees the count and the delay the one before it left).
-- `delays[n]` is the wait in seconds after the n-th attempt of the window (the last element for
-- every later one); the caller's rule builds it, so the rule is written only in src/domain/throttling.ts.
-- `p_now` is the caller's clock, so that one clock decides both the window and the delays.
-- Returns taken = true, or false with the row as it stands (the caller works out Retry-After).
-- Throttle rows may be lost in a crash without harm, so this transaction does not wait for its
-- commit to reach the disk: the row lock is held for microseconds, not for an fsync.
CREATE FUNCTION take_client_throttle(
  p_scope text, p_subject bytea, p_window_start timestamptz, p_now timestamptz, p_limit integer, p_delays integer[]
) RETURNS TABLE (taken boolean, hits integer, wait_seconds double precision)
LANGUAGE plpgsql AS $$
DECLARE
  n integer;
BEGIN
  PERFORM set_config('synchronous_commit', 'off', true);
  INSERT INTO client_throttles AS t (scope, subject, window_start, hits, not_before)
  VALUES (p_scope, p_subject, p_window_start, 1, p_now + make_interval(secs => p_delays[1]))
  ON CONFLICT (scope, subject, window_start) DO UPDATE
    SET hits = t.hits + 1,
        not_before = p_now + make_interval(secs => p_delays[least(t.hits + 1, cardinality(p_delays))])
    -- No wait after the attempts so far (the free ones, or a plain rate limit): the times of
    -- concurrent callers may arrive out of order by a few milliseconds, which must not refuse them.
    WHERE t.hits < p_limit AND (p_delays[least(t.hits, cardinality(p_delays))] = 0 OR t.not_before <= p_now)
  RETURNING t.hits INTO n;
  IF n IS NOT NULL THEN
    RETURN QUERY SELECT true, n, 0::double precision;
    RETURN;
  END IF;
  RETURN QUERY
    SELECT false, c.hits, greatest(0, extract(epoch FROM c.not_before - p_now))::double precision
    FROM client_throttles c
    WHERE c.scope = p_scope AND c.subject = p_subject AND c.window_start = p_window_start;
END
$$;
