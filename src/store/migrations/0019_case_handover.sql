-- A case file for handover (issue 16): the police, the NCCIA or a court receive a printable record
-- and a JSON bundle of a case. Two things are new and stored here; everything else the record shows
-- is read from what the case already holds (reports, classifications, referrals, the audit log).
-- Keep to PostgreSQL 15 features (this also runs on PGlite).

-- A request to include the reporter's contact details in an exported bundle. An analyst or a
-- supervisor asks, with a purpose from a closed list (domain/case-handover.ts); a supervisor other
-- than the requester approves or refuses it (four eyes, as closure); an approval is used by one
-- export of the requester's within its time limit, and then it is spent (used_at). Every step is
-- also an audit entry; these rows hold the state the next step checks.
CREATE TABLE case_contact_requests (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  case_id uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
  purpose text NOT NULL CHECK (purpose IN ('police_investigation', 'court_proceedings', 'child_protection')),
  requested_by uuid NOT NULL,
  requested_at timestamptz NOT NULL DEFAULT now(),
  decision text CHECK (decision IN ('approved', 'refused')),
  decided_by uuid,
  decided_at timestamptz,
  used_at timestamptz,
  -- Decided together: a decision names who made it and when.
  CHECK ((decision IS NULL) = (decided_by IS NULL) AND (decision IS NULL) = (decided_at IS NULL)),
  -- Only an approval is ever used.
  CHECK (used_at IS NULL OR decision = 'approved')
);

-- At most one request waiting for a decision per case: the supervisor decides the one shown.
CREATE UNIQUE INDEX case_contact_requests_one_pending ON case_contact_requests (case_id) WHERE decision IS NULL;
CREATE INDEX case_contact_requests_case ON case_contact_requests (case_id, id);

-- Preparing a child's case for court: the Islamabad High Court directed in-camera trials and
-- video-link testimony for child victims. One row per case and item of the closed list
-- (domain/case-handover.ts), written when a case worker first records it; the note may say
-- something about the child, so it is encrypted (its context names the case and the item,
-- domain/encryption-contexts.ts caseContexts.courtChecklistNote), and rotated with the data key.
CREATE TABLE case_court_checklist (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  case_id uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
  item text NOT NULL CHECK (item IN (
    'in_camera_trial', 'video_link_testimony', 'support_person', 'no_confrontation_with_accused',
    'interpreter', 'legal_aid', 'child_protection_officer'
  )),
  done boolean NOT NULL,
  note bytea,
  updated_by uuid NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (case_id, item)
);

-- A case's record lists the audit entries about the case and its reports: found by their object,
-- in order, without reading the whole log.
CREATE INDEX audit_log_object ON audit_log (object_type, object_id, seq);
