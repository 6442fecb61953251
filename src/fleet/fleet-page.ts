import type { ClientBase } from 'pg';
import type { FleetPage, FleetPageQuery, HostTypeFacts } from '../serve/read-model.js';
import { FLEET_PAGE_SIZE, fleetPageSql } from './summary-sql.js';

/** Whether this role can read host_summary (schema 6, and grants.sql run again since). */
export async function summaryReadable(client: ClientBase): Promise<boolean> {
  const found = await client.query<{ readable: boolean }>(
    `SELECT CASE WHEN to_regclass('host_summary') IS NULL THEN false
                 ELSE has_table_privilege(to_regclass('host_summary'), 'SELECT') END AS readable`,
  );
  return found.rows[0]?.readable === true;
}

/**
 * serve's page over a large fleet from host_summary: the hosts in trouble (whose every pair
 * `factsOf` reads, as the small page does for all) and one page of the healthy ones. Nothing
 * here reads a pair of a healthy host: 10,000 hosts cost three scans of 10,000 short rows.
 */
export async function readFleetPage(
  client: ClientBase,
  query: FleetPageQuery,
  minHosts: number,
  factsOf: (hosts: readonly string[]) => Promise<HostTypeFacts[]>,
): Promise<FleetPage | undefined> {
  const sql = fleetPageSql({
    now: query.now,
    fallbackMs: query.fallbackMaxAgeMs,
    search: query.search,
    page: query.page,
  });
  const counts = (await client.query<{ hosts: number; healthy: number }>(sql.counts.text, sql.counts.values))
    .rows[0];
  if (!counts || counts.hosts < minHosts) return undefined;
  const problems = await client.query<{ host: string; not_seen: boolean | null; last_seen_at: number }>(
    sql.problems.text,
    sql.problems.values,
  );
  const healthy = await client.query<{ host: string; jobs: number; last_seen_at: number }>(
    sql.healthy.text,
    sql.healthy.values,
  );
  const hosts = problems.rows.map((row) => row.host);
  return {
    hostCount: counts.hosts,
    problemFacts: hosts.length === 0 ? [] : await factsOf(hosts),
    problemHosts: problems.rows.map((row) => ({
      host: row.host,
      lastSeenAt: new Date(row.last_seen_at).toISOString(),
      notSeen: row.not_seen === true,
    })),
    healthy: {
      total: counts.healthy,
      items: healthy.rows.map((row) => ({
        host: row.host,
        jobs: row.jobs,
        lastSeenAt: new Date(row.last_seen_at).toISOString(),
      })),
    },
    pageSize: FLEET_PAGE_SIZE,
  };
}
