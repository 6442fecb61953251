import type Database from 'better-sqlite3';
import type { BackupItem, HostTypeFacts } from '../serve/read-model.js';

/** Failures in a row are counted up to this (as `status` does): a number, not a scan of years. */
export const FAILURE_STREAK_CAP = 1000;

const RUN_COLUMNS = [
  'backup_id',
  'host',
  'job',
  'type',
  'status',
  'started_at',
  'finished_at',
  'duration_ms',
  'exit_code',
  'signal',
  'error_message',
  'script',
  'log_path',
  'artifact_path',
  'artifact_bytes',
] as const;

const columns = (alias: string) => RUN_COLUMNS.map((c) => `${alias}.${c}`).join(', ');

/**
 * Every host × job with its latest outcome, its run in progress, its latest success and the
 * failures since that success, in one statement: a few index seeks per pair, whatever the
 * history's length. The latest outcome is the run that *finished* last, as `status` reads it
 * (issue 10): a run in progress does not hide the failure before it, and a lock-busy failure
 * recorded while the real run went on does not outrank that run's later success; only a pair
 * with no finished run shows its run in progress as the latest. Jobs (issue 21) are the key:
 * two jobs of one type are two rows, so a failed `pg` is never hidden by a good `files`.
 * `run --test` rows are history, not health: left out here.
 * INDEXED BY: left alone, SQLite may walk (host, started_at) and read every run of the host
 * to find one job's latest. No id tie-break in the started_at orders: it would cost a
 * sorter per pair, and two runs of one host and job starting in the same millisecond do
 * not happen (the finished_at walk gets the id order from the index anyway).
 * The pairs come from backup_log_counts, so finding them reads no run either; `type`
 * filters jobs of that type (any run of it), `job` one job.
 * backup_log_counts keys a missing host as ''; `IS nullif(…)` finds those rows again.
 */
const FACTS_SQL = `
  WITH pairs AS (
    SELECT host, job FROM backup_log_counts
    WHERE n > 0 AND (@host IS NULL OR host = @host) AND (@type IS NULL OR type = @type)
      AND (@job IS NULL OR job = @job)
    GROUP BY host, job
  ),
  latest AS MATERIALIZED (
    SELECT p.host, p.job,
      (SELECT b.id FROM backup_logs b INDEXED BY backup_logs_host_job_finished
         WHERE b.host IS nullif(p.host, '') AND b.job = p.job AND b.finished_at IS NOT NULL
           AND b.is_test = 0
         ORDER BY b.finished_at DESC LIMIT 1) AS finished_id,
      (SELECT b.id FROM backup_logs b INDEXED BY backup_logs_host_job_running
         WHERE b.host IS nullif(p.host, '') AND b.job = p.job AND b.status = 'running'
           AND b.is_test = 0
         ORDER BY b.started_at DESC LIMIT 1) AS running_id
    FROM pairs p
  ),
  -- Most pairs are healthy: their latest run is their latest success, with no failure since.
  picked AS MATERIALIZED (
    SELECT latest.host, latest.job, l.id AS latest_id, latest.running_id, l.status AS latest_status,
      CASE WHEN l.status = 'success' THEN l.id ELSE
        (SELECT b.id FROM backup_logs b INDEXED BY backup_logs_host_job_started
           WHERE b.host IS nullif(latest.host, '') AND b.job = latest.job AND b.status = 'success'
             AND b.is_test = 0
           ORDER BY b.started_at DESC LIMIT 1)
      END AS success_id
    FROM latest LEFT JOIN backup_logs l ON l.id = coalesce(latest.finished_id, latest.running_id)
    -- A job with only test runs has no health to report.
    WHERE l.id IS NOT NULL
  )
  SELECT picked.host, picked.job, l.type,
    CASE WHEN picked.latest_status IN ('failure', 'abandoned') THEN
      (SELECT count(*) FROM (
         SELECT 1 FROM backup_logs b INDEXED BY backup_logs_host_job_started
         WHERE b.host IS nullif(picked.host, '') AND b.job = picked.job
           AND b.status IN ('failure', 'abandoned') AND b.is_test = 0
           AND b.started_at >= coalesce(s.started_at, '')
           AND (b.started_at > coalesce(s.started_at, '') OR b.id > coalesce(s.id, 0))
         LIMIT ${FAILURE_STREAK_CAP}))
    ELSE 0 END AS failures,
    l.id, ${columns('l')}, s.id, ${columns('s')}, r.id, ${columns('r')}
  FROM picked
  LEFT JOIN backup_logs l ON l.id = picked.latest_id
  LEFT JOIN backup_logs s ON s.id = picked.success_id
  LEFT JOIN backup_logs r ON r.id = picked.running_id
  ORDER BY picked.host, picked.job`;

type Cell = string | number | null;

/** A run from RUN_COLUMNS read as an array from `offset` (raw rows: no object per row and column). */
function runAt(row: readonly Cell[], offset: number): BackupItem | null {
  if (row[offset] === null) return null;
  const at = (i: number) => row[offset + 1 + i] ?? null;
  return {
    backupId: at(0) as string,
    host: at(1) as string | null,
    job: at(2) as string,
    type: at(3) as string,
    status: at(4) as string,
    startedAt: at(5) as string,
    finishedAt: at(6) as string | null,
    durationMs: at(7) as number | null,
    exitCode: at(8) as number | null,
    signal: at(9) as string | null,
    errorMessage: at(10) as string | null,
    script: at(11) as string | null,
    logPath: at(12) as string | null,
    artifactPath: at(13) as string | null,
    artifactBytes: at(14) as number | null,
  };
}

export function statusFacts(
  db: Database.Database,
  filter: { host?: string; type?: string; job?: string },
): HostTypeFacts[] {
  const rows = db
    .prepare(FACTS_SQL)
    .raw()
    .all({ host: filter.host ?? null, type: filter.type ?? null, job: filter.job ?? null }) as Cell[][];
  const latestAt = 4;
  const successAt = latestAt + 1 + RUN_COLUMNS.length;
  const runningAt = successAt + 1 + RUN_COLUMNS.length;
  return rows.map((row) => ({
    host: row[0] === '' ? null : (row[0] as string),
    job: row[1] as string,
    type: row[2] as string,
    latestRun: runAt(row, latestAt),
    latestSuccess: runAt(row, successAt),
    runningRun: runAt(row, runningAt),
    consecutiveFailures: row[3] as number,
  }));
}
