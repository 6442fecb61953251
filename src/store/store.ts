import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import {
  type AuditEntry,
  backupIdFor,
  type NewNotification,
  type NewRun,
  type NotificationRow,
  type NotificationStatus,
  type RunFilter,
  type RunOutcome,
  type RunRow,
  type RunStatus,
} from './rows.js';
import { migrate } from './schema.js';

/**
 * better-sqlite3 is CommonJS with a native addon. Loaded with require() when a
 * database is first opened: commands that never open one do not pay for it, and
 * require() skips the CommonJS export scan an ESM import of it costs at start-up.
 */
let sqlite: typeof Database | undefined;
function loadSqlite(): typeof Database {
  sqlite ??= createRequire(import.meta.url)('better-sqlite3') as typeof Database;
  return sqlite;
}

/** SQLite in WAL mode with a busy timeout, so a cron run and an operator's `history` never collide. */
export class Store {
  readonly db: Database.Database;

  private constructor(db: Database.Database) {
    this.db = db;
  }

  /** Opens (creating with 0700 dir / 0600 file) and migrates the database. */
  static open(path: string, options: { readonly?: boolean } = {}): Store {
    if (!options.readonly && path !== ':memory:' && !existsSync(path)) {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      closeSync(openSync(path, 'a', 0o600));
    }
    const Sqlite = loadSqlite();
    const db = new Sqlite(path, {
      readonly: options.readonly ?? false,
      fileMustExist: options.readonly ?? false,
    });
    try {
      db.pragma('busy_timeout = 5000');
      if (!options.readonly) {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
        migrate(db);
      }
      return new Store(db);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Inserts the `running` row under a fresh backup ID and returns that ID. */
  insertRun(run: NewRun, startedAt: Date): { backupId: string; logPath: string | null } {
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

  finishRun(backupId: string, outcome: RunOutcome): void {
    this.db
      .prepare(
        `UPDATE backup_logs SET status = ?, finished_at = ?, duration_ms = ?, exit_code = ?, signal = ?,
           error_message = ?, output_tail = ? WHERE backup_id = ?`,
      )
      .run(
        outcome.status,
        outcome.finishedAt,
        outcome.durationMs,
        outcome.exitCode,
        outcome.signal,
        outcome.errorMessage,
        outcome.outputTail,
        backupId,
      );
  }

  getRun(backupId: string): RunRow | undefined {
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
  listRuns(filter: RunFilter = {}): RunRow[] {
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
   * and `status` runs this every time monitoring polls it.
   */
  types(): string[] {
    return this.db
      .prepare(
        `WITH RECURSIVE t(type) AS (
           SELECT min(type) FROM backup_logs
           UNION ALL
           SELECT (SELECT min(type) FROM backup_logs WHERE type > t.type) FROM t WHERE t.type IS NOT NULL
         )
         SELECT type FROM t WHERE type IS NOT NULL ORDER BY type`,
      )
      .pluck()
      .all() as string[];
  }

  latestRun(type: string, status?: RunStatus): RunRow | undefined {
    return this.listRuns(status ? { type, status, limit: 1 } : { type, limit: 1 })[0];
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
         LIMIT 1000
       )`,
    );
    return count
      .pluck()
      .get({ type, since: lastSuccess?.started_at ?? '', id: lastSuccess?.id ?? 0 }) as number;
  }

  insertNotification(n: NewNotification): number {
    const result = this.db
      .prepare(
        `INSERT INTO notification_logs (notification_type, channel, recipient, subject, status, error_message,
           sent_at, attempts, payload, backup_id, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        n.notificationType,
        n.channel,
        n.recipient,
        n.subject,
        n.status,
        n.errorMessage,
        n.sentAt,
        n.attempts,
        n.payload,
        n.backupId,
        n.sentAt,
      );
    return Number(result.lastInsertRowid);
  }

  updateNotification(
    id: number,
    patch: { status: NotificationStatus; errorMessage: string | null; sentAt: string; attempts: number },
  ): void {
    this.db
      .prepare(
        'UPDATE notification_logs SET status = ?, error_message = ?, sent_at = ?, attempts = ? WHERE id = ?',
      )
      .run(patch.status, patch.errorMessage, patch.sentAt, patch.attempts, id);
  }

  /**
   * Takes a pending row for one re-send: true only for the one process whose update matched,
   * so a `retry` racing a `run` never sends the same alert twice.
   */
  claimNotification(id: number, attempts: number): boolean {
    const result = this.db
      .prepare(
        "UPDATE notification_logs SET attempts = attempts + 1 WHERE id = ? AND status = 'pending' AND attempts = ?",
      )
      .run(id, attempts);
    return result.changes === 1;
  }

  /** Cheap check on every run: is there anything for `retry` to do? */
  hasPendingNotifications(): boolean {
    return (
      this.db.prepare("SELECT 1 FROM notification_logs WHERE status = 'pending' LIMIT 1").pluck().get() === 1
    );
  }

  pendingNotifications(): NotificationRow[] {
    return this.db
      .prepare("SELECT * FROM notification_logs WHERE status = 'pending' ORDER BY created_at, id")
      .all() as NotificationRow[];
  }

  listNotifications(backupId?: string): NotificationRow[] {
    return (
      backupId
        ? this.db.prepare('SELECT * FROM notification_logs WHERE backup_id = ? ORDER BY id').all(backupId)
        : this.db.prepare('SELECT * FROM notification_logs ORDER BY id').all()
    ) as NotificationRow[];
  }

  audit(entry: AuditEntry): void {
    this.db
      .prepare(
        `INSERT INTO backup_audit_logs (operation, backup_id, username, ip_address, status, details, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        entry.operation,
        entry.backupId,
        entry.username,
        entry.host,
        entry.status,
        entry.details === undefined ? null : JSON.stringify(entry.details),
        entry.createdAt,
      );
  }
}
