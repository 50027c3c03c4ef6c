-- 001_initial.sql - scans, devices and their facts, findings.
--
-- A scan's scope is the canonical list of paths it covered; "new" and
-- "gone" compare a scan only with earlier scans of the same scope.
-- Findings are keyed by fingerprint (rule, device, path, evidence, cve,
-- time; not the line), so one row follows a finding across scans while
-- scan_findings records where it was in each scan.

CREATE TABLE scans (
    id              INTEGER PRIMARY KEY,
    started         TEXT NOT NULL,            -- RFC 3339
    finished        TEXT NOT NULL,            -- RFC 3339
    scope           TEXT NOT NULL,            -- canonical paths, sorted, one per line
    tool_version    TEXT NOT NULL,
    files_seen      INTEGER NOT NULL DEFAULT 0,
    files_analysed  INTEGER NOT NULL DEFAULT 0,
    files_skipped   INTEGER NOT NULL DEFAULT 0,
    bytes           INTEGER NOT NULL DEFAULT 0,
    lines_unparsed  INTEGER NOT NULL DEFAULT 0,
    n_errors        INTEGER NOT NULL DEFAULT 0,
    n_findings      INTEGER NOT NULL DEFAULT 0,
    n_new           INTEGER NOT NULL DEFAULT 0,
    n_gone          INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX scans_by_scope ON scans(scope, id);

CREATE TABLE devices (
    id              INTEGER PRIMARY KEY,
    identity        TEXT NOT NULL UNIQUE,     -- hostname, or "file:" + first source when unnamed
    hostname        TEXT,
    platform        TEXT,
    os              TEXT,
    version         TEXT,
    model           TEXT,
    serial          TEXT,
    first_seen      TEXT NOT NULL,
    last_seen       TEXT NOT NULL,
    last_scan_id    INTEGER REFERENCES scans(id)
);

-- What each scan learned about each device, so later scans can tell what changed.
CREATE TABLE device_facts (
    device_id       INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    scan_id         INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
    platform        TEXT,
    os              TEXT,
    version         TEXT,
    model           TEXT,
    serial          TEXT,
    uptime          TEXT,
    dialect_basis   TEXT,
    sources         TEXT NOT NULL DEFAULT '[]',  -- JSON array of evidence files
    features        TEXT NOT NULL DEFAULT '[]',  -- JSON array of enabled features
    PRIMARY KEY (device_id, scan_id)
);
CREATE INDEX device_facts_by_scan ON device_facts(scan_id);

CREATE TABLE findings (
    fingerprint     TEXT PRIMARY KEY,
    rule            TEXT,
    title           TEXT,
    kind            TEXT NOT NULL,
    severity        TEXT NOT NULL,
    attack          TEXT NOT NULL DEFAULT '[]',  -- JSON array
    device          TEXT,
    platform        TEXT,
    path            TEXT,
    line            INTEGER NOT NULL DEFAULT 0,
    end_line        INTEGER NOT NULL DEFAULT 0,
    evidence        TEXT,
    message         TEXT,
    remediation     TEXT,
    refs            TEXT NOT NULL DEFAULT '[]',  -- JSON array ("references" is an SQL keyword)
    time            TEXT,
    cve             TEXT,
    state           TEXT,
    first_seen      TEXT NOT NULL,
    last_seen       TEXT NOT NULL,
    last_scan_id    INTEGER REFERENCES scans(id)
);

-- One row per finding per scan, in the order the scan reported them.
CREATE TABLE scan_findings (
    scan_id         INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
    seq             INTEGER NOT NULL,
    fingerprint     TEXT NOT NULL REFERENCES findings(fingerprint),
    line            INTEGER NOT NULL DEFAULT 0,
    end_line        INTEGER NOT NULL DEFAULT 0,
    status          TEXT NOT NULL CHECK (status IN ('new', 'seen')),
    first_seen      TEXT NOT NULL,            -- first scan of this scope that had it
    PRIMARY KEY (scan_id, seq)
);
CREATE INDEX scan_findings_by_fingerprint ON scan_findings(fingerprint, scan_id);
