import type Database from 'better-sqlite3';

/**
 * Migrations by PRAGMA user_version: index i brings the schema from version i to i+1.
 * Column names follow runbook OP-BKP-ALT-001 §9.3/§9.4 so its SQL runs as written.
 * Timestamps are ISO 8601 UTC text: sortable, readable in the sqlite3 shell.
 */
export const MIGRATIONS: readonly string[] = [
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
  // Defects (issue 10): an exclusive claim on a notification while one process sends it.
  // A lease rather than a 'sending' status: SQLite cannot change the status CHECK without
  // rebuilding the table (and every trigger other migrations hang on it); a row with a
  // lease in the future is "being sent", and a lease that ran out frees a crashed sender's row.
  // And `status` follows the latest *finished* run (a lock-busy row written while the real
  // run was still going must not outrank its later success): an index by finish time.
  `
  ALTER TABLE notification_logs ADD COLUMN lease_until TEXT;
  ALTER TABLE notification_logs ADD COLUMN claimed_by TEXT;
  CREATE INDEX backup_logs_type_finished ON backup_logs (type, finished_at DESC);
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the schema up to date. Many runs may open a new database at the same moment
 * (cron firing several types at once): each migration step reads user_version *inside*
 * a BEGIN IMMEDIATE transaction, so the second opener waits for the first to commit and
 * then finds the step done, instead of replaying it ("table backup_logs already exists").
 */
export function migrate(db: Database.Database): void {
  const version = () => db.pragma('user_version', { simple: true }) as number;
  const step = db.transaction((): boolean => {
    const current = version();
    if (current > SCHEMA_VERSION) {
      throw new Error(
        `database schema version ${current} is newer than this backup-alert understands (${SCHEMA_VERSION}); upgrade backup-alert`,
      );
    }
    if (current === SCHEMA_VERSION) return false;
    db.exec(MIGRATIONS[current]!);
    db.pragma(`user_version = ${current + 1}`);
    return true;
  });
  // The common case (up to date) is one read, without taking the write lock.
  if (version() === SCHEMA_VERSION) return;
  while (step.immediate()) {
    // One step per transaction, each re-reading the version under the lock.
  }
}
