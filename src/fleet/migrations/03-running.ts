import type { CentreMigration } from './centre-migration.js';

/**
 * latest_runs follows the latest *finished* run, as `status` does on a host (issue 10): a run
 * in progress (shipped by a `retry` or `sync` while the backup goes on) no longer hides the
 * failure before it from `status --fleet` and the dashboard, and a lock-busy failure no longer
 * outranks the real run that finished after it. The run in progress is kept beside it. Hosts
 * write exactly as before: compatible with 1.
 */
export const RUNNING: CentreMigration = {
  version: 3,
  compatibleWith: 1,
  sql: `
  -- A pair's latest outcome in one seek, and its run in progress from a tiny partial index.
  CREATE INDEX backup_logs_host_type_finished
    ON backup_logs (host, type, finished_at DESC NULLS LAST, backup_id DESC);
  CREATE INDEX backup_logs_host_type_running ON backup_logs (host, type, started_at DESC)
    WHERE status = 'running';
  ALTER TABLE latest_runs
    ADD COLUMN running_backup_id  text,
    ADD COLUMN running_started_at timestamptz,
    ADD COLUMN running_script     text,
    ADD COLUMN running_log_path   text;
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
                                   success_log_path, success_artifact_path, success_artifact_bytes, failures,
                                   running_backup_id, running_started_at, running_script, running_log_path)
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
           ) ELSE 0 END,
           r.backup_id, r.started_at, r.script, r.log_path
      FROM unnest(pair_hosts, pair_types) AS p(host, type)
      JOIN LATERAL (
        (SELECT b.backup_id, b.status, b.started_at, b.error_message, b.exit_code, b.finished_at,
                b.duration_ms, b.signal, b.script, b.log_path, b.artifact_path, b.artifact_bytes
           FROM backup_logs b
          WHERE b.host = p.host AND b.type = p.type AND b.status <> 'running'
          ORDER BY b.finished_at DESC NULLS LAST, b.backup_id DESC LIMIT 1)
        UNION ALL
        (SELECT b.backup_id, b.status, b.started_at, b.error_message, b.exit_code, b.finished_at,
                b.duration_ms, b.signal, b.script, b.log_path, b.artifact_path, b.artifact_bytes
           FROM backup_logs b
          WHERE b.host = p.host AND b.type = p.type AND b.status = 'running'
          ORDER BY b.started_at DESC LIMIT 1)
        LIMIT 1
      ) l ON true
      LEFT JOIN LATERAL (
        SELECT b.backup_id, b.started_at, b.script, b.log_path FROM backup_logs b
         WHERE b.host = p.host AND b.type = p.type AND b.status = 'running'
         ORDER BY b.started_at DESC LIMIT 1
      ) r ON true
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
      success_artifact_bytes = EXCLUDED.success_artifact_bytes, failures = EXCLUDED.failures,
      running_backup_id = EXCLUDED.running_backup_id, running_started_at = EXCLUDED.running_started_at,
      running_script = EXCLUDED.running_script, running_log_path = EXCLUDED.running_log_path;
  $fn$;
  -- Every pair already there, recomputed once by the new function.
  -- Every pair already there, recomputed once by the new function.
  SELECT refresh_latest_runs(array_agg(host), array_agg(type)) FROM latest_runs;
  `,
};
