/** The runbook's three tables (OP-BKP-ALT-001 §9.3/§9.4 column names), the first schema. */
export const CORE = `
  CREATE TABLE backup_logs (
    id            INTEGER PRIMARY KEY,
    backup_id     TEXT NOT NULL UNIQUE,
    type          TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('running', 'success', 'failure', 'abandoned')),
    started_at    TEXT NOT NULL,
    finished_at   TEXT,
    duration_ms   INTEGER,
    exit_code     INTEGER,
    signal        TEXT,
    error_message TEXT,
    output_tail   TEXT,
    script        TEXT,
    host          TEXT,
    log_path      TEXT,
    pid           INTEGER
  );
  CREATE INDEX backup_logs_type_started ON backup_logs (type, started_at DESC);
  CREATE INDEX backup_logs_status_started ON backup_logs (status, started_at DESC);

  CREATE TABLE notification_logs (
    id                INTEGER PRIMARY KEY,
    notification_type TEXT NOT NULL,
    channel           TEXT NOT NULL,
    recipient         TEXT,
    subject           TEXT,
    status            TEXT NOT NULL CHECK (status IN ('sent', 'failed', 'pending')),
    error_message     TEXT,
    sent_at           TEXT,
    attempts          INTEGER NOT NULL DEFAULT 0,
    payload           TEXT,
    backup_id         TEXT,
    created_at        TEXT NOT NULL
  );
  CREATE INDEX notification_logs_status ON notification_logs (status, created_at);
  CREATE INDEX notification_logs_sent_at ON notification_logs (sent_at DESC);

  CREATE TABLE backup_audit_logs (
    id          INTEGER PRIMARY KEY,
    operation   TEXT NOT NULL,
    backup_id   TEXT,
    username    TEXT,
    ip_address  TEXT,
    status      TEXT NOT NULL,
    details     TEXT,
    created_at  TEXT NOT NULL
  );
  CREATE INDEX backup_audit_logs_created ON backup_audit_logs (created_at DESC);
  `;
