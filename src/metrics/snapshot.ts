/**
 * The facts the Prometheus exposition is made from, as plain data. Built from the local
 * SQLite (src/store/metrics-query.ts) or, fleet-wide, from the centre with a `host` on
 * every entry; the exposition reads nothing else.
 */

/** Final statuses a run can reach; `runs_total` has one series per type and each of them. */
export const RUN_OUTCOMES = ['success', 'failure', 'abandoned'] as const;
export type RunOutcomeStatus = (typeof RUN_OUTCOMES)[number];

/** Final statuses of a notification; `pending` is a gauge of its own, not a counter. */
export const DELIVERY_OUTCOMES = ['sent', 'failed'] as const;
export type DeliveryOutcome = (typeof DELIVERY_OUTCOMES)[number];

/** The latest run of a type to finish. */
export interface LastRun {
  status: RunOutcomeStatus;
  /** When it finished (epoch ms). */
  finishedAtMs: number;
  /** null for an abandoned run: its wrapper died, nobody timed it. */
  durationMs: number | null;
  /** null when the script never exited by itself (abandoned, or no exit code recorded). */
  exitCode: number | null;
  /** Size of its artifact, when the run checked one (added by "False success"). */
  artifactBytes?: number;
}

export interface TypeSnapshot {
  /** Only in fleet-wide snapshots. */
  host?: string;
  /** The job (issue 21); absent = the type (fleet-wide, where the centre counts by type). */
  job?: string;
  /** The job's schedule class; empty for a promised job that never ran (no label then). */
  type: string;
  /** null: no run of this type has finished yet. */
  lastRun: LastRun | null;
  /** When the latest success finished (epoch ms); null: never succeeded. */
  lastSuccessAtMs: number | null;
  /** Failed or abandoned runs since the latest success, in the order they finished. */
  consecutiveFailures: number;
  /** Runs that reached each final status, ever (pruning does not lower these). */
  runs: Record<RunOutcomeStatus, number>;
}

export interface DeliveryCount {
  channel: string;
  status: DeliveryOutcome;
  /** Notifications that reached this status, ever. */
  count: number;
}

export interface NotificationSnapshot {
  /** Only in fleet-wide snapshots. */
  host?: string;
  /** Notifications waiting for `retry` right now. */
  pending: number;
  delivered: DeliveryCount[];
}

export interface MetricsSnapshot {
  /** backup-alert's version, for `backup_alert_build_info`. */
  version: string;
  types: TypeSnapshot[];
  /** One entry locally; one per host fleet-wide. */
  notifications: NotificationSnapshot[];
}

/** A type (or job) with no finished run: every series still exists, reading "never". */
export function neverRan(type: string, host?: string, job?: string): TypeSnapshot {
  return {
    ...(host === undefined ? {} : { host }),
    ...(job === undefined ? {} : { job }),
    type,
    lastRun: null,
    lastSuccessAtMs: null,
    consecutiveFailures: 0,
    runs: { success: 0, failure: 0, abandoned: 0 },
  };
}
