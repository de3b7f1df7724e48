-- The analysts' console: staff accounts and sessions, the audit log, cases, classification,
-- case work, referrals, and the anonymous incident record that outlives a purged case.

CREATE TABLE staff_users (
  id uuid PRIMARY KEY,
  email text NOT NULL UNIQUE CHECK (email = lower(email)),
  display_name text NOT NULL,
  role text NOT NULL CHECK (role IN ('administrator', 'supervisor', 'analyst', 'auditor')),
  status text NOT NULL DEFAULT 'invited' CHECK (status IN ('invited', 'active', 'disabled')),
  password_hash text,
  -- TOTP secret, AES-GCM encrypted; the last accepted time step refuses a replayed code.
  totp_secret bytea,
  totp_last_step bigint NOT NULL DEFAULT 0,
  enrolment_token_hash bytea UNIQUE,
  enrolment_expires_at timestamptz,
  language text NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'ur')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE staff_recovery_codes (
  user_id uuid NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
  code_hash bytea NOT NULL,
  used_at timestamptz,
  PRIMARY KEY (user_id, code_hash)
);

-- Only the SHA-256 of a session id is stored; the id itself lives in the staff member's cookie.
CREATE TABLE staff_sessions (
  id_hash bytea PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX staff_sessions_user ON staff_sessions (user_id);

-- Failed sign-ins per account name (existing or not) per hour; the delay grows with each one.
CREATE TABLE sign_in_failures (
  account text NOT NULL,
  window_start timestamptz NOT NULL,
  failures integer NOT NULL,
  last_failure_at timestamptz NOT NULL,
  PRIMARY KEY (account, window_start)
);

-- Append-only and hash-chained: each entry's hash covers its content and the previous hash,
-- keyed with a subkey of the data key so that nobody with only the database can rewrite it.
CREATE TABLE audit_log (
  seq bigint PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  actor_id uuid,
  actor text NOT NULL,
  action text NOT NULL,
  object_type text,
  object_id text,
  details jsonb NOT NULL DEFAULT '{}'::jsonb,
  prev_hash bytea NOT NULL,
  hash bytea NOT NULL
);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();

CREATE TABLE cases (
  id uuid PRIMARY KEY,
  reference text NOT NULL UNIQUE,
  state text NOT NULL DEFAULT 'new'
    CHECK (state IN ('new', 'triaged', 'in_progress', 'referred', 'closed')),
  closure_reason text CHECK (closure_reason IN ('actioned', 'no_further_action', 'duplicate', 'unfounded')),
  closure_requested_by uuid REFERENCES staff_users (id),
  closure_requested_at timestamptz,
  closure_approved_by uuid REFERENCES staff_users (id),
  merged_into uuid REFERENCES cases (id),
  assigned_to uuid REFERENCES staff_users (id),
  unread_reporter_messages integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  closed_at timestamptz
);
CREATE INDEX cases_state ON cases (state);
CREATE SEQUENCE case_reference_seq;

ALTER TABLE reports ADD COLUMN case_id uuid REFERENCES cases (id);
ALTER TABLE reports ADD COLUMN filed_by uuid REFERENCES staff_users (id);
ALTER TABLE reports ADD COLUMN filing_consent boolean;
ALTER TABLE reports DROP CONSTRAINT reports_source_check;
ALTER TABLE reports ADD CONSTRAINT reports_source_check CHECK (source IN ('portal', 'api', 'staff'));
CREATE INDEX reports_case ON reports (case_id);
ALTER TABLE report_messages ADD COLUMN staff_id uuid REFERENCES staff_users (id);

-- Every existing report becomes a case of its own.
INSERT INTO cases (id, reference, state, created_at, updated_at)
  SELECT r.id, 'HZ-' || to_char(r.created_at, 'YYYY') || '-' || lpad(nextval('case_reference_seq')::text, 6, '0'),
         CASE r.status WHEN 'received' THEN 'new' WHEN 'under_review' THEN 'in_progress' ELSE r.status END,
         r.created_at, r.created_at
  FROM reports r ORDER BY r.created_at;
UPDATE reports SET case_id = id;
ALTER TABLE reports ALTER COLUMN case_id SET NOT NULL;
-- The reporter's status is now derived from the case.
ALTER TABLE reports DROP COLUMN status;

CREATE TABLE report_classifications (
  report_id uuid PRIMARY KEY REFERENCES reports (id) ON DELETE CASCADE,
  category text NOT NULL,
  legal_bases text[] NOT NULL DEFAULT '{}',
  interpol_baseline boolean,
  tags text[] NOT NULL DEFAULT '{}',
  victim_age_band text NOT NULL DEFAULT 'unknown',
  victim_sex text NOT NULL DEFAULT 'unknown',
  material_viewed boolean,
  viewed_by text,
  classified_by uuid NOT NULL REFERENCES staff_users (id),
  classified_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE report_url_classifications (
  report_id uuid NOT NULL,
  position smallint NOT NULL,
  category text NOT NULL,
  legal_bases text[] NOT NULL DEFAULT '{}',
  interpol_baseline boolean,
  tags text[] NOT NULL DEFAULT '{}',
  victim_age_band text NOT NULL DEFAULT 'unknown',
  victim_sex text NOT NULL DEFAULT 'unknown',
  material_viewed boolean,
  viewed_by text,
  classified_by uuid NOT NULL REFERENCES staff_users (id),
  classified_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (report_id, position),
  FOREIGN KEY (report_id, position) REFERENCES report_urls (report_id, position) ON DELETE CASCADE
);

CREATE TABLE case_notes (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  case_id uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
  author_id uuid NOT NULL REFERENCES staff_users (id),
  body bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE case_tasks (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  case_id uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
  title text NOT NULL,
  due_on date NOT NULL,
  assigned_to uuid REFERENCES staff_users (id),
  created_by uuid NOT NULL REFERENCES staff_users (id),
  done_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX case_tasks_open ON case_tasks (due_on) WHERE done_at IS NULL;

CREATE TABLE agencies (
  id uuid PRIMARY KEY,
  name text NOT NULL UNIQUE,
  kind text NOT NULL CHECK (kind IN ('police', 'helpline', 'child_protection', 'cyber_crime', 'foreign_hotline', 'other')),
  contact text,
  active boolean NOT NULL DEFAULT true
);
INSERT INTO agencies (id, name, kind, contact) VALUES
  ('00000000-0000-4000-8000-000000000015', 'Emergency police (15) / district police', 'police', '15'),
  ('00000000-0000-4000-8000-000000001099', 'ZARRA helpline (1099)', 'helpline', '1099'),
  ('00000000-0000-4000-8000-000000001121', 'Child Protection and Welfare Bureau (1121)', 'child_protection', '1121'),
  ('00000000-0000-4000-8000-000000001098', 'Madadgaar National Helpline (1098)', 'helpline', '1098'),
  ('00000000-0000-4000-8000-00000000cc1a', 'NCCIA (National Cyber Crime Investigation Agency)', 'cyber_crime', NULL),
  ('00000000-0000-4000-8000-0000000f0e19', 'Foreign hotline (INHOPE member)', 'foreign_hotline', NULL);

CREATE TABLE referrals (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  case_id uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
  agency_id uuid NOT NULL REFERENCES agencies (id),
  referred_at timestamptz NOT NULL,
  method text NOT NULL CHECK (method IN ('phone', 'email', 'letter', 'portal', 'in_person')),
  agency_reference text,
  fir_status text NOT NULL CHECK (fir_status IN ('registered', 'refused', 'pending', 'not_applicable')),
  follow_up_on date,
  notes bytea,
  created_by uuid NOT NULL REFERENCES staff_users (id),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX referrals_follow_up ON referrals (follow_up_on);

-- One anonymous statistical record per incident: no narrative, no contact, nothing that names a
-- child. It survives the purge of its case (case_id becomes NULL).
CREATE TABLE incident_records (
  id uuid PRIMARY KEY,
  case_id uuid UNIQUE REFERENCES cases (id) ON DELETE SET NULL,
  source text NOT NULL CHECK (source IN ('hotline', 'media')),
  category text NOT NULL DEFAULT 'other',
  occurred_on date,
  reported_on date NOT NULL,
  province text NOT NULL DEFAULT 'unknown',
  district text,
  area text NOT NULL DEFAULT 'unknown',
  victim_sex text NOT NULL DEFAULT 'unknown',
  age_band text NOT NULL DEFAULT 'unknown',
  abuser_relationship text NOT NULL DEFAULT 'unknown',
  place text NOT NULL DEFAULT 'unknown',
  police_status text NOT NULL DEFAULT 'unknown',
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE settings (
  key text PRIMARY KEY,
  value jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO settings (key, value) VALUES ('retention_days', '365'::jsonb);
