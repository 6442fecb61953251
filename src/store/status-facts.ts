import type Database from 'better-sqlite3';
import type { HostTypeFacts } from '../serve/read-model.js';
import { backupItem } from './read-items.js';
import type { RunRow } from './rows.js';

/** Failures in a row are counted up to this (as `status` does): a number, not a scan of years. */
export const FAILURE_STREAK_CAP = 1000;

interface PickedRow {
  host: string;
  type: string;
  latest_id: number | null;
  success_id: number | null;
  failures: number;
}

/**
 * Every host × type with its latest run, latest success and failures since that success, in
 * one statement: a few seeks of the (host, type, started_at) index per pair, whatever the
 * history's length. The pairs come from backup_log_counts, so finding them reads no run.
 * backup_log_counts keys a missing host as ''; `IS nullif(…)` finds those rows again.
 */
const FACTS_SQL = `
  WITH pairs AS (
    SELECT host, type FROM backup_log_counts
    WHERE n > 0 AND (@host IS NULL OR host = @host) AND (@type IS NULL OR type = @type)
    GROUP BY host, type
  ),
  picked AS MATERIALIZED (
    SELECT p.host, p.type,
      (SELECT b.id FROM backup_logs b WHERE b.host IS nullif(p.host, '') AND b.type = p.type
         ORDER BY b.started_at DESC, b.id DESC LIMIT 1) AS latest_id,
      (SELECT b.id FROM backup_logs b WHERE b.host IS nullif(p.host, '') AND b.type = p.type
         AND b.status = 'success' ORDER BY b.started_at DESC, b.id DESC LIMIT 1) AS success_id
    FROM pairs p
  )
  SELECT picked.*,
    (SELECT count(*) FROM (
       SELECT 1 FROM backup_logs b
       WHERE b.host IS nullif(picked.host, '') AND b.type = picked.type
         AND b.status IN ('failure', 'abandoned')
         AND b.started_at >= coalesce(s.started_at, '')
         AND (b.started_at > coalesce(s.started_at, '') OR b.id > coalesce(s.id, 0))
       LIMIT ${FAILURE_STREAK_CAP})) AS failures
  FROM picked LEFT JOIN backup_logs s ON s.id = picked.success_id
  ORDER BY picked.host, picked.type`;

export function statusFacts(
  db: Database.Database,
  filter: { host?: string; type?: string },
): HostTypeFacts[] {
  const picked = db.prepare(FACTS_SQL).all({
    host: filter.host ?? null,
    type: filter.type ?? null,
  }) as PickedRow[];
  const ids = new Set<number>();
  for (const row of picked) {
    if (row.latest_id !== null) ids.add(row.latest_id);
    if (row.success_id !== null) ids.add(row.success_id);
  }
  const runs = new Map<number, RunRow & { id: number }>();
  if (ids.size > 0) {
    const rows = db
      .prepare(
        `SELECT id, backup_id, type, status, started_at, finished_at, duration_ms, exit_code, signal,
           error_message, NULL AS output_tail, script, host, log_path, pid
         FROM backup_logs WHERE id IN (SELECT value FROM json_each(?))`,
      )
      .all(JSON.stringify([...ids])) as Array<RunRow & { id: number }>;
    for (const row of rows) runs.set(row.id, row);
  }
  const item = (id: number | null) => {
    const row = id === null ? undefined : runs.get(id);
    return row ? backupItem(row) : null;
  };
  return picked.map((row) => ({
    host: row.host === '' ? null : row.host,
    type: row.type,
    latestRun: item(row.latest_id),
    latestSuccess: item(row.success_id),
    consecutiveFailures: row.failures,
  }));
}
