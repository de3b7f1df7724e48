-- Known-image matching: banks of hashes (PDQ, MD5, SHA-256), platform API keys scoped to banks,
-- and match feedback. Hashes only: no image is ever stored.

CREATE TABLE hash_banks (
  id uuid PRIMARY KEY,
  name text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
  description text,
  created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO hash_banks (id, name, description) VALUES
  ('00000000-0000-4000-8000-0000000ba001', 'verified', 'Hashes of material verified by trained analysts.'),
  ('00000000-0000-4000-8000-0000000ba002', 'self-reported', 'Hashes submitted by young people from their own devices.'),
  ('00000000-0000-4000-8000-0000000ba003', 'test', 'Benign test hashes.');

CREATE TABLE hash_bank_entries (
  -- 32 bits, as the in-memory index keys entries; room for four billion.
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  bank_id uuid NOT NULL REFERENCES hash_banks (id) ON DELETE CASCADE,
  signal_type text NOT NULL CHECK (signal_type IN ('pdq', 'md5', 'sha256')),
  signal text NOT NULL CHECK (signal ~ '^[0-9a-f]+$'),
  quality smallint CHECK (quality BETWEEN 0 AND 100),
  label text,
  source text,
  added_at timestamptz NOT NULL DEFAULT now(),
  disabled_at timestamptz,
  disabled_reason text,
  -- Every change bumps this, so that each instance's index can catch up with the others'.
  changed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  UNIQUE (bank_id, signal_type, signal)
);
CREATE INDEX hash_bank_entries_changed ON hash_bank_entries (changed_at);

CREATE TABLE api_keys (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  -- SHA-256 of the secret; the secret is shown once, at creation.
  key_hash bytea NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);

CREATE TABLE api_key_banks (
  api_key_id uuid NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
  bank_id uuid NOT NULL REFERENCES hash_banks (id) ON DELETE CASCADE,
  PRIMARY KEY (api_key_id, bank_id)
);

CREATE TABLE match_feedback (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  entry_id integer NOT NULL REFERENCES hash_bank_entries (id) ON DELETE CASCADE,
  api_key_id uuid REFERENCES api_keys (id) ON DELETE SET NULL,
  verdict text NOT NULL CHECK (verdict IN ('true_positive', 'false_positive')),
  created_at timestamptz NOT NULL DEFAULT now()
);
