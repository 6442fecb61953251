import type Database from 'better-sqlite3';
import type { RunResult, RunStatus } from '../shared/run-result.js';
import { backupIdFor, type NewRun, type RunFilter, type RunRow } from './rows.js';

/**
 * The sizes of the last successful runs of a job that had an artifact (DESIGN.md "False
 * success"). Its WHERE repeats the partial index's (backup_logs_job_artifact_sizes) so SQLite
 * reads that index in order and stops after LIMIT: no scan at any history size.
 */
// INDEXED BY: (job, status, started_at) looks as good to the planner, but reads every
// success without a size first; the partial index holds only the sized ones.
export const ARTIFACT_SIZES_SQL = `SELECT artifact_bytes FROM backup_logs INDEXED BY backup_logs_job_artifact_sizes
  WHERE job = ? AND status = 'success' AND artifact_bytes IS NOT NULL AND backup_id != ? AND is_test = 0
  ORDER BY started_at DESC LIMIT ?`;

/** Rows `run --test` wrote are history, not health (runbook §7.3 leaves no lasting red mark). */
const REAL = 'is_test = 0';

/** A streak longer than this is reported as this; keeps the scan bounded on a years-old database. */
const STREAK_SCAN_LIMIT = 1000;

/** backup_logs: one row per run, written `running` before the script starts. */
export class RunTable {
  constructor(private readonly db: Database.Database) {}

