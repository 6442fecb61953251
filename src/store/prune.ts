import { existsSync, unlinkSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { errorCode, errorMessage } from '../shared/errors.js';

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
export function prune(db: Database.Database, cutoff: Date, options: { dryRun?: boolean } = {}): PruneResult {
  const params = { cutoff: cutoff.toISOString() };
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

/** The figures an audit row keeps about a prune. */
export function pruneSummary(result: PruneResult) {
  return {
    cutoff: result.cutoff,
    runs: result.runs,
    notifications: result.notifications,
    auditRows: result.auditRows,
    logFiles: result.logFiles,
    logFileErrors: result.logFileErrors.length,
  };
}
