import type { CentreMigration } from './centre-migration.js';
import { ALLOWED } from './row-security.js';

/**
 * serve over the centre (issue 14): the API's lists newest first under any filter, one run
 * by its ID without knowing its host, exact totals without counting a million rows (count
 * tables kept by statement triggers, one row per host × key, so hosts shipping at once never
 * wait on each other), and both runs of each host × type whole in latest_runs (the dashboard
 * and /metrics read that table alone). Hosts write exactly as before: compatible with 1.
 */
export const SERVE: CentreMigration = {
  version: 2,
  compatibleWith: 1,
  sql: `
  -- Newest first with the tie-break in the index (started_at, then host and backup ID, the
  -- order history --fleet prints): cron starts a fleet's backups in the same second, and a
  -- page must not read and sort a thousand tied rows to show twenty. These replace version
  -- 1's started_at and (status, started_at) indexes, and serve every filter of the list.
  DROP INDEX backup_logs_started;
  DROP INDEX backup_logs_status_started;
  CREATE INDEX backup_logs_newest ON backup_logs (started_at DESC, host, backup_id);
  CREATE INDEX backup_logs_status_newest ON backup_logs (status, started_at DESC, host, backup_id);
  CREATE INDEX backup_logs_type_newest ON backup_logs (type, started_at DESC, host, backup_id);
  -- Failures of one type: an outage fails one type on every host at once, so walking the
  -- status index for one type's can pass thousands of another's.
  CREATE INDEX backup_logs_status_type_newest ON backup_logs (status, type, started_at DESC, host, backup_id);
  CREATE INDEX backup_logs_host_newest ON backup_logs (host, started_at DESC, backup_id);
  CREATE INDEX backup_logs_backup_id ON backup_logs (backup_id);
  CREATE INDEX notification_logs_created ON notification_logs (created_at DESC);
  CREATE INDEX notification_logs_backup ON notification_logs (backup_id, host);

  CREATE TABLE backup_log_counts (
    host   text NOT NULL,
    type   text NOT NULL,
    status text NOT NULL,
    n      bigint NOT NULL,
    PRIMARY KEY (host, type, status)
  );
  INSERT INTO backup_log_counts (host, type, status, n)
    SELECT host, type, status, count(*) FROM backup_logs GROUP BY 1, 2, 3;

  CREATE TABLE notification_log_counts (
    host    text NOT NULL,
    channel text NOT NULL,
    status  text NOT NULL,
    n       bigint NOT NULL,
    PRIMARY KEY (host, channel, status)
  );
  INSERT INTO notification_log_counts (host, channel, status, n)
    SELECT host, channel, status, count(*) FROM notification_logs GROUP BY 1, 2, 3;

  CREATE TABLE audit_log_counts (
    host text PRIMARY KEY,
    n    bigint NOT NULL
  );
  INSERT INTO audit_log_counts (host, n) SELECT host, count(*) FROM backup_audit_logs GROUP BY 1;

  -- One function per table for the three events (the transition tables are named alike).
  -- Rows are added in key order, so two statements lock the same counters in the same order.
  -- SECURITY DEFINER: hosts may not write the counters themselves; this only restates what
  -- their statement did to the log table.
  CREATE FUNCTION backup_log_counts_track() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $fn$
  BEGIN
    IF TG_OP = 'INSERT' THEN
      INSERT INTO backup_log_counts AS c (host, type, status, n)
        SELECT host, type, status, count(*) FROM new_rows GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (host, type, status) DO UPDATE SET n = c.n + EXCLUDED.n;
    ELSIF TG_OP = 'UPDATE' THEN
      INSERT INTO backup_log_counts AS c (host, type, status, n)
        SELECT host, type, status, sum(d) FROM (
          SELECT host, type, status, 1 AS d FROM new_rows
          UNION ALL SELECT host, type, status, -1 FROM old_rows) x
        GROUP BY 1, 2, 3 HAVING sum(d) <> 0 ORDER BY 1, 2, 3
        ON CONFLICT (host, type, status) DO UPDATE SET n = c.n + EXCLUDED.n;
    ELSE
      UPDATE backup_log_counts c SET n = c.n - d.n
        FROM (SELECT host, type, status, count(*) AS n FROM old_rows GROUP BY 1, 2, 3) d
       WHERE c.host = d.host AND c.type = d.type AND c.status = d.status;
    END IF;
    RETURN NULL;
  END $fn$;
  CREATE TRIGGER backup_log_counts_insert AFTER INSERT ON backup_logs
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION backup_log_counts_track();
  CREATE TRIGGER backup_log_counts_update AFTER UPDATE ON backup_logs
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION backup_log_counts_track();
  CREATE TRIGGER backup_log_counts_delete AFTER DELETE ON backup_logs
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION backup_log_counts_track();

  CREATE FUNCTION notification_log_counts_track() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $fn$
  BEGIN
    IF TG_OP = 'INSERT' THEN
      INSERT INTO notification_log_counts AS c (host, channel, status, n)
        SELECT host, channel, status, count(*) FROM new_rows GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (host, channel, status) DO UPDATE SET n = c.n + EXCLUDED.n;
    ELSIF TG_OP = 'UPDATE' THEN
      INSERT INTO notification_log_counts AS c (host, channel, status, n)
        SELECT host, channel, status, sum(d) FROM (
          SELECT host, channel, status, 1 AS d FROM new_rows
          UNION ALL SELECT host, channel, status, -1 FROM old_rows) x
        GROUP BY 1, 2, 3 HAVING sum(d) <> 0 ORDER BY 1, 2, 3
        ON CONFLICT (host, channel, status) DO UPDATE SET n = c.n + EXCLUDED.n;
    ELSE
      UPDATE notification_log_counts c SET n = c.n - d.n
        FROM (SELECT host, channel, status, count(*) AS n FROM old_rows GROUP BY 1, 2, 3) d
       WHERE c.host = d.host AND c.channel = d.channel AND c.status = d.status;
    END IF;
    RETURN NULL;
  END $fn$;
  CREATE TRIGGER notification_log_counts_insert AFTER INSERT ON notification_logs
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION notification_log_counts_track();
  CREATE TRIGGER notification_log_counts_update AFTER UPDATE ON notification_logs
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION notification_log_counts_track();
  CREATE TRIGGER notification_log_counts_delete AFTER DELETE ON notification_logs
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION notification_log_counts_track();

  -- Audit rows are never updated in a way that moves them to another host.
  CREATE FUNCTION audit_log_counts_track() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $fn$
  BEGIN
    IF TG_OP = 'INSERT' THEN
      INSERT INTO audit_log_counts AS c (host, n)
        SELECT host, count(*) FROM new_rows GROUP BY 1 ORDER BY 1
        ON CONFLICT (host) DO UPDATE SET n = c.n + EXCLUDED.n;
    ELSE
      UPDATE audit_log_counts c SET n = c.n - d.n
        FROM (SELECT host, count(*) AS n FROM old_rows GROUP BY 1) d WHERE c.host = d.host;
    END IF;
    RETURN NULL;
  END $fn$;
  CREATE TRIGGER audit_log_counts_insert AFTER INSERT ON backup_audit_logs
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION audit_log_counts_track();
  CREATE TRIGGER audit_log_counts_delete AFTER DELETE ON backup_audit_logs
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION audit_log_counts_track();

  -- The rest of both runs' columns, so the dashboard's host × type grid (and the fleet-wide
  -- /metrics) read latest_runs alone: one row per pair, no lookup of either run.
  ALTER TABLE latest_runs
    ADD COLUMN finished_at           timestamptz,
    ADD COLUMN duration_ms           bigint,
    ADD COLUMN signal                text,
    ADD COLUMN script                text,
    ADD COLUMN log_path              text,
    ADD COLUMN artifact_path         text,
    ADD COLUMN artifact_bytes        bigint,
    ADD COLUMN success_backup_id     text,
    ADD COLUMN success_duration_ms   bigint,
    ADD COLUMN success_exit_code     integer,
    ADD COLUMN success_signal        text,
    ADD COLUMN success_error_message text,
    ADD COLUMN success_script        text,
    ADD COLUMN success_log_path      text,
    ADD COLUMN success_artifact_path  text,
    ADD COLUMN success_artifact_bytes bigint;
  -- Version 1's function, keeping those columns too.
  CREATE OR REPLACE FUNCTION refresh_latest_runs(pair_hosts text[], pair_types text[]) RETURNS void
  LANGUAGE sql SECURITY DEFINER SET search_path FROM CURRENT SET jit = off AS $fn$
    DELETE FROM latest_runs lr USING unnest(pair_hosts, pair_types) AS p(host, type)
     WHERE lr.host = p.host AND lr.type = p.type
       AND NOT EXISTS (SELECT 1 FROM backup_logs b WHERE b.host = p.host AND b.type = p.type);
    INSERT INTO latest_runs AS lr (host, type, backup_id, status, started_at, error_message, exit_code,
                                   finished_at, duration_ms, signal, script, log_path, artifact_path,
                                   artifact_bytes,
                                   success_backup_id, success_started_at, success_finished_at,
                                   success_received_at, success_duration_ms, success_exit_code,
                                   success_signal, success_error_message, success_script,
                                   success_log_path, success_artifact_path, success_artifact_bytes, failures)
    SELECT p.host, p.type, l.backup_id, l.status, l.started_at, l.error_message, l.exit_code,
           l.finished_at, l.duration_ms, l.signal, l.script, l.log_path, l.artifact_path, l.artifact_bytes,
           s.backup_id, s.started_at, s.finished_at, s.received_at, s.duration_ms, s.exit_code,
           s.signal, s.error_message, s.script, s.log_path, s.artifact_path, s.artifact_bytes,
           CASE WHEN l.status IN ('failure', 'abandoned') THEN (
             SELECT count(*)::int FROM (
               SELECT 1 FROM backup_logs b
                WHERE b.host = p.host AND b.type = p.type AND b.status NOT IN ('running', 'success')
                  AND b.started_at > coalesce(s.started_at, '-infinity')
                LIMIT 1000) x
           ) ELSE 0 END
      FROM unnest(pair_hosts, pair_types) AS p(host, type)
      JOIN LATERAL (
        SELECT b.backup_id, b.status, b.started_at, b.error_message, b.exit_code, b.finished_at,
               b.duration_ms, b.signal, b.script, b.log_path, b.artifact_path, b.artifact_bytes
          FROM backup_logs b
         WHERE b.host = p.host AND b.type = p.type ORDER BY b.started_at DESC LIMIT 1
      ) l ON true
      LEFT JOIN LATERAL (
        SELECT b.backup_id, b.started_at, b.finished_at, b.received_at, b.duration_ms, b.exit_code,
               b.signal, b.error_message, b.script, b.log_path, b.artifact_path, b.artifact_bytes
          FROM backup_logs b
         WHERE b.host = p.host AND b.type = p.type AND b.status = 'success' ORDER BY b.started_at DESC LIMIT 1
      ) s ON true
    ON CONFLICT (host, type) DO UPDATE SET
      backup_id = EXCLUDED.backup_id, status = EXCLUDED.status, started_at = EXCLUDED.started_at,
      error_message = EXCLUDED.error_message, exit_code = EXCLUDED.exit_code,
      finished_at = EXCLUDED.finished_at, duration_ms = EXCLUDED.duration_ms, signal = EXCLUDED.signal,
      script = EXCLUDED.script, log_path = EXCLUDED.log_path, artifact_path = EXCLUDED.artifact_path,
      artifact_bytes = EXCLUDED.artifact_bytes,
      success_backup_id = EXCLUDED.success_backup_id,
      success_started_at = EXCLUDED.success_started_at, success_finished_at = EXCLUDED.success_finished_at,
      success_received_at = EXCLUDED.success_received_at, success_duration_ms = EXCLUDED.success_duration_ms,
      success_exit_code = EXCLUDED.success_exit_code, success_signal = EXCLUDED.success_signal,
      success_error_message = EXCLUDED.success_error_message, success_script = EXCLUDED.success_script,
      success_log_path = EXCLUDED.success_log_path, success_artifact_path = EXCLUDED.success_artifact_path,
      success_artifact_bytes = EXCLUDED.success_artifact_bytes, failures = EXCLUDED.failures;
  $fn$;
  -- Every pair already there, recomputed once by the new function.
  SELECT refresh_latest_runs(array_agg(host), array_agg(type)) FROM latest_runs;

  ALTER TABLE backup_log_counts ENABLE ROW LEVEL SECURITY;
  CREATE POLICY backup_log_counts_read ON backup_log_counts FOR SELECT USING ${ALLOWED};
  ALTER TABLE notification_log_counts ENABLE ROW LEVEL SECURITY;
  CREATE POLICY notification_log_counts_read ON notification_log_counts FOR SELECT USING ${ALLOWED};
  ALTER TABLE audit_log_counts ENABLE ROW LEVEL SECURITY;
  CREATE POLICY audit_log_counts_read ON audit_log_counts FOR SELECT USING ${ALLOWED};
  `,
};
