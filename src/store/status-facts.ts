import type Database from 'better-sqlite3';
import type { BackupItem, HostTypeFacts } from '../serve/read-model.js';

/** Failures in a row are counted up to this (as `status` does): a number, not a scan of years. */
export const FAILURE_STREAK_CAP = 1000;

const RUN_COLUMNS = [
  'backup_id',
  'host',
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
 * Every host × type with its latest outcome, its run in progress, its latest success and the
 * failures since that success, in one statement: a few index seeks per pair, whatever the
 * history's length. The latest outcome is the run that *finished* last, as `status` reads it
 * (issue 10): a run in progress does not hide the failure before it, and a lock-busy failure
 * recorded while the real run went on does not outrank that run's later success; only a pair
 * with no finished run shows its run in progress as the latest.
 * INDEXED BY: left alone, SQLite may walk (host, started_at) and read every run of the host
 * to find one type's latest. No id tie-break in the started_at orders: it would cost a
 * sorter per pair, and two runs of one host and type starting in the same millisecond do
 * not happen (the finished_at walk gets the id order from the index anyway).
 * The pairs come from backup_log_counts, so finding them reads no run either.
 * backup_log_counts keys a missing host as ''; `IS nullif(…)` finds those rows again.
 */
const FACTS_SQL = `
  WITH pairs AS (
    SELECT host, type FROM backup_log_counts
    WHERE n > 0 AND (@host IS NULL OR host = @host) AND (@type IS NULL OR type = @type)
    GROUP BY host, type
  ),
  latest AS MATERIALIZED (
    SELECT p.host, p.type,
      (SELECT b.id FROM backup_logs b INDEXED BY backup_logs_host_type_finished
         WHERE b.host IS nullif(p.host, '') AND b.type = p.type AND b.finished_at IS NOT NULL
         ORDER BY b.finished_at DESC LIMIT 1) AS finished_id,
      (SELECT b.id FROM backup_logs b INDEXED BY backup_logs_host_type_running
         WHERE b.host IS nullif(p.host, '') AND b.type = p.type AND b.status = 'running'
         ORDER BY b.started_at DESC LIMIT 1) AS running_id
    FROM pairs p
  ),
  -- Most pairs are healthy: their latest run is their latest success, with no failure since.
  picked AS MATERIALIZED (
    SELECT latest.host, latest.type, l.id AS latest_id, latest.running_id, l.status AS latest_status,
      CASE WHEN l.status = 'success' THEN l.id ELSE
        (SELECT b.id FROM backup_logs b INDEXED BY backup_logs_host_type_started
           WHERE b.host IS nullif(latest.host, '') AND b.type = latest.type AND b.status = 'success'
           ORDER BY b.started_at DESC LIMIT 1)
      END AS success_id
    FROM latest LEFT JOIN backup_logs l ON l.id = coalesce(latest.finished_id, latest.running_id)
  )
  SELECT picked.host, picked.type,
    CASE WHEN picked.latest_status IN ('failure', 'abandoned') THEN
      (SELECT count(*) FROM (
         SELECT 1 FROM backup_logs b INDEXED BY backup_logs_host_type_started
         WHERE b.host IS nullif(picked.host, '') AND b.type = picked.type
           AND b.status IN ('failure', 'abandoned')
           AND b.started_at >= coalesce(s.started_at, '')
           AND (b.started_at > coalesce(s.started_at, '') OR b.id > coalesce(s.id, 0))
         LIMIT ${FAILURE_STREAK_CAP}))
    ELSE 0 END AS failures,
    l.id, ${columns('l')}, s.id, ${columns('s')}, r.id, ${columns('r')}
  FROM picked
  LEFT JOIN backup_logs l ON l.id = picked.latest_id
  LEFT JOIN backup_logs s ON s.id = picked.success_id
  LEFT JOIN backup_logs r ON r.id = picked.running_id
  ORDER BY picked.host, picked.type`;

type Cell = string | number | null;

/** A run from RUN_COLUMNS read as an array from `offset` (raw rows: no object per row and column). */
function runAt(row: readonly Cell[], offset: number): BackupItem | null {
  if (row[offset] === null) return null;
  const at = (i: number) => row[offset + 1 + i] ?? null;
  return {
    backupId: at(0) as string,
    host: at(1) as string | null,
    type: at(2) as string,
    status: at(3) as string,
    startedAt: at(4) as string,
    finishedAt: at(5) as string | null,
    durationMs: at(6) as number | null,
    exitCode: at(7) as number | null,
    signal: at(8) as string | null,
    errorMessage: at(9) as string | null,
    script: at(10) as string | null,
    logPath: at(11) as string | null,
    artifactPath: at(12) as string | null,
    artifactBytes: at(13) as number | null,
  };
}

export function statusFacts(
  db: Database.Database,
  filter: { host?: string; type?: string },
): HostTypeFacts[] {
  const rows = db
    .prepare(FACTS_SQL)
    .raw()
    .all({ host: filter.host ?? null, type: filter.type ?? null }) as Cell[][];
  const latestAt = 3;
  const successAt = latestAt + 1 + RUN_COLUMNS.length;
  const runningAt = successAt + 1 + RUN_COLUMNS.length;
  return rows.map((row) => ({
    host: row[0] === '' ? null : (row[0] as string),
    type: row[1] as string,
    latestRun: runAt(row, latestAt),
    latestSuccess: runAt(row, successAt),
    runningRun: runAt(row, runningAt),
    consecutiveFailures: row[2] as number,
  }));
}
