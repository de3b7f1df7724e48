-- Notifications to staff (issue 16): an on-duty rota, each person's muted kinds, and a queue of
-- notifications and their deliveries in the database, so that none is lost when the mail server
-- is down and none is sent twice when several processes run (services/notifications.ts).
-- A notification holds no content: its kind, its recipient and the case it is about (for the
-- recipient's own list in the console); what is sent says only that something waits, and where to
-- sign in (domain/notification-messages.ts). Keep to PostgreSQL 15 features (this also runs on PGlite).

-- The rota supervisors set: per person, shifts of an ISO weekday (1 Monday … 7 Sunday) from a start
-- to an end minute of the day in Pakistan time. An end at or before the start ends the next day
-- (a night shift); the same start and end is a whole day (domain/notifications.ts, shiftCovers).
CREATE TABLE staff_duty_shifts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  staff_id uuid NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
  weekday smallint NOT NULL CHECK (weekday BETWEEN 1 AND 7),
  start_minute smallint NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
  end_minute smallint NOT NULL CHECK (end_minute BETWEEN 0 AND 1439),
  created_by uuid NOT NULL REFERENCES staff_users (id),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX staff_duty_shifts_staff ON staff_duty_shifts (staff_id);

-- The kinds a person muted for themselves; urgent kinds cannot be (the CHECK lists the mutable ones).
CREATE TABLE notification_mutes (
  staff_id uuid NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('reporter_reply', 'closure_request', 'referral_follow_up')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (staff_id, kind)
);

-- One row per event and recipient: dedupe_key (kind:event:recipient) is unique, so two processes
-- that find the same event insert it once (INSERT … ON CONFLICT DO NOTHING). muted: made while the
-- recipient had muted its kind, so recorded and shown to them but not sent. case_id becomes NULL
-- when the case is purged after retention.
CREATE TABLE notifications (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  dedupe_key text NOT NULL UNIQUE,
  kind text NOT NULL CHECK (kind IN ('danger_report', 'triage_due', 'reporter_reply', 'closure_request', 'referral_follow_up')),
  recipient_id uuid NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
  case_id uuid REFERENCES cases (id) ON DELETE SET NULL,
  muted boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notifications_recipient ON notifications (recipient_id, created_at DESC);
CREATE INDEX notifications_created ON notifications (created_at);

-- A notification's delivery by one channel, made with it for each channel configured then. A
-- process claims due deliveries (FOR UPDATE SKIP LOCKED) by setting claim_token and a lease
-- (claimed_until), sends outside any transaction, then records the outcome only while it still
-- holds the claim; a process that dies mid-send leaves a lease that ends, and another retries.
-- attempts counts the tries, next_attempt_at the backoff; 'failed' is given up (after a day).
CREATE TABLE notification_deliveries (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  notification_id bigint NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
  channel text NOT NULL CHECK (channel IN ('email', 'webhook')),
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  claim_token uuid,
  claimed_until timestamptz,
  sent_at timestamptz,
  last_error text,
  UNIQUE (notification_id, channel)
);
-- The worker's look-up: due deliveries still pending, soonest first.
CREATE INDEX notification_deliveries_due ON notification_deliveries (next_attempt_at) WHERE status = 'pending';

-- Every attempt and its outcome (the error as the transport gave it, without the message).
CREATE TABLE notification_attempts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  delivery_id bigint NOT NULL REFERENCES notification_deliveries (id) ON DELETE CASCADE,
  started_at timestamptz NOT NULL,
  finished_at timestamptz NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('sent', 'failed')),
  error text
);
CREATE INDEX notification_attempts_delivery ON notification_attempts (delivery_id);

-- What the scanner reads every 15 seconds, kept cheap however many cases there are: closures
-- awaiting approval, and reporters' messages of the last day (staff's have an index of their own).
CREATE INDEX cases_closure_pending ON cases (closure_requested_at) WHERE closure_requested_by IS NOT NULL AND state <> 'closed';
CREATE INDEX report_messages_reporter_created_at ON report_messages (created_at) WHERE author = 'reporter';
