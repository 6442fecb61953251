import { existsSync, unlinkSync } from 'node:fs';
import type { Config } from '../config/config.js';
import type { CommandContext } from '../context.js';
import { formatDuration, parseDuration } from '../shared/duration.js';
import { errorCode, errorMessage, UsageError } from '../shared/errors.js';
import { ExitCode } from '../shared/exit-codes.js';
import type { Logger } from '../shared/logger.js';
import { recordAudit } from '../store/audit.js';
import type { Store } from '../store/store.js';

export interface PruneResult {
  /** ISO 8601 UTC: what finished (or started) before this was removed. */
  cutoff: string;
  dryRun: boolean;
  runs: number;
  notifications: number;
  auditRows: number;
  /** Log files deleted (dry run: that exist and would be deleted). */
  logFiles: number;
  /** Log files that could not be deleted (permissions); the rows are gone regardless. */
  logFileErrors: string[];
}

/**
 * A run is old when it finished before the cutoff (started, when it never
 * finished). `running` rows are never touched: the run may still be going.
 */
const OLD_RUNS = `FROM backup_logs WHERE status != 'running' AND COALESCE(finished_at, started_at) < @cutoff`;
/** Notifications of old runs, and old ones that belong to no run (tests, runs pruned earlier). */
const OLD_NOTIFICATIONS = `FROM notification_logs WHERE backup_id IN (SELECT backup_id ${OLD_RUNS})
  OR (created_at < @cutoff AND (backup_id IS NULL OR backup_id NOT IN (SELECT backup_id FROM backup_logs)))`;
const OLD_AUDIT = 'FROM backup_audit_logs WHERE created_at < @cutoff';

/**
 * Deletes old runs, their notifications, old audit rows and the runs' log
 * files. The rows go in one transaction; files are removed only after it
 * commits, so a failed prune leaves every row pointing at an existing file.
 */
export function prune(store: Store, cutoff: Date, options: { dryRun?: boolean } = {}): PruneResult {
  const params = { cutoff: cutoff.toISOString() };
  const db = store.db;
  const count = (from: string) => db.prepare(`SELECT COUNT(*) ${from}`).pluck().get(params) as number;
  const result: PruneResult = {
    cutoff: params.cutoff,
    dryRun: options.dryRun === true,
    runs: 0,
    notifications: 0,
    auditRows: 0,
    logFiles: 0,
    logFileErrors: [],
  };

  const collect = () => {
    const paths = db
      .prepare(`SELECT DISTINCT log_path ${OLD_RUNS} AND log_path IS NOT NULL`)
      .pluck()
      .all(params) as string[];
    // A path a kept run still names (a reused template) stays.
    const kept = db.prepare(
      `SELECT 1 FROM backup_logs WHERE log_path = ? AND NOT (status != 'running' AND COALESCE(finished_at, started_at) < ?)`,
    );
    return paths.filter((path) => !kept.get(path, params.cutoff));
  };

  if (result.dryRun) {
    result.runs = count(OLD_RUNS);
    result.notifications = count(OLD_NOTIFICATIONS);
    result.auditRows = count(OLD_AUDIT);
    result.logFiles = collect().filter((path) => existsSync(path)).length;
    return result;
  }

  const files = db
    .transaction(() => {
      const paths = collect();
      // Notifications first: their subquery needs the runs still present.
      result.notifications = db.prepare(`DELETE ${OLD_NOTIFICATIONS}`).run(params).changes;
      result.runs = db.prepare(`DELETE ${OLD_RUNS}`).run(params).changes;
      result.auditRows = db.prepare(`DELETE ${OLD_AUDIT}`).run(params).changes;
      return paths;
    })
    .immediate();

  for (const path of files) {
    try {
      unlinkSync(path);
      result.logFiles++;
    } catch (error) {
      // Already gone (removed by hand, logrotate): nothing left to do.
      if (errorCode(error) !== 'ENOENT') result.logFileErrors.push(`${path}: ${errorMessage(error)}`);
    }
  }
  return result;
}

/** `3 runs, 3 notifications, 10 audit rows, 3 log files` */
export function describePrune(result: PruneResult): string {
  const n = (value: number, word: string) => `${value} ${word}${value === 1 ? '' : 's'}`;
  return [
    n(result.runs, 'run'),
    n(result.notifications, 'notification'),
    n(result.auditRows, 'audit row'),
    n(result.logFiles, 'log file'),
  ].join(', ');
}

/**
 * BACKUP_ALERT_RETENTION, applied by `run` after each run. Never throws: a
 * failed clean-up must not change the run's outcome; it is logged instead.
 * With `who`, an audit row `prune` records it like the command does.
 */
export function applyRetention(
  store: Store,
  config: Pick<Config, 'retentionMs'>,
  now: Date,
  logger: Logger,
  who?: { username: string; hostname: string },
): PruneResult | null {
  if (config.retentionMs === undefined) return null;
  try {
    const result = prune(store, new Date(now.getTime() - config.retentionMs));
    if (result.runs + result.notifications + result.auditRows > 0) {
      logger.info(
        'Prune',
        `Retention ${formatDuration(config.retentionMs)}: removed ${describePrune(result)} older than ${result.cutoff}`,
      );
    }
    for (const problem of result.logFileErrors) logger.warn('Prune', `Could not delete log file ${problem}`);
    if (who) {
      recordAudit(
        store,
        { ...who, now: () => now, logger },
        { operation: 'prune', status: 'success', details: { automatic: true, ...summary(result) } },
      );
    }
    return result;
  } catch (error) {
    logger.warn('Prune', `Retention clean-up failed (the run is recorded): ${errorMessage(error)}`);
    return null;
  }
}

/** `prune --older-than DUR [--dry-run]` */
export async function pruneCommand(
  options: { olderThan: string; dryRun?: boolean },
  ctx: CommandContext,
): Promise<number> {
  const ms = parseDuration(options.olderThan);
  if (ms === undefined || ms <= 0) {
    throw new UsageError(`--older-than "${options.olderThan}" is not a duration (e.g. 90d, 26h, 15m)`);
  }
  const now = ctx.now();
  const store = ctx.openStore();
  try {
    let result: PruneResult;
    try {
      result = prune(store, new Date(now.getTime() - ms), { dryRun: options.dryRun === true });
    } catch (error) {
      recordAudit(store, ctx, {
        operation: 'prune',
        status: 'failure',
        details: { olderThan: options.olderThan, error: errorMessage(error) },
      });
      throw error;
    }
    const verb = result.dryRun ? 'Would remove' : 'Removed';
    ctx.io.stdout(
      `${verb} ${describePrune(result)} older than ${options.olderThan} (before ${result.cutoff})\n`,
    );
    for (const problem of result.logFileErrors)
      ctx.logger.warn('Prune', `Could not delete log file ${problem}`);
    if (!result.dryRun) {
      recordAudit(store, ctx, {
        operation: 'prune',
        status: result.logFileErrors.length > 0 ? 'partial' : 'success',
        details: { olderThan: options.olderThan, ...summary(result) },
      });
    }
    return result.logFileErrors.length > 0 ? ExitCode.failed : ExitCode.ok;
  } finally {
    store.close();
  }
}

function summary(result: PruneResult) {
  return {
    cutoff: result.cutoff,
    runs: result.runs,
    notifications: result.notifications,
    auditRows: result.auditRows,
    logFiles: result.logFiles,
    logFileErrors: result.logFileErrors.length,
  };
}
