-- Matching API keys: what a key may do, and what a platform's feedback changes. Before this, a
-- platform's confirmed "false positive" disabled the entry for every key at once, unaudited, and
-- entry ids are sequential: one key disabled all 21 entries of the shared `verified` bank.
-- Keep to PostgreSQL 15 features.

-- What a key may call: 'match' (hash, match, bulk match) and 'feedback' (match feedback), granted
-- separately by `hifazat apikey create --scopes`. Keys made before scopes existed could do both and
-- keep both: their feedback now changes only what they themselves are shown. New keys name their
-- scopes (no default).
ALTER TABLE api_keys
  ADD COLUMN scopes text[] NOT NULL DEFAULT '{match,feedback}'
    CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['match', 'feedback']::text[]);
ALTER TABLE api_keys ALTER COLUMN scopes DROP DEFAULT;

-- Whether a person at the platform confirmed the verdict, for the analysts who review feedback.
ALTER TABLE match_feedback ADD COLUMN confirmed boolean NOT NULL DEFAULT false;

-- Entries a key's own confirmed false positive hides from that key's matches (and from no other
-- key's). Disabling an entry for everyone stays a decision of the hotline's staff
-- (hash_bank_entries.disabled_at, audited).
CREATE TABLE api_key_hidden_entries (
  api_key_id uuid NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
  entry_id integer NOT NULL REFERENCES hash_bank_entries (id) ON DELETE CASCADE,
  hidden_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (api_key_id, entry_id)
);
