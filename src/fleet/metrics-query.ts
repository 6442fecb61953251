import type { ClientBase } from 'pg';
import {
  DELIVERY_OUTCOMES,
  type DeliveryCount,
  type LastRun,
  type MetricsSnapshot,
  type NotificationSnapshot,
  neverRan,
  RUN_OUTCOMES,
  type RunOutcomeStatus,
  type TypeSnapshot,
} from '../metrics/snapshot.js';
import { isBackupType } from '../shared/run-result.js';
import { centreMs } from './read-sql.js';

/**
 * The statements of the fleet-wide snapshot, exported for the plan test. Per host × job, as
 * each host's own textfile: latest_runs, whose latest run is the latest finished one unless
 * it is running (then one seek of the (host, job, started_at) index finds the one before);
 * counters from the count tables (by job since centre schema 8).
 */
export const FLEET_METRICS_SQL = {
  types: `SELECT lr.host, lr.job, lr.type, lr.failures,
      ${centreMs('coalesce(lr.success_finished_at, lr.success_started_at)', 'lr.success_received_at')} AS success_ms,
      coalesce(f.status, lr.status) AS last_status,
      CASE WHEN f.status IS NULL THEN ${centreMs('coalesce(lr.finished_at, lr.started_at)')}
           ELSE ${centreMs('coalesce(f.finished_at, f.started_at)')} END AS last_finished_ms,
      (CASE WHEN f.status IS NULL THEN lr.duration_ms ELSE f.duration_ms END)::float8 AS last_duration_ms,
      CASE WHEN f.status IS NULL THEN lr.exit_code ELSE f.exit_code END AS last_exit_code,
      (CASE WHEN f.status IS NULL THEN lr.artifact_bytes ELSE f.artifact_bytes END)::float8 AS last_artifact_bytes
    FROM latest_runs lr
    LEFT JOIN hosts h ON h.host = lr.host
    LEFT JOIN LATERAL (
      SELECT b.status, b.started_at, b.finished_at, b.duration_ms, b.exit_code, b.artifact_bytes
        FROM backup_logs b
       WHERE lr.status = 'running' AND b.host = lr.host AND b.job = lr.job AND b.status <> 'running'
       ORDER BY b.started_at DESC LIMIT 1
    ) f ON true`,
  runs: `SELECT host, job, min(type) AS type, status, sum(n)::float8 AS n FROM backup_log_counts
    WHERE status IN ('success', 'failure', 'abandoned') AND n > 0 GROUP BY host, job, status`,
  notifications: 'SELECT host, channel, status, n::float8 AS n FROM notification_log_counts WHERE n > 0',
  hosts: 'SELECT host, expectations FROM hosts',
} as const;

interface TypeRow {
  host: string;
  job: string;
  type: string;
  failures: number;
  success_ms: number | null;
  last_status: string | null;
  last_finished_ms: number | null;
  last_duration_ms: number | null;
  last_exit_code: number | null;
  last_artifact_bytes: number | null;
}

const key = (host: string, other: string) => `${host}\u0000${other}`;

/**
 * Every host's series, with a `host` on each entry (renderExposition then labels them): the
 * jobs each host ran or promised, its notification counters and pending count. Timestamps
 * are the hosts' own, as in each host's own metrics file.
 */
export async function fleetMetricsSnapshot(client: ClientBase, version: string): Promise<MetricsSnapshot> {
  const types = (await client.query<TypeRow>(FLEET_METRICS_SQL.types)).rows;
  const runs = (
    await client.query<{ host: string; job: string; type: string; status: string; n: number }>(
      FLEET_METRICS_SQL.runs,
    )
  ).rows;
  const notes = (
    await client.query<{ host: string; channel: string; status: string; n: number }>(
      FLEET_METRICS_SQL.notifications,
    )
  ).rows;
  const hosts = (
    await client.query<{ host: string; expectations: Record<string, unknown> }>(FLEET_METRICS_SQL.hosts)
  ).rows;

  const byPair = new Map<string, TypeSnapshot>();
  // A job's type is its latest run's; a promised job that never ran is its name's when that
  // is a type, else none (as each host's own textfile says it).
  const pair = (host: string, job: string, type = isBackupType(job) ? job : ''): TypeSnapshot => {
    let entry = byPair.get(key(host, job));
    if (!entry) {
      entry = neverRan(type, host, job);
      byPair.set(key(host, job), entry);
    }
    return entry;
  };
  for (const row of types) {
    const entry = pair(row.host, row.job, row.type);
    entry.lastSuccessAtMs = row.success_ms;
    // Failures since the latest success, as latest_runs counts them when the latest run failed.
    entry.consecutiveFailures = row.failures;
    entry.lastRun = lastRun(row);
  }
  for (const row of runs) {
    if (isRunOutcome(row.status)) pair(row.host, row.job, row.type).runs[row.status] = row.n;
  }
  for (const host of hosts) {
    for (const job of Object.keys(host.expectations)) pair(host.host, job);
  }

  const byHost = new Map<string, NotificationSnapshot>();
  const notificationsOf = (host: string): NotificationSnapshot => {
    let entry = byHost.get(host);
    if (!entry) {
      entry = { host, pending: 0, delivered: [] };
      byHost.set(host, entry);
    }
    return entry;
  };
  for (const host of hosts) notificationsOf(host.host);
  const delivered = new Map<string, DeliveryCount>();
  for (const row of notes) {
    const entry = notificationsOf(row.host);
    if (row.status === 'pending') {
      entry.pending += row.n;
      continue;
    }
    // Both outcomes of a channel that delivered anything, so a rate over either never misses a series.
    for (const status of DELIVERY_OUTCOMES) {
      const k = key(row.host, `${row.channel}\u0000${status}`);
      if (delivered.has(k)) continue;
      const count: DeliveryCount = { channel: row.channel, status, count: 0 };
      delivered.set(k, count);
      entry.delivered.push(count);
    }
    const count = delivered.get(key(row.host, `${row.channel}\u0000${row.status}`));
    if (count) count.count = row.n;
  }
  for (const entry of byHost.values()) {
    entry.delivered.sort((a, b) => compare(a.channel, b.channel) || compare(a.status, b.status));
  }

  return {
    version,
    types: [...byPair.values()].sort(
      (a, b) => compare(a.host ?? '', b.host ?? '') || compare(a.job ?? a.type, b.job ?? b.type),
    ),
    notifications: [...byHost.values()].sort((a, b) => compare(a.host ?? '', b.host ?? '')),
  };
}

function lastRun(row: TypeRow): LastRun | null {
  const status = row.last_status;
  if (status === null || !isRunOutcome(status) || row.last_finished_ms === null) return null;
  return {
    status,
    finishedAtMs: row.last_finished_ms,
    durationMs: row.last_duration_ms,
    exitCode: row.last_exit_code,
    ...(row.last_artifact_bytes === null ? {} : { artifactBytes: row.last_artifact_bytes }),
  };
}

function isRunOutcome(value: string): value is RunOutcomeStatus {
  return (RUN_OUTCOMES as readonly string[]).includes(value);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
