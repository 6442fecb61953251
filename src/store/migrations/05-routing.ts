/**
 * Routing and incidents: the runbook §8.1.3 channel registry (its INSERT runs as written:
 * created_at has a default), one open incident per host × type (the partial unique index
 * is the claim two processes race for), silences, and which channel/incident a
 * notification row belongs to.
 */
export const ROUTING = `
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
  `;
