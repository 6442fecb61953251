import type { ClientBase } from 'pg';
import { type FleetHealth, type FleetStatus, type HostStatus, judgeFleet, unhealthyHosts } from './health.js';
import { FLEET_STATUS_SCHEMA_VERSION, fleetSnapshot, snapshot } from './queries.js';
import { readOnly } from './read-only.js';
import { requireReadableSchema, schemaState } from './schema.js';
import { candidatesSql, HOST_SUMMARY_SCHEMA_VERSION } from './summary-sql.js';

/** The fleet in one look: every count, and the hosts that need someone judged in full. */
export interface FleetOverview {
  checkedAt: Date;
  healthy: boolean;
  hostCount: number;
  /** Host × job pairs over the whole fleet. */
  pairCount: number;
  /** Hosts per health. */
  counts: Record<FleetHealth, number>;
  /** Every host that is not ok, worst first, with its pairs and reasons (judgeFleet's). */
  problems: HostStatus[];
}

/** The same overview from a fully judged fleet: what the summary's answer must equal. */
export function overviewOf(status: FleetStatus): FleetOverview {
  return {
    checkedAt: status.checkedAt,
    healthy: status.healthy,
    hostCount: status.hosts.length,
    pairCount: status.hosts.reduce((sum, host) => sum + host.pairs.length, 0),
    counts: status.counts,
    problems: unhealthyHosts(status),
  };
}

/**
 * `status --fleet --nagios` over the whole fleet: host_summary's 10,000 rows counted in SQL,
 * and the pairs read and judged (judgeFleet, the one rule) only for the hosts that may not be
 * ok now. A centre before schema 6, or a reader not granted host_summary yet, gets the full
 * read instead: the same answer, slower.
 */
export async function fleetOverview(client: ClientBase, maxAgeOverrideMs?: number): Promise<FleetOverview> {
  await requireReadableSchema(client, FLEET_STATUS_SCHEMA_VERSION, '`status --fleet`');
  const summarised =
    (await schemaState(client)).version >= HOST_SUMMARY_SCHEMA_VERSION &&
    (
      await client.query<{ granted: boolean }>(
        "SELECT has_table_privilege('host_summary', 'SELECT') AS granted",
      )
    ).rows[0]?.granted === true;
  if (!summarised) return overviewOf(judgeFleet(await fleetSnapshot(client), maxAgeOverrideMs));
  return readOnly(client, async () => {
    const sql = candidatesSql({ overrideMs: maxAgeOverrideMs });
    const found = (
      await client.query<{ now: number; hosts: number; pairs: number; candidates: string[] }>(
        sql.text,
        sql.values,
      )
    ).rows[0]!;
    const judged =
      found.candidates.length === 0
        ? judgeFleet({ now: new Date(found.now), hosts: [], pairs: [], clashes: [] }, maxAgeOverrideMs)
        : judgeFleet(await snapshot(client, { hosts: found.candidates }), maxAgeOverrideMs);
    const counts = { ...judged.counts, ok: judged.counts.ok + found.hosts - found.candidates.length };
    const problems = unhealthyHosts(judged);
    return {
      checkedAt: judged.checkedAt,
      healthy: found.hosts > 0 && problems.every((host) => host.health === 'running'),
      hostCount: found.hosts,
      pairCount: found.pairs,
      counts,
      problems,
    };
  });
}
