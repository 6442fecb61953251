import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judgeFleet } from '../../src/fleet/health.js';
import { type FleetOverview, fleetOverview, overviewOf } from '../../src/fleet/overview.js';
import { fleetSnapshot } from '../../src/fleet/queries.js';
import { syncOnce } from '../../src/fleet/sync.js';
import { fleetConfig, freshCentre, localStore, type RunSpec, recordRun } from '../helpers/fleet.js';
import { type PgCluster, startPostgres } from '../helpers/postgres.js';

const H = 3_600_000;
const DAY = 24 * H;

let cluster: PgCluster;
let database: string;
let client: pg.Client;
let dir: string;

/** One host shipped by its own sync: its promise, its runs (ages before now), its clock offset. */
async function host(
  name: string,
  expectations: Record<string, number>,
  runs: Array<Omit<RunSpec, 'startedAt'> & { ago: number }>,
  options: { clockOffsetMs?: number; file?: string } = {},
): Promise<Awaited<ReturnType<typeof syncOnce>>> {
  const store = localStore(options.file ?? `${name}.db`, dir);
  try {
    const hostNow = () => new Date(Date.now() + (options.clockOffsetMs ?? 0));
    for (const run of runs) recordRun(store, { ...run, startedAt: new Date(hostNow().getTime() - run.ago) });
    return await syncOnce({
      db: store.db,
      fleet: fleetConfig(cluster.url({ database }), { host: name, expectations }),
      version: '1.2.3',
      now: hostNow,
    });
  } finally {
    store.close();
  }
}

/** What must agree: everything but the ages, which move between two reads. */
function comparable(overview: FleetOverview) {
  return {
    healthy: overview.healthy,
    hostCount: overview.hostCount,
    pairCount: overview.pairCount,
    counts: overview.counts,
    problems: overview.problems.map((h) => ({
      host: h.host,
      health: h.health,
      reasons: h.reasons,
      clashes: h.clashes.length,
      clockSkewed: h.clockSkewed,
      pairs: h.pairs.map((p) => ({ job: p.job, health: p.health, failures: p.consecutiveFailures })),
    })),
  };
}

async function full(maxAgeMs?: number): Promise<FleetOverview> {
  return overviewOf(judgeFleet(await fleetSnapshot(client), maxAgeMs));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'backup-alert-overview-'));
  cluster = await startPostgres();
  database = await freshCentre(cluster);
  const shipped = async (result: Promise<Awaited<ReturnType<typeof syncOnce>>>) =>
    expect((await result).error).toBeUndefined();
  await shipped(host('h-ok', { daily: 26 * H }, [{ ago: 2 * H }]));
  await shipped(
    host('h-failed', { daily: 26 * H }, [
      { ago: 2 * DAY },
      { ago: DAY, status: 'failure' },
      { ago: H, status: 'failure', error: 'Backup script failed with exit code 2: disk full' },
    ]),
  );
  await shipped(host('h-stale', { weekly: 8 * DAY }, [{ ago: 10 * DAY, type: 'weekly' }]));
  await shipped(host('h-never', { daily: 26 * H, monthly: 32 * DAY }, [{ ago: H }]));
  await shipped(
    host('h-running', { daily: 26 * H }, [{ ago: 30 * H }, { ago: 5 * 60_000, status: 'running' }]),
  );
  await shipped(host('h-silent', { daily: 26 * H }, [{ ago: 2 * H }]));
  // 30 h behind: its success of an hour ago carries a timestamp 31 h old; 2 h fast, a 25 h old one looks 23 h.
  await shipped(host('h-slow-clock', { daily: 26 * H }, [{ ago: H }], { clockOffsetMs: -30 * H }));
  await shipped(host('h-fast-clock', { daily: 26 * H }, [{ ago: 27 * H }], { clockOffsetMs: 2 * H }));
  await shipped(host('h-nopromise', {}, [{ ago: 40 * DAY, type: 'manual' }]));
  // Two machines under one name: the second is refused and recorded.
  await shipped(host('h-clash', { daily: 26 * H }, [{ ago: H }]));
  const refused = await host('h-clash', { daily: 26 * H }, [{ ago: 2 * H }], { file: 'h-clash-other.db' });
  expect(refused.error).toBeDefined();
  await cluster.query(
    "UPDATE hosts SET last_seen_at = now() - interval '2 days' WHERE host = 'h-silent'",
    [],
    database,
  );
  client = new pg.Client({ connectionString: cluster.url({ database }) });
  await client.connect();
}, 120_000);

