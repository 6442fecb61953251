/**
 * The metrics' per-type facts become per job (issue 21): `metrics_jobs` is `metrics_types`
 * keyed by job, with the job's type beside it, kept by the same triggers. A `run --test`
 * is left out as health leaves it out: a simulated failure must not fire the alert rules.
 * A row inserted without a job is its type's (the default trigger of migration 10 may fire
 * after these). Seeded from the history in one pass plus index lookups per job, as migration 2 did.
 */
const TRIGGER_BODY = `
    INSERT INTO metrics_jobs (job, type) VALUES (coalesce(nullif(NEW.job, ''), NEW.type), NEW.type)
      ON CONFLICT (job) DO UPDATE SET type = excluded.type;
    UPDATE metrics_jobs SET
      runs_success = runs_success + (NEW.status = 'success'),
      runs_failure = runs_failure + (NEW.status = 'failure'),
      runs_abandoned = runs_abandoned + (NEW.status = 'abandoned'),
      last_success_at = CASE WHEN NEW.status = 'success'
        AND coalesce(NEW.finished_at, NEW.started_at) > coalesce(last_success_at, '')
        THEN coalesce(NEW.finished_at, NEW.started_at) ELSE last_success_at END,
      consecutive_failures = CASE
        WHEN coalesce(NEW.finished_at, NEW.started_at) < coalesce(last_finished_at, '') THEN consecutive_failures
        WHEN NEW.status = 'success' THEN 0 ELSE consecutive_failures + 1 END
    WHERE job = coalesce(nullif(NEW.job, ''), NEW.type);
    UPDATE metrics_jobs SET last_backup_id = NEW.backup_id, last_status = NEW.status,
      last_finished_at = coalesce(NEW.finished_at, NEW.started_at), last_duration_ms = NEW.duration_ms,
      last_exit_code = NEW.exit_code
    WHERE job = coalesce(nullif(NEW.job, ''), NEW.type) AND coalesce(NEW.finished_at, NEW.started_at) >= coalesce(last_finished_at, '');`;

export const METRICS_JOBS = `
  CREATE TABLE metrics_jobs (
    job                  TEXT PRIMARY KEY,
    type                 TEXT NOT NULL,
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
  INSERT INTO metrics_jobs (job, type, runs_success, runs_failure, runs_abandoned, last_success_at)
    SELECT job, max(type), sum(status = 'success'), sum(status = 'failure'), sum(status = 'abandoned'),
      max(CASE WHEN status = 'success' THEN coalesce(finished_at, started_at) END)
    FROM backup_logs WHERE status <> 'running' AND is_test = 0 GROUP BY job;
  UPDATE metrics_jobs SET (last_backup_id, last_status, last_finished_at, last_duration_ms, last_exit_code, type) = (
    SELECT backup_id, status, coalesce(finished_at, started_at), duration_ms, exit_code, type FROM backup_logs b
    WHERE b.job = metrics_jobs.job AND b.status <> 'running' AND b.is_test = 0
    ORDER BY started_at DESC LIMIT 1);
  UPDATE metrics_jobs SET consecutive_failures = (
    SELECT count(*) FROM backup_logs b
    WHERE b.job = metrics_jobs.job AND b.is_test = 0 AND b.status IN ('failure', 'abandoned')
      AND b.started_at > coalesce((
        SELECT s.started_at FROM backup_logs s
        WHERE s.job = metrics_jobs.job AND s.is_test = 0 AND s.status = 'success'
        ORDER BY s.started_at DESC LIMIT 1), ''));

  DROP TRIGGER metrics_types_insert;
  DROP TRIGGER metrics_types_update;
  DROP TABLE metrics_types;
  CREATE TRIGGER metrics_jobs_insert AFTER INSERT ON backup_logs
    WHEN NEW.status <> 'running' AND NEW.is_test = 0
  BEGIN${TRIGGER_BODY}
  END;
  CREATE TRIGGER metrics_jobs_update AFTER UPDATE OF status ON backup_logs
    WHEN NEW.status <> OLD.status AND NEW.status <> 'running' AND NEW.is_test = 0
  BEGIN${TRIGGER_BODY}
  END;
`;
