import type Database from 'better-sqlite3';

/**
 * Migrations by PRAGMA user_version: index i brings the schema from version i to i+1.
 * Column names follow runbook OP-BKP-ALT-001 §9.3/§9.4 so its SQL runs as written.
 * Timestamps are ISO 8601 UTC text: sortable, readable in the sqlite3 shell.
 */
const MIGRATIONS: readonly string[] = [
  `
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
  `,
  // Routing and incidents: the runbook §8.1.3 channel registry (its INSERT runs as written:
  // created_at has a default), one open incident per host × type (the partial unique index
  // is the claim two processes race for), silences, and which channel/incident a
  // notification row belongs to.
  `
  CREATE TABLE notification_channels (
    id                 INTEGER PRIMARY KEY,
    channel_name       TEXT NOT NULL UNIQUE,
    channel_type       TEXT NOT NULL,
    webhook_url        TEXT,
    is_active          INTEGER NOT NULL DEFAULT 1,
    notification_types TEXT,
    backup_types       TEXT,
    created_at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  );

  CREATE TABLE incidents (
    id                 INTEGER PRIMARY KEY,
    host               TEXT NOT NULL,
    type               TEXT NOT NULL,
    cause              TEXT NOT NULL CHECK (cause IN ('failure', 'missing')),
    opened_at          TEXT NOT NULL,
    first_backup_id    TEXT,
    last_backup_id     TEXT,
    failed_runs        INTEGER NOT NULL DEFAULT 0,
    missing_alerted_at TEXT,
    reminders_sent     INTEGER NOT NULL DEFAULT 0,
    last_alert_at      TEXT,
    closed_at          TEXT,
    closed_by          TEXT
  );
  CREATE UNIQUE INDEX incidents_one_open ON incidents (host, type) WHERE closed_at IS NULL;

  CREATE TABLE silences (
    id          INTEGER PRIMARY KEY,
    type        TEXT NOT NULL,
    reason      TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    ends_at     TEXT NOT NULL,
    removed_at  TEXT,
    removed_by  TEXT,
    held_count  INTEGER NOT NULL DEFAULT 0,
    reported_at TEXT
  );
  CREATE INDEX silences_type_ends ON silences (type, ends_at);

  ALTER TABLE notification_logs ADD COLUMN channel_name TEXT;
  ALTER TABLE notification_logs ADD COLUMN incident_id INTEGER;
  CREATE INDEX notification_logs_incident ON notification_logs (incident_id, created_at)
    WHERE incident_id IS NOT NULL;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new Error(
      `database schema version ${current} is newer than this backup-alert understands (${SCHEMA_VERSION}); upgrade backup-alert`,
    );
  }
  for (let version = current; version < SCHEMA_VERSION; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
