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
  type: string;
  /** The host's promise for this type; null when it made none. */
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

export interface FleetSnapshot {
  /** The centre's clock: every age is measured against it, never a host's. */
  now: Date;
  hosts: HostRow[];
  pairs: PairRow[];
}

/** The schema `status --fleet` reads: the run in progress beside the latest finished one (3). */
export const FLEET_STATUS_SCHEMA_VERSION = 3;

/**
 * Every host × type (the types it promised, plus those it has run) with its latest finished
 * run, its run in progress, its latest success and (when it failed) its failures since, from
 * latest_runs: one row per pair, however many years of history lie behind it.
 */
export async function fleetSnapshot(
  client: ClientBase,
  filter: { host?: string; type?: string } = {},
): Promise<FleetSnapshot> {
  await requireReadableSchema(client, FLEET_STATUS_SCHEMA_VERSION, '`status --fleet`');
  return readOnly(client, () => snapshot(client, filter));
}

/** Milliseconds since the epoch: pg's parsing of timestamptz text was most of the time of a 1,000-host status. */
const ms = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8`;

async function snapshot(
  client: ClientBase,
  filter: { host?: string; type?: string },
): Promise<FleetSnapshot> {
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
       FROM hosts WHERE ($1::text IS NULL OR host = $1)`,
    [filter.host ?? null],
  );
  // Two plain scans, joined here: a union and sort of 4,000 pairs on the server cost more.
  const latest = await client.query<{
    host: string;
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
    `SELECT host, type, backup_id, status, ${ms('started_at')} AS started_at, error_message, exit_code,
            ${ms('coalesce(success_finished_at, success_started_at)')} AS success_finished_at,
            ${ms('success_received_at')} AS success_received_at, failures,
            running_backup_id IS NOT NULL AS running
       FROM latest_runs WHERE ($1::text IS NULL OR host = $1) AND ($2::text IS NULL OR type = $2)`,
    [filter.host ?? null, filter.type ?? null],
  );
  const now =
    hosts.rows[0]?.now ?? (await client.query<{ now: number }>(`SELECT ${ms('now()')} AS now`)).rows[0]!.now;
  const byHost = new Map(hosts.rows.map((row) => [row.host, row]));
  const latestOf = new Map(latest.rows.map((row) => [`${row.host}\u0000${row.type}`, row]));
  const typesRun = new Map<string, string[]>();
  for (const row of latest.rows) typesRun.set(row.host, [...(typesRun.get(row.host) ?? []), row.type]);
  const pairs: PairRow[] = [];
  for (const host of byHost.values()) {
    const types = new Set([...Object.keys(host.expectations), ...(typesRun.get(host.host) ?? [])]);
    for (const type of types) {
      if (filter.type !== undefined && type !== filter.type) continue;
      const row = latestOf.get(`${host.host}\u0000${type}`);
      // The success by the centre's clock: the host's timestamp less its clock's error, and
      // never later than the centre received it.
      const success =
        row?.success_finished_at === null || row?.success_finished_at === undefined
          ? null
          : Math.min(
              row.success_finished_at - host.clock_skew_ms,
              row.success_received_at ?? Number.POSITIVE_INFINITY,
            );
      pairs.push({
        host: host.host,
        type,
        promiseMs: typeof host.expectations[type] === 'number' ? host.expectations[type] : null,
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
  pairs.sort((a, b) => byName(a, b) || (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
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
  };
}
