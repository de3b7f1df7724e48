-- Every report that names a district looks it up on the list in either language
-- (store/report-insert.ts). The lower-cased English name kept beside it saves lower-casing every
-- name of the list for each report. Keep to PostgreSQL 15 features.
ALTER TABLE districts ADD COLUMN name_en_lower text GENERATED ALWAYS AS (lower(name_en)) STORED;
