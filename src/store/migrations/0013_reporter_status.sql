-- Status that tells the truth (issue 15): the reporter's follow-up page and the API say what staff
-- did, each with its date (the rule is domain/reporter-status.ts). Three facts it needs were not kept.
-- Keep to PostgreSQL 15 features (this also runs on PGlite).

-- When a member of staff first opened the report's content in the console (services/cases/report-view.ts).
-- NULL: nobody has yet.
ALTER TABLE reports ADD COLUMN first_read_at timestamptz;

-- When the follow-up page or API first showed this staff message to the reporter (services/follow-up.ts).
-- NULL: a staff message not shown yet, or one of the reporter's own messages.
ALTER TABLE report_messages ADD COLUMN seen_by_reporter_at timestamptz;

-- When a message from the reporter last reopened the case after it was closed (services/follow-up.ts).
-- NULL: never reopened.
ALTER TABLE cases ADD COLUMN reopened_at timestamptz;

-- What is already known, and true. Every opening of a report's content was audited as 'report.view':
-- the first one is when it was first read.
UPDATE reports
SET first_read_at = viewed.first_at
FROM (
  SELECT object_id, min(at) AS first_at
  FROM audit_log
  WHERE action = 'report.view' AND object_type = 'report'
  GROUP BY object_id
) viewed
WHERE reports.id::text = viewed.object_id;

-- The page she answered from showed her every staff message before her answer: seen by then at the latest.
UPDATE report_messages staff_message
SET seen_by_reporter_at = (
  SELECT min(answer.created_at)
  FROM report_messages answer
  WHERE answer.report_id = staff_message.report_id AND answer.author = 'reporter' AND answer.id > staff_message.id
)
WHERE staff_message.author = 'staff';
