import type Database from 'better-sqlite3';
import {
  DELIVERY_OUTCOMES,
  type DeliveryCount,
  type DeliveryOutcome,
  type LastRun,
  type MetricsSnapshot,
  neverRan,
  RUN_OUTCOMES,
  type RunOutcomeStatus,
  type TypeSnapshot,
} from '../metrics/snapshot.js';
import { isBackupType } from '../shared/run-result.js';

export interface MetricsQueryOptions {
  version: string;
  /**
   * Jobs (or types: a job without a name is its type) that always get their series, run or
   * not (what this host promises in BACKUP_ALERT_EXPECT), so an alert rule can see one that
   * never ran. Jobs that have finished a run are always included.
   */
  types?: readonly string[];
  /** Channels that always get their counters (the configured ones), delivered or not. */
  channels?: readonly string[];
}

interface TypeRow {
  job: string;
  type: string;
  last_backup_id: string | null;
  last_status: string | null;
  last_finished_at: string | null;
  last_duration_ms: number | null;
  last_exit_code: number | null;
  last_success_at: string | null;
  consecutive_failures: number;
  runs_success: number;
  runs_failure: number;
  runs_abandoned: number;
}

/**
 * Every statement the snapshot runs, exported so a test can check their plans: none may scan
 * backup_logs or notification_logs (the metrics file is rewritten after every run, at any
 * history size). The per-job facts and counters come from the small tables the triggers of
 * the metrics migration keep; only the pending count touches notification_logs, by its index.
 */
export const METRICS_SQL = {
  types: 'SELECT * FROM metrics_jobs ORDER BY job',
  delivered: 'SELECT channel, status, notifications FROM metrics_notifications ORDER BY channel, status',
  pending: "SELECT count(*) FROM notification_logs WHERE status = 'pending'",
  artifactBytes: 'SELECT artifact_bytes FROM backup_logs WHERE backup_id = ?',
} as const;

/** Builds the local snapshot: a handful of indexed reads, whatever the size of the history. */
export function metricsSnapshot(db: Database.Database, options: MetricsQueryOptions): MetricsSnapshot {
  const rows = db.prepare(METRICS_SQL.types).all() as TypeRow[];
  // artifact_bytes arrives with another migration; until then the series is simply absent.
  const artifactBytes = hasColumn(db, 'backup_logs', 'artifact_bytes')
    ? db.prepare(METRICS_SQL.artifactBytes).pluck()
    : undefined;
  const byJob = new Map<string, TypeSnapshot>();
  for (const row of rows) {
    const bytes = row.last_backup_id ? artifactBytes?.get(row.last_backup_id) : undefined;
    byJob.set(row.job, typeSnapshot(row, typeof bytes === 'number' ? bytes : undefined));
  }
  for (const job of options.types ?? []) if (!byJob.has(job)) byJob.set(job, promisedNeverRan(job));

  const delivered = db.prepare(METRICS_SQL.delivered).all() as Array<{
    channel: string;
    status: string;
    notifications: number;
  }>;
  const counts = new Map<string, DeliveryCount>();
  const key = (channel: string, status: string) => `${channel}\u0000${status}`;
  for (const channel of new Set([...(options.channels ?? []), ...delivered.map((d) => d.channel)])) {
    for (const status of DELIVERY_OUTCOMES) counts.set(key(channel, status), { channel, status, count: 0 });
  }
  for (const row of delivered) {
    const entry = counts.get(key(row.channel, row.status));
    if (entry && isDeliveryOutcome(row.status)) entry.count = row.notifications;
  }
  const pending = db.prepare(METRICS_SQL.pending).pluck().get() as number;

  return {
    version: options.version,
    types: [...byJob.values()].sort((a, b) => compare(a.job ?? a.type, b.job ?? b.type)),
    notifications: [
      {
        pending,
        delivered: [...counts.values()].sort(
          (a, b) => compare(a.channel, b.channel) || compare(a.status, b.status),
        ),
      },
    ],
  };
}

/** A promised job that never ran: its type is known only when the job is named like one. */
export function promisedNeverRan(job: string): TypeSnapshot {
  return neverRan(isBackupType(job) ? job : '', undefined, job);
}

function typeSnapshot(row: TypeRow, artifactBytes: number | undefined): TypeSnapshot {
  const finishedAtMs = row.last_finished_at === null ? Number.NaN : Date.parse(row.last_finished_at);
  const status = row.last_status;
  const lastRun: LastRun | null =
    status !== null && isRunOutcome(status) && !Number.isNaN(finishedAtMs)
      ? {
          status,
          finishedAtMs,
          durationMs: row.last_duration_ms,
          exitCode: row.last_exit_code,
          ...(artifactBytes === undefined ? {} : { artifactBytes }),
        }
      : null;
  const lastSuccessAtMs = row.last_success_at === null ? Number.NaN : Date.parse(row.last_success_at);
  return {
    job: row.job,
    type: row.type,
    lastRun,
    lastSuccessAtMs: Number.isNaN(lastSuccessAtMs) ? null : lastSuccessAtMs,
    consecutiveFailures: row.consecutive_failures,
    runs: { success: row.runs_success, failure: row.runs_failure, abandoned: row.runs_abandoned },
  };
}

function hasColumn(db: Database.Database, table: string, column: string): boolean {
  const columns = db.pragma(`table_info(${table})`) as Array<{ name: string }>;
  return columns.some((c) => c.name === column);
}

function isRunOutcome(value: string): value is RunOutcomeStatus {
  return (RUN_OUTCOMES as readonly string[]).includes(value);
}

function isDeliveryOutcome(value: string): value is DeliveryOutcome {
  return (DELIVERY_OUTCOMES as readonly string[]).includes(value);
}

/** Code-point order, not locale order: the output must not depend on the machine's locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
