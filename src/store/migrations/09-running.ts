/**
 * The dashboard follows the latest *finished* run, as `status` does (issue 10): a run in
 * progress must not hide the failure before it, and a lock-busy failure recorded while the
 * real run went on must not outrank that run's later success. (host, type, finished_at)
 * finds a pair's latest outcome in one seek; the partial index finds a run in progress
 * without reading the pair's history.
 */
export const RUNNING = `
  CREATE INDEX backup_logs_host_type_finished ON backup_logs (host, type, finished_at);
  CREATE INDEX backup_logs_host_type_running ON backup_logs (host, type, started_at)
    WHERE status = 'running';
  `;
