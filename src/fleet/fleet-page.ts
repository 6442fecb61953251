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

/** A host in trouble as the summary scan gives it: its host_summary row version with it. */
interface ProblemRow {
  host: string;
  version: string;
  notSeen: boolean | null;
  lastSeenAt: number;
}

/** Code-point order, not the locale's: the order factsOf sorts pairs in (read-model.ts). */
const byHost = (a: { host: string }, b: { host: string }) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0);

/**
 * The pairs of the hosts in trouble, kept per host with the version of its host_summary row
 * they were read at. The triggers of schema 6 rewrite that row in every transaction that
 * writes the host's runs, promises, clock or clashes, which gives it a new xmin: an unchanged
 * version means unchanged pairs. Right after a run arrives one host's pairs are read instead
 * of the hundred's. It holds only the hosts of the latest page read (bounded by the fleet).
 */
export class ProblemFactsCache {
  private byHost = new Map<string, { version: string; facts: HostTypeFacts[] }>();

  /** Hosts held now. */
  get size(): number {
    return this.byHost.size;
  }

  async factsOf(
    problems: ReadonlyArray<{ host: string; version: string }>,
    read: (hosts: readonly string[]) => Promise<HostTypeFacts[]>,
  ): Promise<HostTypeFacts[]> {
    const stale = problems.filter((p) => this.byHost.get(p.host)?.version !== p.version).map((p) => p.host);
    const fresh = new Map<string, HostTypeFacts[]>(stale.map((host) => [host, []]));
    if (stale.length > 0) for (const fact of await read(stale)) fresh.get(fact.host ?? '')?.push(fact);
    const next = new Map<string, { version: string; facts: HostTypeFacts[] }>();
    for (const { host, version } of problems) {
      next.set(host, { version, facts: fresh.get(host) ?? this.byHost.get(host)?.facts ?? [] });
    }
    this.byHost = next;
    return [...next.entries()]
      .map(([host, entry]) => ({ host, facts: entry.facts }))
      .sort(byHost)
      .flatMap((entry) => entry.facts);
  }
}

/**
 * serve's page over a large fleet from host_summary: the hosts in trouble (whose every pair
 * `factsOf` reads, as the small page does for all, unless `cache` holds them at their current
 * version) and one page of the healthy ones. Nothing here reads a pair of a healthy host:
 * 10,000 hosts cost one scan of 10,000 short rows and 50 rows by the primary key.
 */
export async function readFleetPage(
  client: ClientBase,
  query: FleetPageQuery,
  minHosts: number,
  cache: ProblemFactsCache,
  factsOf: (hosts: readonly string[]) => Promise<HostTypeFacts[]>,
): Promise<FleetPage | undefined> {
  const sql = fleetPageSql({
    now: query.now,
    fallbackMs: query.fallbackMaxAgeMs,
    search: query.search,
    page: query.page,
  });
  const summary = (
    await client.query<{ hosts: number; healthy: number; problems: ProblemRow[] }>(
      sql.summary.text,
      sql.summary.values,
    )
  ).rows[0];
  if (!summary || summary.hosts < minHosts) return undefined;
  const healthy = await client.query<{ host: string; jobs: number; last_seen_at: number }>(
    sql.healthy.text,
    sql.healthy.values,
  );
  return {
    hostCount: summary.hosts,
    problemFacts: await cache.factsOf(summary.problems, factsOf),
    problemHosts: summary.problems.map((row) => ({
      host: row.host,
      lastSeenAt: new Date(row.lastSeenAt).toISOString(),
      notSeen: row.notSeen === true,
    })),
    healthy: {
      total: summary.healthy,
      items: healthy.rows.map((row) => ({
        host: row.host,
        jobs: row.jobs,
        lastSeenAt: new Date(row.last_seen_at).toISOString(),
      })),
    },
    pageSize: FLEET_PAGE_SIZE,
  };
}
