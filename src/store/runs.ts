import type Database from 'better-sqlite3';
import type { RunResult, RunStatus } from '../shared/run-result.js';
import { backupIdFor, type NewRun, type RunFilter, type RunRow } from './rows.js';

/**
 * The sizes of the last successful runs of a type that had an artifact (DESIGN.md "False
 * success"). Its WHERE repeats the partial index's (backup_logs_artifact_sizes) so SQLite
 * reads that index in order and stops after LIMIT: no scan at any history size.
 */
// INDEXED BY: (type, status, started_at) looks as good to the planner, but reads every
// success without a size first; the partial index holds only the sized ones.
export const ARTIFACT_SIZES_SQL = `SELECT artifact_bytes FROM backup_logs INDEXED BY backup_logs_artifact_sizes
  WHERE type = ? AND status = 'success' AND artifact_bytes IS NOT NULL AND backup_id != ?
  ORDER BY started_at DESC LIMIT ?`;

/** A streak longer than this is reported as this; keeps the scan bounded on a years-old database. */
const STREAK_SCAN_LIMIT = 1000;

/** backup_logs: one row per run, written `running` before the script starts. */
export class RunTable {
  constructor(private readonly db: Database.Database) {}

  /** Inserts the `running` row under a fresh backup ID and returns that ID. */
  insert(run: NewRun, startedAt: Date): { backupId: string; logPath: string | null } {
    const exists = this.db.prepare('SELECT 1 FROM backup_logs WHERE backup_id = ?').pluck();
    const insert = this.db.prepare(
      `INSERT INTO backup_logs (backup_id, type, status, started_at, script, host, log_path, pid)
       VALUES (?, ?, 'running', ?, ?, ?, ?, ?)`,
    );
    return this.db
      .transaction(() => {
        for (let attempt = 1; ; attempt++) {
          const backupId = backupIdFor(startedAt, run.type, attempt);
          if (exists.get(backupId)) continue;
          const logPath = run.logPathTemplate?.replace('{id}', backupId) ?? null;
          insert.run(backupId, run.type, run.startedAt, run.script, run.host, logPath, run.pid);
          return { backupId, logPath };
        }
      })
      .immediate();
  }

  /** The newest row's id: what a run started after now will be above (serve's POST /api/v1/backups). */
  lastRowId(): number {
    return (this.db.prepare('SELECT coalesce(max(id), 0) FROM backup_logs').pluck().get() as number) ?? 0;
  }

  /** The run the wrapper with this PID recorded after row `afterId`: how serve learns the ID it started. */
  startedBy(pid: number, afterId: number): { backupId: string; status: string } | undefined {
    return this.db
      .prepare(
        'SELECT backup_id AS backupId, status FROM backup_logs WHERE id > ? AND pid = ? ORDER BY id DESC LIMIT 1',
      )
      .get(afterId, pid) as { backupId: string; status: string } | undefined;
  }

  /** Rows of this type still `running`, with their wrapper's PID (a live one means it runs now). */
  runningOfType(type: string, host: string): { backupId: string; pid: number | null }[] {
    return this.db
      .prepare(
        "SELECT backup_id AS backupId, pid FROM backup_logs WHERE status = 'running' AND type = ? AND host = ? ORDER BY id DESC",
      )
      .all(type, host) as { backupId: string; pid: number | null }[];
  }

  /** Writes the run's outcome onto its row. */
  finish(result: RunResult): void {
    this.db
      .prepare(
        `UPDATE backup_logs SET status = ?, finished_at = ?, duration_ms = ?, exit_code = ?, signal = ?,
           error_message = ?, output_tail = ?, artifact_path = ?, artifact_bytes = ? WHERE backup_id = ?`,
      )
      .run(
        result.status,
        result.finishedAt,
        result.durationMs,
        result.exitCode,
        result.signal,
        result.errorMessage,
        result.outputTail === '' ? null : result.outputTail,
        result.artifactPath,
        result.artifactBytes,
        result.backupId,
      );
  }

  get(backupId: string): RunRow | undefined {
    return this.db.prepare('SELECT * FROM backup_logs WHERE backup_id = ?').get(backupId) as
      | RunRow
      | undefined;
  }

  /**
   * Marks `running` rows whose wrapper is gone as `abandoned` and returns them (to be alerted).
   * `isGone` decides from host and PID; rows from other hosts are left to those hosts.
   */
  markAbandoned(isGone: (row: RunRow) => boolean, finishedAt: string): RunRow[] {
    const running = this.db.prepare("SELECT * FROM backup_logs WHERE status = 'running'").all() as RunRow[];
    const gone = running.filter(isGone);
    if (gone.length === 0) return [];
    const update = this.db.prepare(
      `UPDATE backup_logs SET status = 'abandoned', finished_at = ?, error_message = ?
       WHERE backup_id = ? AND status = 'running'`,
    );
    const message = (row: RunRow) =>
      `Backup wrapper (PID ${row.pid ?? '?'}) died before the run finished; outcome unknown`;
    this.db.transaction(() => {
      for (const row of gone) update.run(finishedAt, message(row), row.backup_id);
    })();
    return gone.map((row) => ({
      ...row,
      status: 'abandoned',
      finished_at: finishedAt,
      error_message: message(row),
    }));
  }

