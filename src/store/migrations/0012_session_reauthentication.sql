-- Re-authentication for the console's most sensitive actions (issue 10): revealing a reporter's
-- contact details, copying a live link and publishing statistics ask for the password and a second
-- factor again unless the session did so in the last few minutes (domain/staff.ts). When it last
-- did is kept on the session, so every process sees it.
-- Keep to PostgreSQL 15 features (this also runs on PGlite).

-- NULL: not since sign-in (signing in itself does not count).
ALTER TABLE staff_sessions ADD COLUMN reauthenticated_at timestamptz;