afterAll(async () => {
  await client?.end();
  await cluster?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('the fleet from host_summary (issue 25, item 6)', () => {
  it('gives the full rule’s answer: failed, stale, never, running, silent, clash, skewed clocks, no promise', async () => {
    const summary = await fleetOverview(client);
    expect(comparable(summary)).toEqual(comparable(await full()));
    // Not an empty agreement: every kind is there.
    expect(summary.counts).toEqual({ ok: 3, running: 1, failed: 1, stale: 2, never: 1, silent: 1, clash: 1 });
    expect(summary.problems.map((h) => h.host)).toEqual([
      'h-clash',
      'h-silent',
      'h-failed',
      'h-never',
      'h-fast-clock',
      'h-stale',
      'h-running',
    ]);
  });

  it('gives the full rule’s answer with --max-age replacing every promise', async () => {
    for (const maxAgeMs of [DAY, 30 * DAY, 60 * DAY]) {
      expect(comparable(await fleetOverview(client, maxAgeMs))).toEqual(comparable(await full(maxAgeMs)));
    }
    expect((await fleetOverview(client, 60 * DAY)).counts.stale).toBe(0);
  });

  it('keeps the summary in the writing transaction: the refused machine’s clash goes when it takes the name over', async () => {
    const before = await cluster.query<{ worst: string; clashes: number }>(
      "SELECT worst, clashes FROM host_summary WHERE host = 'h-clash'",
      [],
      database,
    );
    expect(before).toEqual([{ worst: 'clash', clashes: 1 }]);
    await cluster.query('DELETE FROM host_clashes WHERE host = $1', ['h-clash'], database);
    const after = await cluster.query<{ worst: string; clashes: number }>(
      "SELECT worst, clashes FROM host_summary WHERE host = 'h-clash'",
      [],
      database,
    );
    expect(after).toEqual([{ worst: 'ok', clashes: 0 }]);
    expect(comparable(await fleetOverview(client))).toEqual(comparable(await full()));
  });

  it('sees a host fall overdue with time alone, no write in between', async () => {
    // A promise of 3 s, kept a moment ago (and a weekly one, so the host is not silent).
    const result = await host('h-soon', { daily: 3_000, weekly: 8 * DAY }, [
      { ago: 0 },
      { ago: 0, type: 'weekly' },
    ]);
    expect(result.error).toBeUndefined();
    const row = () => cluster.query('SELECT * FROM host_summary WHERE host = $1', ['h-soon'], database);
    const written = await row();
    expect((await fleetOverview(client)).problems.map((h) => h.host)).not.toContain('h-soon');
    await new Promise((resolve) => setTimeout(resolve, 4_500));
    const late = await fleetOverview(client);
    expect(late.problems.find((h) => h.host === 'h-soon')?.health).toBe('stale');
    expect(comparable(late)).toEqual(comparable(await full()));
    expect(await row()).toEqual(written);
  });

  it('a reader mapped to some hosts counts only those', async () => {
    await cluster.query(
      `DO $$ BEGIN CREATE ROLE overview_team LOGIN PASSWORD 'team-pw-123'; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
       GRANT SELECT ON ALL TABLES IN SCHEMA public TO overview_team;
       INSERT INTO host_roles VALUES ('overview_team', 'h-failed'), ('overview_team', 'h-ok');`,
      [],
      database,
    );
    const team = new pg.Client({
      connectionString: cluster.url({ database, user: 'overview_team', password: 'team-pw-123' }),
    });
    await team.connect();
    try {
      const rows = await team.query<{ host: string }>('SELECT host FROM host_summary ORDER BY host');
      expect(rows.rows.map((r) => r.host)).toEqual(['h-failed', 'h-ok']);
      const overview = await fleetOverview(team);
      expect(overview.hostCount).toBe(2);
      expect(overview.problems.map((h) => h.host)).toEqual(['h-failed']);
    } finally {
      await team.end();
    }
  });
});
