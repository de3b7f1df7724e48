-- Reports from the public portal and the API, and what supports them.
-- Sensitive text (narrative, site, URLs, contact details, messages) is stored only as AES-GCM
-- ciphertext (bytea); see src/services/keys.ts. Keep to PostgreSQL 15 features.

CREATE TABLE reports (
  id uuid PRIMARY KEY,
  receipt_hash bytea NOT NULL UNIQUE,
  kind text NOT NULL CHECK (kind IN ('online_material', 'abuse')),
  language text NOT NULL CHECK (language IN ('en', 'ur')),
  status text NOT NULL DEFAULT 'received'
    CHECK (status IN ('received', 'under_review', 'referred', 'closed')),
  occurred_on date,
  occurred_precision text NOT NULL DEFAULT 'day' CHECK (occurred_precision IN ('day', 'month', 'year')),
  province text NOT NULL,
  district text,
  area text NOT NULL,
  child_age_band text NOT NULL,
  child_sex text NOT NULL,
  abuser_relationship text NOT NULL,
  place text NOT NULL,
  in_danger_now boolean,
  police_status text NOT NULL,
  reporter_relationship text NOT NULL,
  contact_consent boolean NOT NULL DEFAULT false,
  sensitive bytea NOT NULL,
  contact bytea,
  source text NOT NULL DEFAULT 'portal' CHECK (source IN ('portal', 'api')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reports_created_at ON reports (created_at);

-- One row per reported URL: the keyed hash finds the same URL across reports without
-- decrypting anything.
CREATE TABLE report_urls (
  report_id uuid NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
  position smallint NOT NULL,
  url_hash bytea NOT NULL,
  url bytea NOT NULL,
  PRIMARY KEY (report_id, position)
);
CREATE INDEX report_urls_url_hash ON report_urls (url_hash);

CREATE TABLE report_messages (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  report_id uuid NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
  author text NOT NULL CHECK (author IN ('reporter', 'staff')),
  body bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX report_messages_report ON report_messages (report_id, id);

-- A retried submission with the same key returns the first answer and creates nothing.
-- The receipt is kept encrypted for the retry window only.
CREATE TABLE idempotency_keys (
  key_hash bytea PRIMARY KEY,
  request_hash bytea NOT NULL,
  -- Deferred: the key is claimed first in the transaction, before the report row exists.
  report_id uuid NOT NULL REFERENCES reports (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
  receipt bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);

-- Shared counters for throttling across instances. Buckets never name a person or address.
CREATE TABLE throttle_counters (
  bucket text NOT NULL,
  window_start timestamptz NOT NULL,
  hits integer NOT NULL,
  PRIMARY KEY (bucket, window_start)
);

-- Proof-of-work solutions already spent, so that one solution buys one submission.
CREATE TABLE spent_challenges (
  signature_hash bytea PRIMARY KEY,
  expires_at timestamptz NOT NULL
);

-- Districts to suggest; people may type one that is not here. Administrators keep it current.
CREATE TABLE districts (
  province text NOT NULL,
  name_en text NOT NULL,
  name_ur text NOT NULL,
  PRIMARY KEY (province, name_en)
);
