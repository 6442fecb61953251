/**
 * latest_runs keyed by host × job (issue 21: a host may run two jobs of one type). Until a
 * host sends jobs, each run's job is its type and nothing changes for it. The indexes the
 * refresh seeks by are rebuilt on job; the (host, type, started_at) one stays for history.
 */
export const LATEST_RUNS_BY_JOB = `
  DROP INDEX backup_logs_host_type_finished;
  DROP INDEX backup_logs_host_type_running;
  DROP INDEX backup_logs_host_type_success;
  CREATE INDEX backup_logs_host_job_started ON backup_logs (host, job, started_at DESC);
  CREATE INDEX backup_logs_host_job_finished
    ON backup_logs (host, job, finished_at DESC NULLS LAST, backup_id DESC);
  CREATE INDEX backup_logs_host_job_running ON backup_logs (host, job, started_at DESC)
    WHERE status = 'running';
  CREATE INDEX backup_logs_host_job_success ON backup_logs (host, job, started_at DESC)
    WHERE status = 'success';
  ALTER TABLE latest_runs ADD COLUMN job text;
  UPDATE latest_runs SET job = type;
  ALTER TABLE latest_runs ALTER COLUMN job SET NOT NULL;
  ALTER TABLE latest_runs DROP CONSTRAINT latest_runs_pkey;
  ALTER TABLE latest_runs ADD PRIMARY KEY (host, job);
  DROP FUNCTION refresh_latest_runs(text[], text[]);
  CREATE FUNCTION refresh_latest_runs(pair_hosts text[], pair_jobs text[]) RETURNS void
  LANGUAGE sql SECURITY DEFINER SET search_path FROM CURRENT SET jit = off AS $fn$
    DELETE FROM latest_runs lr USING unnest(pair_hosts, pair_jobs) AS p(host, job)
     WHERE lr.host = p.host AND lr.job = p.job
       AND NOT EXISTS (SELECT 1 FROM backup_logs b WHERE b.host = p.host AND b.job = p.job);
    INSERT INTO latest_runs AS lr (host, job, type, backup_id, status, started_at, error_message, exit_code,
                                   finished_at, duration_ms, signal, script, log_path, artifact_path,
                                   artifact_bytes,
                                   success_backup_id, success_started_at, success_finished_at,
                                   success_received_at, success_duration_ms, success_exit_code,
                                   success_signal, success_error_message, success_script,
                                   success_log_path, success_artifact_path, success_artifact_bytes, failures,
                                   running_backup_id, running_started_at, running_script, running_log_path)
    SELECT p.host, p.job, l.type, l.backup_id, l.status, l.started_at, l.error_message, l.exit_code,
           l.finished_at, l.duration_ms, l.signal, l.script, l.log_path, l.artifact_path, l.artifact_bytes,
           s.backup_id, s.started_at, s.finished_at, s.received_at, s.duration_ms, s.exit_code,
           s.signal, s.error_message, s.script, s.log_path, s.artifact_path, s.artifact_bytes,
           CASE WHEN l.status IN ('failure', 'abandoned') THEN (
             SELECT count(*)::int FROM (
               SELECT 1 FROM backup_logs b
                WHERE b.host = p.host AND b.job = p.job AND b.status NOT IN ('running', 'success')
                  AND b.started_at > coalesce(s.started_at, '-infinity')
                LIMIT 1000) x
           ) ELSE 0 END,
           r.backup_id, r.started_at, r.script, r.log_path
      FROM unnest(pair_hosts, pair_jobs) AS p(host, job)
      JOIN LATERAL (
        (SELECT b.type, b.backup_id, b.status, b.started_at, b.error_message, b.exit_code, b.finished_at,
                b.duration_ms, b.signal, b.script, b.log_path, b.artifact_path, b.artifact_bytes
           FROM backup_logs b
          WHERE b.host = p.host AND b.job = p.job AND b.status <> 'running'
          ORDER BY b.finished_at DESC NULLS LAST, b.backup_id DESC LIMIT 1)
        UNION ALL
        (SELECT b.type, b.backup_id, b.status, b.started_at, b.error_message, b.exit_code, b.finished_at,
                b.duration_ms, b.signal, b.script, b.log_path, b.artifact_path, b.artifact_bytes
           FROM backup_logs b
          WHERE b.host = p.host AND b.job = p.job AND b.status = 'running'
          ORDER BY b.started_at DESC LIMIT 1)
        LIMIT 1
      ) l ON true
      LEFT JOIN LATERAL (
        SELECT b.backup_id, b.started_at, b.script, b.log_path FROM backup_logs b
         WHERE b.host = p.host AND b.job = p.job AND b.status = 'running'
         ORDER BY b.started_at DESC LIMIT 1
      ) r ON true
      LEFT JOIN LATERAL (
        SELECT b.backup_id, b.started_at, b.finished_at, b.received_at, b.duration_ms, b.exit_code,
               b.signal, b.error_message, b.script, b.log_path, b.artifact_path, b.artifact_bytes
          FROM backup_logs b
         WHERE b.host = p.host AND b.job = p.job AND b.status = 'success' ORDER BY b.started_at DESC LIMIT 1
      ) s ON true
    ON CONFLICT (host, job) DO UPDATE SET
      type = EXCLUDED.type, backup_id = EXCLUDED.backup_id, status = EXCLUDED.status, started_at = EXCLUDED.started_at,
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
  CREATE OR REPLACE FUNCTION backup_logs_touched_new() RETURNS trigger LANGUAGE plpgsql AS $fn$
  BEGIN
    PERFORM refresh_latest_runs(array_agg(host), array_agg(job)) FROM (SELECT DISTINCT host, job FROM touched) d;
    RETURN NULL;
  END $fn$;
  CREATE OR REPLACE FUNCTION backup_logs_touched_old() RETURNS trigger LANGUAGE plpgsql AS $fn$
  BEGIN
    PERFORM refresh_latest_runs(array_agg(host), array_agg(job)) FROM (SELECT DISTINCT host, job FROM touched) d;
    RETURN NULL;
  END $fn$;
`;
