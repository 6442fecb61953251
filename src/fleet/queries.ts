import type { ClientBase } from 'pg';
import { readOnly } from './read-only.js';
import { requireReadableSchema } from './schema.js';

export interface HostRow {
  host: string;
  lastSeenAt: Date;
  version: string | null;
  /** type → ms, as the host promised (BACKUP_ALERT_EXPECT). */
  expectations: Record<string, number>;
  /** Host clock minus centre clock at its last sync. */
  clockSkewMs: number;
}

export interface PairRow {
  host: string;
  /** The job (issue 21): a host's runs of one kind; its type's name until the host names jobs. */
  job: string;
  /** The job's backup type (its latest run's); the job's name when it never ran. */
  type: string;
  /** The host's promise for this job; null when it made none. */
  promiseMs: number | null;
  latest: {
    backupId: string;
    status: string;
    startedAt: Date;
    errorMessage: string | null;
    exitCode: number | null;
  } | null;
  /** A run of this pair is in progress (shipped mid-run by a `retry` or `sync`). */
  running: boolean;
  /** When the latest success finished, by the centre's clock (host skew removed). */
  lastSuccessAt: Date | null;
  /** Failures since the latest success, counted when the latest run failed (else 0). */
  consecutiveFailures: number;
}

/** An installation the centre refused because another owns its host name (host_clashes). */
export interface ClashRow {
  host: string;
  instanceId: string;
  firstRefusedAt: Date;
  lastRefusedAt: Date;
  refusals: number;
  /** Rows the refused installation still holds, as it last said. */
  pendingRows: number | null;
}

export interface FleetSnapshot {
  /** The centre's clock: every age is measured against it, never a host's. */
  now: Date;
  hosts: HostRow[];
  pairs: PairRow[];
  clashes: ClashRow[];
}

/** The schema `status --fleet` reads: latest_runs by job, and the refusals in host_clashes (4). */
export const FLEET_STATUS_SCHEMA_VERSION = 4;

/** A host clock off by no more than this is taken as right (and not shown): a sync's own latency. */
export const CLOCK_SKEW_TOLERATED_MS = 60_000;

/** What to subtract from a host's timestamps to read them by the centre's clock. */
export const clockCorrection = (clockSkewMs: number): number =>
  Math.abs(clockSkewMs) > CLOCK_SKEW_TOLERATED_MS ? clockSkewMs : 0;

/**
 * When a host's run finished by the centre's clock: its own timestamp less its clock's error
 * (beyond a minute), and never later than the centre received it. The one rule for every
 * reader of freshness (`status --fleet`, serve's API and dashboard, /metrics; read-sql.ts and
 * metrics-query.ts say the same in SQL).
 */
export function centreTime(hostMs: number, clockSkewMs: number, receivedMs: number | null): number {
  return Math.min(hostMs - clockCorrection(clockSkewMs), receivedMs ?? Number.POSITIVE_INFINITY);
}

/**
 * Every host × type (the types it promised, plus those it has run) with its latest finished
 * run, its run in progress, its latest success and (when it failed) its failures since, from
 * latest_runs: one row per pair, however many years of history lie behind it.
 */
export async function fleetSnapshot(
  client: ClientBase,
  filter: { host?: string; type?: string; job?: string } = {},
): Promise<FleetSnapshot> {
  await requireReadableSchema(client, FLEET_STATUS_SCHEMA_VERSION, '`status --fleet`');
  return readOnly(client, () => snapshot(client, filter));
}

