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
  // Metrics (issue 12): what the Prometheus exposition needs, kept by triggers so writing the
  // metrics file after a run reads a few small rows instead of counting backup_logs. Counters
  // only ever grow (no DELETE trigger): `prune` removing old rows must not make
  // backup_alert_runs_total go backwards. The last-run columns follow the order runs finish in;
  // a row written late with an older finish time (an import) updates the counts only.
  `
  CREATE TABLE metrics_types (
    type                 TEXT PRIMARY KEY,
    last_backup_id       TEXT,
    last_status          TEXT,
    last_finished_at     TEXT,
    last_duration_ms     INTEGER,
    last_exit_code       INTEGER,
    last_success_at      TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    runs_success         INTEGER NOT NULL DEFAULT 0,
    runs_failure         INTEGER NOT NULL DEFAULT 0,
    runs_abandoned       INTEGER NOT NULL DEFAULT 0
  );
  -- Seeding from an existing history: one pass for the counts, then index lookups per type.
  INSERT INTO metrics_types (type, runs_success, runs_failure, runs_abandoned, last_success_at)
    SELECT type, sum(status = 'success'), sum(status = 'failure'), sum(status = 'abandoned'),
      max(CASE WHEN status = 'success' THEN coalesce(finished_at, started_at) END)
    FROM backup_logs WHERE status <> 'running' GROUP BY type;
  UPDATE metrics_types SET (last_backup_id, last_status, last_finished_at, last_duration_ms, last_exit_code) = (
    SELECT backup_id, status, coalesce(finished_at, started_at), duration_ms, exit_code FROM backup_logs b
    WHERE b.type = metrics_types.type AND b.status <> 'running'
    ORDER BY started_at DESC LIMIT 1);
  UPDATE metrics_types SET consecutive_failures = (
    SELECT count(*) FROM backup_logs b
    WHERE b.type = metrics_types.type AND b.status IN ('failure', 'abandoned')
      AND b.started_at > coalesce((
        SELECT s.started_at FROM backup_logs s WHERE s.type = metrics_types.type AND s.status = 'success'
        ORDER BY s.started_at DESC LIMIT 1), ''));

  CREATE TRIGGER metrics_types_insert AFTER INSERT ON backup_logs WHEN NEW.status <> 'running'
  BEGIN
    INSERT INTO metrics_types (type) VALUES (NEW.type) ON CONFLICT (type) DO NOTHING;
    UPDATE metrics_types SET
      runs_success = runs_success + (NEW.status = 'success'),
      runs_failure = runs_failure + (NEW.status = 'failure'),
      runs_abandoned = runs_abandoned + (NEW.status = 'abandoned'),
      last_success_at = CASE WHEN NEW.status = 'success'
        AND coalesce(NEW.finished_at, NEW.started_at) > coalesce(last_success_at, '')
        THEN coalesce(NEW.finished_at, NEW.started_at) ELSE last_success_at END,
      consecutive_failures = CASE
        WHEN coalesce(NEW.finished_at, NEW.started_at) < coalesce(last_finished_at, '') THEN consecutive_failures
        WHEN NEW.status = 'success' THEN 0 ELSE consecutive_failures + 1 END
    WHERE type = NEW.type;
    UPDATE metrics_types SET last_backup_id = NEW.backup_id, last_status = NEW.status,
      last_finished_at = coalesce(NEW.finished_at, NEW.started_at), last_duration_ms = NEW.duration_ms,
      last_exit_code = NEW.exit_code
    WHERE type = NEW.type AND coalesce(NEW.finished_at, NEW.started_at) >= coalesce(last_finished_at, '');
  END;
  CREATE TRIGGER metrics_types_update AFTER UPDATE OF status ON backup_logs
    WHEN NEW.status <> OLD.status AND NEW.status <> 'running'
  BEGIN
    INSERT INTO metrics_types (type) VALUES (NEW.type) ON CONFLICT (type) DO NOTHING;
    UPDATE metrics_types SET
      runs_success = runs_success + (NEW.status = 'success'),
      runs_failure = runs_failure + (NEW.status = 'failure'),
      runs_abandoned = runs_abandoned + (NEW.status = 'abandoned'),
      last_success_at = CASE WHEN NEW.status = 'success'
        AND coalesce(NEW.finished_at, NEW.started_at) > coalesce(last_success_at, '')
        THEN coalesce(NEW.finished_at, NEW.started_at) ELSE last_success_at END,
      consecutive_failures = CASE
        WHEN coalesce(NEW.finished_at, NEW.started_at) < coalesce(last_finished_at, '') THEN consecutive_failures
        WHEN NEW.status = 'success' THEN 0 ELSE consecutive_failures + 1 END
    WHERE type = NEW.type;
    UPDATE metrics_types SET last_backup_id = NEW.backup_id, last_status = NEW.status,
      last_finished_at = coalesce(NEW.finished_at, NEW.started_at), last_duration_ms = NEW.duration_ms,
      last_exit_code = NEW.exit_code
    WHERE type = NEW.type AND coalesce(NEW.finished_at, NEW.started_at) >= coalesce(last_finished_at, '');
  END;

  CREATE TABLE metrics_notifications (
    channel       TEXT NOT NULL,
    status        TEXT NOT NULL,
    notifications INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (channel, status)
  );
  INSERT INTO metrics_notifications (channel, status, notifications)
    SELECT channel, status, count(*) FROM notification_logs WHERE status IN ('sent', 'failed')
    GROUP BY channel, status;
  CREATE TRIGGER metrics_notifications_insert AFTER INSERT ON notification_logs
    WHEN NEW.status IN ('sent', 'failed')
  BEGIN
    INSERT INTO metrics_notifications (channel, status, notifications) VALUES (NEW.channel, NEW.status, 1)
      ON CONFLICT (channel, status) DO UPDATE SET notifications = notifications + 1;
  END;
  CREATE TRIGGER metrics_notifications_update AFTER UPDATE OF status ON notification_logs
    WHEN NEW.status <> OLD.status AND NEW.status IN ('sent', 'failed')
  BEGIN
    INSERT INTO metrics_notifications (channel, status, notifications) VALUES (NEW.channel, NEW.status, 1)
      ON CONFLICT (channel, status) DO UPDATE SET notifications = notifications + 1;
  END;
  `,
  // False success (issue 16): what `run --artifact` found. The partial index holds only the
  // successes that have a size, newest first per type, so "the last 7 sizes of daily" reads
  // 7 index entries however many runs (with or without an artifact) the history holds.
  `
  ALTER TABLE backup_logs ADD COLUMN artifact_path TEXT;
  ALTER TABLE backup_logs ADD COLUMN artifact_bytes INTEGER;
  CREATE INDEX backup_logs_artifact_sizes ON backup_logs (type, started_at DESC)
    WHERE status = 'success' AND artifact_bytes IS NOT NULL;
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
  // The outbox for the fleet's centre (src/store/outbox.ts). Every insert is revision 1 and
  // every later update bumps it (the trigger), so "not yet acknowledged" is revision >
  // acked_revision, found through a partial index that holds only those rows. Rows from
  // before this migration ship too: the centre gets the whole history once.
  `
  ALTER TABLE backup_logs ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE backup_logs ADD COLUMN acked_revision INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX backup_logs_unsent ON backup_logs (id) WHERE revision > acked_revision;
  CREATE TRIGGER backup_logs_revision AFTER UPDATE ON backup_logs
    WHEN NEW.revision = OLD.revision AND NEW.acked_revision = OLD.acked_revision
    BEGIN UPDATE backup_logs SET revision = OLD.revision + 1 WHERE id = OLD.id; END;

  ALTER TABLE notification_logs ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE notification_logs ADD COLUMN acked_revision INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX notification_logs_unsent ON notification_logs (id) WHERE revision > acked_revision;
  CREATE TRIGGER notification_logs_revision AFTER UPDATE ON notification_logs
    WHEN NEW.revision = OLD.revision AND NEW.acked_revision = OLD.acked_revision
    BEGIN UPDATE notification_logs SET revision = OLD.revision + 1 WHERE id = OLD.id; END;

  ALTER TABLE backup_audit_logs ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE backup_audit_logs ADD COLUMN acked_revision INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX backup_audit_logs_unsent ON backup_audit_logs (id) WHERE revision > acked_revision;
  CREATE TRIGGER backup_audit_logs_revision AFTER UPDATE ON backup_audit_logs
    WHEN NEW.revision = OLD.revision AND NEW.acked_revision = OLD.acked_revision
    BEGIN UPDATE backup_audit_logs SET revision = OLD.revision + 1 WHERE id = OLD.id; END;
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

