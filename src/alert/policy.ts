import type { Config } from '../config/config.js';
import type { RunRow } from '../store/rows.js';
import type { Store } from '../store/store.js';

/**
 * Alert policy (issue 5 item 3, runbook §10.4 and §13): escalation, repeat
 * suppression and recovery, decided from what the database already holds.
 *
 * No table of its own: a failed run "was alerted" when notification_logs has
 * a row for its backup_id (whatever the delivery status — a failed delivery is
 * queued for `retry`, so it still counts as the alert having gone out). A
 * suppressed failure writes no notification row, which is exactly how the
 * suppressed count is found again later.
 *
 * Call these after store.finishRun() for the run and before notifying.
 */

export interface FailureAlertDecision {
  /** false: record only, do not notify (an identical failure inside the repeat interval). */
  send: boolean;
  /**
   * When send: identical failures not sent since the last alert, to show in this one.
   * When not send: how many are suppressed so far, this run included (for the log line).
   */
  suppressedCount: number;
  /** Runs of this type that failed in a row, this one included. */
  consecutiveFailures: number;
  /** consecutiveFailures ≥ BACKUP_ALERT_ESCALATE_AFTER: runbook §13 Level 2. */
  escalate: boolean;
}

export interface FailedRun {
  backupId: string;
  type: string;
  /** The run's one-line error_message, as stored. */
  error: string;
}

type PolicyConfig = Pick<Config, 'escalateAfter' | 'repeatIntervalMs' | 'notifyRecovery'>;

const FAILED: ReadonlySet<string> = new Set(['failure', 'abandoned']);
/** A streak longer than this is reported as this; keeps the scan bounded on a years-old database. */
const STREAK_SCAN_LIMIT = 1000;

/** Decides whether the failure of `run` is sent and what the alert says about the streak. */
export function decideFailureAlert(
  store: Store,
  run: FailedRun,
  config: PolicyConfig,
  now: Date,
): FailureAlertDecision {
  const streak = failureStreak(store, run.type, run.backupId);
  const consecutiveFailures = streak.length + 1;
  const escalate = consecutiveFailures >= config.escalateAfter;
  const base = { consecutiveFailures, escalate };

  // Default (runbook behaviour): every failure alerts, nothing to count.
  if (config.repeatIntervalMs === undefined) return { send: true, suppressedCount: 0, ...base };

  const alertedIndex = streak.findIndex((row) => alertedAt(store, row.backup_id) !== undefined);
  if (alertedIndex < 0) return { send: true, suppressedCount: 0, ...base };
  const lastAlerted = streak[alertedIndex]!;
  // Runs newer than the last alerted one in this streak were not sent: suppressed.
  const suppressedBefore = alertedIndex;

  const sentAt = Date.parse(alertedAt(store, lastAlerted.backup_id)!);
  const identical = (lastAlerted.error_message ?? '') === run.error;
  const insideInterval = now.getTime() - sentAt < config.repeatIntervalMs;
  if (identical && insideInterval) {
    return { send: false, suppressedCount: suppressedBefore + 1, ...base };
  }
  return { send: true, suppressedCount: suppressedBefore, ...base };
}

/**
 * BACKUP_ALERT_NOTIFY_RECOVERY: one recovery message when a type succeeds
 * after failing. Only the failure→success transition qualifies, so a second
 * success in a row never sends another.
 */
export function shouldSendRecovery(
  store: Store,
  run: { type: string; backupId: string },
  config: PolicyConfig,
): boolean {
  if (!config.notifyRecovery) return false;
  const previous = store.db
    .prepare(
      `SELECT status FROM backup_logs
       WHERE type = ? AND backup_id != ? AND status != 'running'
         AND (started_at, id) < (SELECT started_at, id FROM backup_logs WHERE backup_id = ?)
       ORDER BY started_at DESC, id DESC LIMIT 1`,
    )
    .pluck()
    .get(run.type, run.backupId, run.backupId) as string | undefined;
  return previous !== undefined && FAILED.has(previous);
}

/** Earlier finished runs of `type` that failed since its last success, newest first, excluding `backupId`. */
function failureStreak(store: Store, type: string, backupId: string): RunRow[] {
  const rows = store.db
    .prepare(
      `SELECT * FROM backup_logs WHERE type = ? AND backup_id != ? AND status != 'running'
       ORDER BY started_at DESC, id DESC LIMIT ?`,
    )
    .all(type, backupId, STREAK_SCAN_LIMIT) as RunRow[];
  const streak: RunRow[] = [];
  for (const row of rows) {
    if (!FAILED.has(row.status)) break;
    streak.push(row);
  }
  return streak;
}

/** When the first notification for a run was attempted, or undefined when it was never alerted. */
function alertedAt(store: Store, backupId: string): string | undefined {
  const value = store.db
    .prepare('SELECT MIN(created_at) FROM notification_logs WHERE backup_id = ?')
    .pluck()
    .get(backupId) as string | null;
  return value ?? undefined;
}
