/**
 * Metrics (issue 12): what the Prometheus exposition needs, kept by triggers so writing the
 * metrics file after a run reads a few small rows instead of counting backup_logs. Counters
 * only ever grow (no DELETE trigger): `prune` removing old rows must not make
 * backup_alert_runs_total go backwards. The last-run columns follow the order runs finish in;
 * a row written late with an older finish time (an import) updates the counts only.
 */
export const METRICS = `
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
  `;
