-- 003_per_scan_text.sql - keep each finding's own message and remediation.
--
-- Two findings of one scan can share a fingerprint (the same evidence line
-- in two blocks, e.g. "exec-timeout 0 0" under "line con 0" and "line aux
-- 0") while their messages name different things. The findings table holds
-- one text per fingerprint, so each scan row keeps its own; NULL in rows
-- written before this migration means "as in findings".

ALTER TABLE scan_findings ADD COLUMN message TEXT;
ALTER TABLE scan_findings ADD COLUMN remediation TEXT;