  /** Newest first. */
  list(filter: RunFilter = {}): RunRow[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.status) {
      where.push('status = ?');
      params.push(filter.status);
    }
    if (filter.type) {
      where.push('type = ?');
      params.push(filter.type);
    }
    const sql = `SELECT * FROM backup_logs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY started_at DESC, id DESC LIMIT ?`;
    params.push(filter.limit ?? -1);
    return this.db.prepare(sql).all(...params) as RunRow[];
  }

  /**
   * Types that have at least one run. A skip-scan of the (type, started_at) index, one
   * lookup per type: `SELECT DISTINCT type` read every index entry (~50 ms at 1M runs),
   * and `status` runs this every time monitoring polls it. In ascending order by
   * construction (each step takes the next greater type), so no sort.
   */
  types(): string[] {
    return this.db
      .prepare(
        `WITH RECURSIVE t(type) AS (
           SELECT min(type) FROM backup_logs
           UNION ALL
           SELECT (SELECT min(type) FROM backup_logs WHERE type > t.type) FROM t WHERE t.type IS NOT NULL
         )
         SELECT type FROM t WHERE type IS NOT NULL`,
      )
      .pluck()
      .all() as string[];
  }

  latest(type: string, status?: RunStatus): RunRow | undefined {
    return this.list(status ? { type, status, limit: 1 } : { type, limit: 1 })[0];
  }

  /**
   * The run of `type` that finished last (optionally with `status`). What health follows:
   * runs overlap (a lock-busy failure is recorded while the real run is still going), so
   * the latest *started* row is not the latest outcome.
   */
  latestFinished(type: string, status?: Exclude<RunStatus, 'running'>): RunRow | undefined {
    return this.db
      .prepare(
        `SELECT * FROM backup_logs WHERE type = @type AND finished_at IS NOT NULL
           AND (@status IS NULL OR status = @status)
         ORDER BY finished_at DESC, id DESC LIMIT 1`,
      )
      .get({ type, status: status ?? null }) as RunRow | undefined;
  }

  /** Runs of `type` that finished failed or abandoned after `since` (the latest success's end), up to the scan limit. */
  failuresFinishedAfter(type: string, since: string): number {
    return this.db
      .prepare(
        `SELECT count(*) FROM (
           SELECT 1 FROM backup_logs WHERE type = ? AND finished_at > ? AND status IN ('failure', 'abandoned')
           LIMIT ${STREAK_SCAN_LIMIT}
         )`,
      )
      .pluck()
      .get(type, since) as number;
  }

  /** Finished runs of a type that failed since its last success (running rows are skipped). */
  consecutiveFailures(type: string): number {
    // Counted from the latest success on with the (type, started_at) index, not by reading
    // the last 1000 runs of the type (~1 ms a type: `status` asks for every type each poll).
    const lastSuccess = this.db
      .prepare(
        `SELECT started_at, id FROM backup_logs WHERE type = ? AND status = 'success'
         ORDER BY started_at DESC, id DESC LIMIT 1`,
      )
      .get(type) as { started_at: string; id: number } | undefined;
    const count = this.db.prepare(
      `SELECT count(*) FROM (
         SELECT 1 FROM backup_logs
         WHERE type = @type AND status NOT IN ('running', 'success')
           AND started_at >= @since AND (started_at > @since OR id > @id)
         LIMIT ${STREAK_SCAN_LIMIT}
       )`,
    );
    return count
      .pluck()
      .get({ type, since: lastSuccess?.started_at ?? '', id: lastSuccess?.id ?? 0 }) as number;
  }

  /** Earlier finished runs of `type`, newest first, excluding `backupId`, up to the streak scan limit. */
  earlierFinished(type: string, backupId: string): RunRow[] {
    return this.db
      .prepare(
        `SELECT * FROM backup_logs WHERE type = ? AND backup_id != ? AND status != 'running'
         ORDER BY started_at DESC, id DESC LIMIT ?`,
      )
      .all(type, backupId, STREAK_SCAN_LIMIT) as RunRow[];
  }

  /** The status of the last finished run of `type` before `backupId`. */
  previousFinishedStatus(type: string, backupId: string): RunStatus | undefined {
    return this.db
      .prepare(
        `SELECT status FROM backup_logs
         WHERE type = ? AND backup_id != ? AND status != 'running'
           AND (started_at, id) < (SELECT started_at, id FROM backup_logs WHERE backup_id = ?)
         ORDER BY started_at DESC, id DESC LIMIT 1`,
      )
      .pluck()
      .get(type, backupId, backupId) as RunStatus | undefined;
  }

  /** Artifact sizes of the latest successful runs of `type` other than `backupId`, newest first. */
  recentArtifactSizes(type: string, backupId: string, limit: number): number[] {
    return this.db.prepare(ARTIFACT_SIZES_SQL).pluck().all(type, backupId, limit) as number[];
  }

  /**
   * Proves the file is a readable backup-alert database (schema read, one page of the table)
   * at a cost that does not grow with the history, unlike `count()`.
   */
  probe(): void {
    this.db.prepare('SELECT 1 FROM backup_logs LIMIT 1').pluck().get();
  }

  /** Every run recorded: a walk of a whole index, for `doctor`, not for every poll. */
  count(): number {
    return this.db.prepare('SELECT COUNT(*) FROM backup_logs').pluck().get() as number;
  }
}
