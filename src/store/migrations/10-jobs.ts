/**
 * Named jobs (issue 21): a job is the identity of one backup on one host; the type stays its
 * schedule class and the suffix of its backup IDs. Existing rows get job = type, so every
 * history keeps its meaning. A row inserted without a job (an older tool, the runbook's own
 * SQL, a test that writes rows by hand) gets its type as job from the trigger, so "job
 * defaults to the type" holds in the database too, not only in our code.
 * backup_log_counts is rebuilt with the job in its key: the pairs `status` and the dashboard
 * list are host × job. The (host, type) indexes stay: `--type` still filters.
 * Incidents are one open per host × job; a silence may name a job (NULL: every job of its
 * type); a registered channel may name the jobs it alerts on (NULL: all).
 * is_test marks `run --test` (runbook §7.3): history shows it, health ignores it. It sits in
 * the health indexes before the time, so "the latest real run" is still one seek (and the
 * status pairs' seeks stay covering).
 */
export const JOBS = `
  ALTER TABLE backup_logs ADD COLUMN job TEXT NOT NULL DEFAULT '';
  ALTER TABLE backup_logs ADD COLUMN is_test INTEGER NOT NULL DEFAULT 0;
  -- Filling the column is not a change to ship: the outbox trigger is off meanwhile (the
  -- centre's own migration gives its rows job = type), so an upgrade does not re-send the history.
  DROP TRIGGER backup_logs_revision;
  UPDATE backup_logs SET job = type;
  CREATE TRIGGER backup_logs_revision AFTER UPDATE ON backup_logs
    WHEN NEW.revision = OLD.revision AND NEW.acked_revision = OLD.acked_revision
    BEGIN UPDATE backup_logs SET revision = OLD.revision + 1 WHERE id = OLD.id; END;
  CREATE TRIGGER backup_logs_job_default AFTER INSERT ON backup_logs WHEN new.job = '' BEGIN
    UPDATE backup_logs SET job = new.type WHERE id = new.id;
  END;

  DROP TRIGGER backup_log_counts_insert;
  DROP TRIGGER backup_log_counts_delete;
  DROP TRIGGER backup_log_counts_update;
  DROP TABLE backup_log_counts;
  CREATE TABLE backup_log_counts (
    host   TEXT NOT NULL,
    job    TEXT NOT NULL,
    type   TEXT NOT NULL,
    status TEXT NOT NULL,
    n      INTEGER NOT NULL,
    PRIMARY KEY (host, job, type, status)
  ) WITHOUT ROWID;
  INSERT INTO backup_log_counts (host, job, type, status, n)
    SELECT coalesce(host, ''), job, type, status, count(*) FROM backup_logs GROUP BY 1, 2, 3, 4;
  CREATE TRIGGER backup_log_counts_insert AFTER INSERT ON backup_logs BEGIN
    INSERT INTO backup_log_counts (host, job, type, status, n)
      VALUES (coalesce(new.host, ''), new.job, new.type, new.status, 1)
      ON CONFLICT (host, job, type, status) DO UPDATE SET n = n + 1;
  END;
  CREATE TRIGGER backup_log_counts_delete AFTER DELETE ON backup_logs BEGIN
    UPDATE backup_log_counts SET n = n - 1
      WHERE host = coalesce(old.host, '') AND job = old.job AND type = old.type AND status = old.status;
  END;
  CREATE TRIGGER backup_log_counts_update AFTER UPDATE OF host, job, type, status ON backup_logs
    WHEN old.host IS NOT new.host OR old.job IS NOT new.job OR old.type IS NOT new.type
      OR old.status IS NOT new.status
  BEGIN
    UPDATE backup_log_counts SET n = n - 1
      WHERE host = coalesce(old.host, '') AND job = old.job AND type = old.type AND status = old.status;
    INSERT INTO backup_log_counts (host, job, type, status, n)
      VALUES (coalesce(new.host, ''), new.job, new.type, new.status, 1)
      ON CONFLICT (host, job, type, status) DO UPDATE SET n = n + 1;
  END;

  CREATE INDEX backup_logs_job_started ON backup_logs (job, started_at);
  CREATE INDEX backup_logs_job_status_started ON backup_logs (job, status, is_test, started_at);
  CREATE INDEX backup_logs_job_finished ON backup_logs (job, is_test, finished_at);
  CREATE INDEX backup_logs_job_artifact_sizes ON backup_logs (job, started_at)
    WHERE status = 'success' AND artifact_bytes IS NOT NULL AND is_test = 0;
  CREATE INDEX backup_logs_host_job_started ON backup_logs (host, job, is_test, started_at, status);
  CREATE INDEX backup_logs_host_job_finished ON backup_logs (host, job, is_test, finished_at);
  CREATE INDEX backup_logs_host_job_running ON backup_logs (host, job, started_at)
    WHERE status = 'running' AND is_test = 0;

  ALTER TABLE incidents ADD COLUMN job TEXT NOT NULL DEFAULT '';
  UPDATE incidents SET job = type;
  CREATE TRIGGER incidents_job_default AFTER INSERT ON incidents WHEN new.job = '' BEGIN
    UPDATE incidents SET job = new.type WHERE id = new.id;
  END;
  DROP INDEX incidents_one_open;
  CREATE UNIQUE INDEX incidents_one_open ON incidents (host, job) WHERE closed_at IS NULL;

  ALTER TABLE silences ADD COLUMN job TEXT;
  CREATE INDEX silences_job_ends ON silences (job, ends_at) WHERE job IS NOT NULL;

  ALTER TABLE notification_channels ADD COLUMN jobs TEXT;
  `;