/** The schema version just before the migration whose SQL contains `marker` (tests build old databases with it). */
export function versionBefore(marker: string): number {
  const index = MIGRATIONS.findIndex((sql) => sql.includes(marker));
  if (index < 0) throw new Error(`no migration contains ${marker}`);
  return index;
}

/**
 * Brings the schema to `target` (the latest by default). Many runs may open a new database
 * at the same moment (cron firing several types at once): each step reads user_version
 * *inside* a BEGIN IMMEDIATE transaction, so the second opener waits for the first to
 * commit and then finds the step done, instead of replaying it ("table backup_logs already exists").
 */
export function migrate(db: Database.Database, target: number = SCHEMA_VERSION): void {
  const version = () => db.pragma('user_version', { simple: true }) as number;
  const step = db.transaction((): boolean => {
    const current = version();
    if (current > SCHEMA_VERSION) {
      throw new Error(
        `database schema version ${current} is newer than this backup-alert understands (${SCHEMA_VERSION}); upgrade backup-alert`,
      );
    }
    if (current >= target) return false;
    db.exec(MIGRATIONS[current]!);
    db.pragma(`user_version = ${current + 1}`);
    return true;
  });
  // The common case (up to date) is one read, without taking the write lock.
  if (version() === target) return;
  while (step.immediate()) {
    // One step per transaction, each re-reading the version under the lock.
  }
}
