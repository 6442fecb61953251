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
  // serve (issue 14): the API's lists newest first with any filter, and an exact total
  // without counting a million rows. backup_log_counts is kept by triggers, so
  // `total` is a sum over (host, type, status) rows instead of a count of runs.
  `
  CREATE INDEX backup_logs_started ON backup_logs (started_at);
  CREATE INDEX backup_logs_host_started ON backup_logs (host, started_at);
  CREATE INDEX backup_logs_host_type_started ON backup_logs (host, type, started_at, status);
  CREATE INDEX notification_logs_created ON notification_logs (created_at);
  CREATE INDEX notification_logs_backup ON notification_logs (backup_id);

  CREATE TABLE backup_log_counts (
    host   TEXT NOT NULL,
    type   TEXT NOT NULL,
    status TEXT NOT NULL,
    n      INTEGER NOT NULL,
    PRIMARY KEY (host, type, status)
  ) WITHOUT ROWID;
  INSERT INTO backup_log_counts (host, type, status, n)
    SELECT coalesce(host, ''), type, status, count(*) FROM backup_logs GROUP BY 1, 2, 3;

  CREATE TRIGGER backup_log_counts_insert AFTER INSERT ON backup_logs BEGIN
    INSERT INTO backup_log_counts (host, type, status, n) VALUES (coalesce(new.host, ''), new.type, new.status, 1)
      ON CONFLICT (host, type, status) DO UPDATE SET n = n + 1;
  END;
  CREATE TRIGGER backup_log_counts_delete AFTER DELETE ON backup_logs BEGIN
    UPDATE backup_log_counts SET n = n - 1
      WHERE host = coalesce(old.host, '') AND type = old.type AND status = old.status;
  END;
  CREATE TRIGGER backup_log_counts_update AFTER UPDATE OF host, type, status ON backup_logs
    WHEN old.host IS NOT new.host OR old.type IS NOT new.type OR old.status IS NOT new.status
  BEGIN
    UPDATE backup_log_counts SET n = n - 1
      WHERE host = coalesce(old.host, '') AND type = old.type AND status = old.status;
    INSERT INTO backup_log_counts (host, type, status, n) VALUES (coalesce(new.host, ''), new.type, new.status, 1)
      ON CONFLICT (host, type, status) DO UPDATE SET n = n + 1;
  END;
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