  /** Inserts the `running` row under a fresh backup ID and returns that ID. */
  insert(run: NewRun, startedAt: Date): { backupId: string; logPath: string | null } {
    const exists = this.db.prepare('SELECT 1 FROM backup_logs WHERE backup_id = ?').pluck();
    const insert = this.db.prepare(
      `INSERT INTO backup_logs (backup_id, job, type, is_test, status, started_at, script, host, log_path, pid)
       VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?, ?)`,
    );
    // BEGIN IMMEDIATE: the check and the insert hold the write lock together, so two
    // processes starting in the same second (two jobs of one type) never pick the same ID.
    return this.db
      .transaction(() => {
        for (let attempt = 1; ; attempt++) {
          const backupId = backupIdFor(startedAt, run.type, attempt);
          if (exists.get(backupId)) continue;
          const logPath = run.logPathTemplate?.replace('{id}', backupId) ?? null;
          insert.run(
            backupId,
            run.job ?? run.type,
            run.type,
            run.isTest ? 1 : 0,
            run.startedAt,
            run.script,
            run.host,
            logPath,
            run.pid,
          );
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

  /** Rows of this job still `running`, with their wrapper's PID (a live one means it runs now). */
  runningOfJob(job: string, host: string): { backupId: string; pid: number | null }[] {
    return this.db
      .prepare(
        "SELECT backup_id AS backupId, pid FROM backup_logs WHERE status = 'running' AND job = ? AND host = ? ORDER BY id DESC",
      )
      .all(job, host) as { backupId: string; pid: number | null }[];
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
    if (filter.job) {
      where.push('job = ?');
      params.push(filter.job);
    }
    if (filter.real) where.push(REAL);
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
    return this.distinct('type');
  }

  /** Jobs that have at least one run: the same skip-scan, over (job, started_at). */
  jobs(): string[] {
    return this.distinct('job');
  }

  private distinct(column: 'type' | 'job'): string[] {
    return this.db
      .prepare(
        `WITH RECURSIVE v(value) AS (
           SELECT min(${column}) FROM backup_logs
           UNION ALL
           SELECT (SELECT min(${column}) FROM backup_logs WHERE ${column} > v.value) FROM v WHERE v.value IS NOT NULL
         )
         SELECT value FROM v WHERE value IS NOT NULL`,
      )
      .pluck()
      .all() as string[];
  }

  /** The type of a job's latest run (its schedule class as last run). */
  typeOfJob(job: string): string | undefined {
    return this.db
      .prepare('SELECT type FROM backup_logs WHERE job = ? ORDER BY started_at DESC LIMIT 1')
      .pluck()
      .get(job) as string | undefined;
  }

  /** The latest real (not `run --test`) run of a job, optionally with `status`. */
  latest(job: string, status?: RunStatus): RunRow | undefined {
    return this.list(status ? { job, status, limit: 1, real: true } : { job, limit: 1, real: true })[0];
  }

  /**
   * The real run of `job` that finished last (optionally with `status`). What health follows:
   * runs overlap (a lock-busy failure is recorded while the real run is still going), so
   * the latest *started* row is not the latest outcome.
   */
  latestFinished(job: string, status?: Exclude<RunStatus, 'running'>): RunRow | undefined {
    return this.db
      .prepare(
        `SELECT * FROM backup_logs WHERE job = @job AND finished_at IS NOT NULL
           AND (@status IS NULL OR status = @status) AND ${REAL}
         ORDER BY finished_at DESC, id DESC LIMIT 1`,
      )
      .get({ job, status: status ?? null }) as RunRow | undefined;
  }

  /** Real runs of `job` that finished failed or abandoned after `since` (the latest success's end), up to the scan limit. */
  failuresFinishedAfter(job: string, since: string): number {
    return this.db
      .prepare(
        `SELECT count(*) FROM (
           SELECT 1 FROM backup_logs WHERE job = ? AND finished_at > ? AND status IN ('failure', 'abandoned')
             AND ${REAL}
           LIMIT ${STREAK_SCAN_LIMIT}
         )`,
      )
      .pluck()
      .get(job, since) as number;
  }

  /** Finished real runs of a job that failed since its last success (running rows are skipped). */
  consecutiveFailures(job: string): number {
    // Counted from the latest success on with the (job, started_at) index, not by reading
    // the last 1000 runs of the job (~1 ms a job: `status` asks for every job each poll).
    const lastSuccess = this.db
      .prepare(
        `SELECT started_at, id FROM backup_logs WHERE job = ? AND status = 'success' AND ${REAL}
         ORDER BY started_at DESC, id DESC LIMIT 1`,
      )
      .get(job) as { started_at: string; id: number } | undefined;
    const count = this.db.prepare(
      `SELECT count(*) FROM (
         SELECT 1 FROM backup_logs
         WHERE job = @job AND status NOT IN ('running', 'success') AND ${REAL}
           AND started_at >= @since AND (started_at > @since OR id > @id)
         LIMIT ${STREAK_SCAN_LIMIT}
       )`,
    );
    return count
      .pluck()
      .get({ job, since: lastSuccess?.started_at ?? '', id: lastSuccess?.id ?? 0 }) as number;
  }

  /** Earlier finished real runs of `job`, newest first, excluding `backupId`, up to the streak scan limit. */
  earlierFinished(job: string, backupId: string): RunRow[] {
    return this.db
      .prepare(
        `SELECT * FROM backup_logs WHERE job = ? AND backup_id != ? AND status != 'running' AND ${REAL}
         ORDER BY started_at DESC, id DESC LIMIT ?`,
      )
      .all(job, backupId, STREAK_SCAN_LIMIT) as RunRow[];
  }

  /** The status of the last finished real run of `job` before `backupId`. */
  previousFinishedStatus(job: string, backupId: string): RunStatus | undefined {
    return this.db
      .prepare(
        `SELECT status FROM backup_logs
         WHERE job = ? AND backup_id != ? AND status != 'running' AND ${REAL}
           AND (started_at, id) < (SELECT started_at, id FROM backup_logs WHERE backup_id = ?)
         ORDER BY started_at DESC, id DESC LIMIT 1`,
      )
      .pluck()
      .get(job, backupId, backupId) as RunStatus | undefined;
  }

  /** Artifact sizes of the latest successful runs of `job` other than `backupId`, newest first. */
  recentArtifactSizes(job: string, backupId: string, limit: number): number[] {
    return this.db.prepare(ARTIFACT_SIZES_SQL).pluck().all(job, backupId, limit) as number[];
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
