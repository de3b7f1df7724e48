-- The supervisor's dashboard (issue 16; store/dashboard.ts) reads a period's cases, referrals, closures and
-- staff replies. A year reads nearly every row whatever the indexes (hash joins over whole tables); these
-- let a shorter period (by default the last 30 days) read only its own rows.
-- Keep to PostgreSQL 15 features (this also runs on PGlite). Forward-only.

-- Cases by their first receipt (migration 0020's key): time to triage counts the cases first received
-- in the period (store/dashboard.ts, triage).
CREATE INDEX cases_queue_received_at ON cases (queue_received_at);

-- Cases by when they were stored: the notifications' scanner looks for the untriaged cases of the
-- last day (store/notifications.ts).
CREATE INDEX cases_created_at ON cases (created_at);

-- Cases closed in the period, by closure reason.
CREATE INDEX cases_closed_at ON cases (closed_at) WHERE state = 'closed';

-- Referrals made in the period, by organisation kind and FIR status, and by district.
CREATE INDEX referrals_referred_at ON referrals (referred_at);

-- Staff's first replies to the reports received in the period.
CREATE INDEX report_messages_staff_created_at ON report_messages (created_at, report_id) WHERE author = 'staff';
