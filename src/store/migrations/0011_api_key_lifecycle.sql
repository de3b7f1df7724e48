-- API keys can end on their own and show whether they are still in use (issue 10). Before this a
-- key lived until someone revoked it, and nothing told an operator which keys a platform still
-- sends, so a forgotten key stayed valid for years.
-- Keep to PostgreSQL 15 features (this also runs on PGlite).

-- When the key stops working: the end of the day `hifazat apikey create --expires` named, in
-- Pakistan time. NULL: until revoked. Checked by the service on every use (also of a cached scope).
ALTER TABLE api_keys ADD COLUMN expires_at timestamptz;

-- When the key last authenticated, to the minute: each process writes it at most once a minute per
-- key, off the request's path, so that a busy key does not cost a write per request.
ALTER TABLE api_keys ADD COLUMN last_used_at timestamptz;