/** Milliseconds since the epoch: pg's parsing of timestamptz text was most of the time of a 1,000-host status. */
const ms = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8`;

/**
 * The snapshot inside a read-only transaction the caller holds; `hosts` narrows it to those
 * hosts (the summary's candidates, overview.ts).
 */
export async function snapshot(
  client: ClientBase,
  filter: { host?: string; type?: string; job?: string; hosts?: readonly string[] },
): Promise<FleetSnapshot> {
  const among = filter.hosts ?? null;
  const hosts = await client.query<{
    now: number;
    host: string;
    last_seen_at: number;
    version: string | null;
    expectations: Record<string, number>;
    clock_skew_ms: number;
  }>(
    `SELECT ${ms('now()')} AS now, host, ${ms('last_seen_at')} AS last_seen_at, version, expectations,
            clock_skew_ms::float8 AS clock_skew_ms
       FROM hosts WHERE ($1::text IS NULL OR host = $1) AND ($2::text[] IS NULL OR host = ANY ($2))`,
    [filter.host ?? null, among],
  );
  // Two plain scans, joined here: a union and sort of 4,000 pairs on the server cost more.
  const latest = await client.query<{
    host: string;
    job: string;
    type: string;
    backup_id: string;
    status: string;
    started_at: number;
    error_message: string | null;
    exit_code: number | null;
    success_finished_at: number | null;
    success_received_at: number | null;
    failures: number;
    running: boolean;
  }>(
    `SELECT host, job, type, backup_id, status, ${ms('started_at')} AS started_at, error_message, exit_code,
            ${ms('coalesce(success_finished_at, success_started_at)')} AS success_finished_at,
            ${ms('success_received_at')} AS success_received_at, failures,
            running_backup_id IS NOT NULL AS running
       FROM latest_runs WHERE ($1::text IS NULL OR host = $1) AND ($2::text IS NULL OR type = $2)
        AND ($3::text IS NULL OR job = $3) AND ($4::text[] IS NULL OR host = ANY ($4))`,
    [filter.host ?? null, filter.type ?? null, filter.job ?? null, among],
  );
  const clashes = await client.query<{
    host: string;
    instance_id: string;
    first_refused_at: number;
    last_refused_at: number;
    refusals: number;
    pending_rows: number | null;
  }>(
    `SELECT host, instance_id, ${ms('first_refused_at')} AS first_refused_at,
            ${ms('last_refused_at')} AS last_refused_at, refusals::float8 AS refusals,
            pending_rows::float8 AS pending_rows
       FROM host_clashes WHERE ($1::text IS NULL OR host = $1) AND ($2::text[] IS NULL OR host = ANY ($2))
      ORDER BY host, first_refused_at`,
    [filter.host ?? null, among],
  );
  const now =
    hosts.rows[0]?.now ?? (await client.query<{ now: number }>(`SELECT ${ms('now()')} AS now`)).rows[0]!.now;
  const byHost = new Map(hosts.rows.map((row) => [row.host, row]));
  const latestOf = new Map(latest.rows.map((row) => [`${row.host}\u0000${row.job}`, row]));
  const jobsRun = new Map<string, string[]>();
  for (const row of latest.rows) jobsRun.set(row.host, [...(jobsRun.get(row.host) ?? []), row.job]);
  const pairs: PairRow[] = [];
  for (const host of byHost.values()) {
    // A promise names a job (its type's name until the host names jobs).
    const jobs = new Set([...Object.keys(host.expectations), ...(jobsRun.get(host.host) ?? [])]);
    for (const job of jobs) {
      const row = latestOf.get(`${host.host}\u0000${job}`);
      const type = row?.type ?? job;
      if (filter.type !== undefined && type !== filter.type) continue;
      if (filter.job !== undefined && job !== filter.job) continue;
      const success =
        row?.success_finished_at === null || row?.success_finished_at === undefined
          ? null
          : centreTime(row.success_finished_at, host.clock_skew_ms, row.success_received_at);
      pairs.push({
        host: host.host,
        job,
        type,
        promiseMs: typeof host.expectations[job] === 'number' ? host.expectations[job] : null,
        latest: row
          ? {
              backupId: row.backup_id,
              status: row.status,
              startedAt: new Date(row.started_at),
              errorMessage: row.error_message,
              exitCode: row.exit_code,
            }
          : null,
        running: row?.running ?? false,
        lastSuccessAt: success === null ? null : new Date(success),
        consecutiveFailures: row?.failures ?? 0,
      });
    }
  }
  const byName = (a: { host: string }, b: { host: string }) =>
    a.host < b.host ? -1 : a.host > b.host ? 1 : 0;
  pairs.sort((a, b) => byName(a, b) || (a.job < b.job ? -1 : a.job > b.job ? 1 : 0));
  return {
    now: new Date(now),
    hosts: hosts.rows
      .map((row) => ({
        host: row.host,
        lastSeenAt: new Date(row.last_seen_at),
        version: row.version,
        expectations: row.expectations,
        clockSkewMs: row.clock_skew_ms,
      }))
      .sort(byName),
    pairs,
    clashes: clashes.rows.map((row) => ({
      host: row.host,
      instanceId: row.instance_id,
      firstRefusedAt: new Date(row.first_refused_at),
      lastRefusedAt: new Date(row.last_refused_at),
      refusals: row.refusals,
      pendingRows: row.pending_rows,
    })),
  };
}
