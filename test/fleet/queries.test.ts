import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judgeFleet, unhealthyHosts } from '../../src/fleet/health.js';
import { fleetHistory } from '../../src/fleet/history.js';
import { CENTRE_MIGRATIONS } from '../../src/fleet/migrations.js';
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

/** One host: its promise, its runs (ages in ms before now), its clock offset. */
async function host(
  name: string,
  expectations: Record<string, number>,
  runs: Array<Omit<RunSpec, 'startedAt'> & { ago: number }>,
  clockOffsetMs = 0,
  centre = database,
): Promise<void> {
  const store = localStore(`${name}.db`, dir);
  try {
    const hostNow = () => new Date(Date.now() + clockOffsetMs);
    for (const run of runs) recordRun(store, { ...run, startedAt: new Date(hostNow().getTime() - run.ago) });
    const result = await syncOnce({
      db: store.db,
      fleet: fleetConfig(cluster.url({ database: centre }), { host: name, expectations }),
      version: '1.2.3',
      now: hostNow,
    });
    expect(result.error).toBeUndefined();
  } finally {
    store.close();
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'backup-alert-hosts-'));
  cluster = await startPostgres();
  database = await freshCentre(cluster);
  await host('h-ok', { daily: 26 * H }, [{ ago: 2 * H }]);
  await host('h-failed', { daily: 26 * H }, [
    { ago: 2 * DAY },
    { ago: DAY, status: 'failure' },
    { ago: H, status: 'failure', error: 'Backup script failed with exit code 2: disk | full' },
  ]);
  await host('h-stale', { weekly: 8 * DAY }, [{ ago: 10 * DAY, type: 'weekly' }]);
  await host('h-never', { monthly: 32 * DAY }, []);
  await host('h-running', { daily: 26 * H }, [{ ago: 30 * H }, { ago: 5 * 60_000, status: 'running' }]);
  await host('h-silent', { daily: 26 * H }, [{ ago: 2 * H }]);
  // 30 h behind: its success of an hour ago carries a timestamp 31 h old.
  await host('h-skewed', { daily: 26 * H }, [{ ago: H }], -30 * H);
  // No promise: judged on failures only; its manual type shows up all the same.
  await host('h-nopromise', {}, [{ ago: 40 * DAY, type: 'manual' }]);
  // The centre last heard from h-silent two days ago (by its own clock).
  await cluster.query(
    "UPDATE hosts SET last_seen_at = now() - interval '2 days' WHERE host = 'h-silent'",
    [],
    database,
  );
  client = new pg.Client({ connectionString: cluster.url({ database }) });
  await client.connect();
});
afterAll(async () => {
  await client?.end();
  await cluster?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('fleetSnapshot + judgeFleet', () => {
  it('judges every host × type by the centre clock', async () => {
    const status = judgeFleet(await fleetSnapshot(client));
    const health = Object.fromEntries(status.hosts.map((h) => [h.host, h.health]));
    expect(health).toEqual({
      'h-failed': 'failed',
      'h-never': 'never',
      'h-nopromise': 'ok',
      'h-ok': 'ok',
      'h-running': 'running',
      'h-silent': 'silent',
      'h-skewed': 'ok',
      'h-stale': 'stale',
    });
    expect(status.counts).toEqual({ ok: 3, running: 1, failed: 1, stale: 1, never: 1, silent: 1, clash: 0 });
    expect(status.healthy).toBe(false);
    const failed = status.hosts.find((h) => h.host === 'h-failed')!.pairs[0]!;
    expect(failed).toMatchObject({
      type: 'daily',
      consecutiveFailures: 2,
      latest: { status: 'failure', exitCode: 1 },
    });
    expect(unhealthyHosts(status).map((h) => h.host)).toEqual([
      'h-silent',
      'h-failed',
      'h-never',
      'h-stale',
      'h-running',
    ]);
  });

  it('follows the latest finished run, as `status` does: a run in progress does not hide the failure before it, and a lock-busy failure does not outrank the run that finished after it', async () => {
    const centre = await freshCentre(cluster);
    const daily = { daily: 26 * H };
    // Shipped mid-run (a retry's or sync's ship while the backup goes on).
    await host(
      'h-failed-then-running',
      daily,
      [{ ago: 2 * DAY }, { ago: 3 * H, status: 'failure' }, { ago: 30 * 60_000, status: 'running' }],
      0,
      centre,
    );
    // The real run (2 h, ended 6 min ago) and a cron start refused while it ran (exit 75).
    await host(
      'h-overlap',
      daily,
      [
        { ago: 2 * DAY },
        { ago: 2 * H, durationMs: 2 * H - 6 * 60_000 },
        { ago: H, status: 'failure', durationMs: 1000, error: 'Another run holds the lock' },
      ],
      0,
      centre,
    );
    const other = new pg.Client({ connectionString: cluster.url({ database: centre }) });
    await other.connect();
    try {
      const status = judgeFleet(await fleetSnapshot(other));
      const byHost = Object.fromEntries(status.hosts.map((h) => [h.host, h]));
      expect(byHost['h-failed-then-running']).toMatchObject({ health: 'failed' });
      expect(byHost['h-failed-then-running']!.pairs[0]).toMatchObject({
        latest: { status: 'failure' },
        consecutiveFailures: 1,
      });
      expect(byHost['h-overlap']).toMatchObject({ health: 'ok' });
      expect(byHost['h-overlap']!.pairs[0]).toMatchObject({ latest: { status: 'success' } });
    } finally {
      await other.end();
    }
  });

  it('says what to run on a centre of schema 2 instead of failing on a missing column', async () => {
    const centre = await freshCentre(cluster);
    await cluster.query(
      `CREATE TABLE schema_version (version integer PRIMARY KEY, compatible_with integer NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now(), applied_by text NOT NULL DEFAULT current_user, app_version text);
       ${CENTRE_MIGRATIONS[0]!.sql};
       ${CENTRE_MIGRATIONS[1]!.sql};
       INSERT INTO schema_version (version, compatible_with) VALUES (1, 1), (2, 1);`,
      [],
      centre,
    );
    const other = new pg.Client({ connectionString: cluster.url({ database: centre }) });
    await other.connect();
    try {
      await expect(fleetSnapshot(other)).rejects.toThrow(
        /schema is version 2; `status --fleet` needs 4: run `backup-alert fleet migrate`/,
      );
    } finally {
      await other.end();
    }
  });

  it("takes a host's clock skew out of its ages", async () => {
    const status = judgeFleet(await fleetSnapshot(client, { host: 'h-skewed' }));
    const [skewed] = status.hosts;
    expect(skewed!.clockSkewMs / H).toBeCloseTo(-30, 1);
    expect(skewed!.pairs[0]!.successAgeMs! / H).toBeCloseTo(1, 1);
  });

  it('--max-age replaces every promise, including for hosts that made none', async () => {
    const status = judgeFleet(await fleetSnapshot(client), 3 * H);
    const health = Object.fromEntries(status.hosts.map((h) => [h.host, h.health]));
    expect(health).toMatchObject({ 'h-ok': 'ok', 'h-nopromise': 'stale', 'h-skewed': 'ok' });
  });

  it('filters by host and type', async () => {
    const snapshot = await fleetSnapshot(client, { type: 'weekly' });
    expect(snapshot.pairs.map((p) => `${p.host}/${p.type}`)).toEqual(['h-stale/weekly']);
    expect((await fleetSnapshot(client, { host: 'h-ok' })).hosts.map((h) => h.host)).toEqual(['h-ok']);
  });

  it('an empty fleet is not healthy', () => {
    const status = judgeFleet({ now: new Date(), hosts: [], pairs: [], clashes: [] });
    expect(status).toMatchObject({ healthy: false, hosts: [] });
  });
});

describe('fleetHistory', () => {
  it('newest first across hosts, with host/type/status filters and a limit', async () => {
    const all = await fleetHistory(client, { limit: 100 });
    expect(all).toHaveLength(10);
    const times = all.map((run) => Date.parse(run.startedAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const failures = await fleetHistory(client, { status: 'failure', limit: 1 });
    expect(failures).toEqual([
      expect.objectContaining({
        host: 'h-failed',
        status: 'failure',
        errorMessage: 'Backup script failed with exit code 2: disk | full',
      }),
    ]);
    expect(await fleetHistory(client, { host: 'h-stale', type: 'daily', limit: 5 })).toEqual([]);
    expect(
      (await fleetHistory(client, { host: 'h-stale', type: 'weekly', limit: 5 })).map((r) => r.type),
    ).toEqual(['weekly']);
  });

  it('values are parameters, never SQL', async () => {
    const odd = "h-ok' OR '1'='1";
    expect(await fleetHistory(client, { host: odd, limit: 5 })).toEqual([]);
    expect((await fleetSnapshot(client, { host: odd })).hosts).toEqual([]);
  });
});

// Last: it deletes rows the tests above read.
describe('latest_runs', () => {
  it('latest_runs follows deletions too (retention at the centre)', async () => {
    await cluster.query(
      "DELETE FROM backup_logs WHERE host = 'h-failed' AND started_at > now() - interval '2 hours'",
      [],
      database,
    );
    const [pair] = (await fleetSnapshot(client, { host: 'h-failed' })).pairs;
    expect(pair).toMatchObject({ latest: { status: 'failure' }, consecutiveFailures: 1 });
    await cluster.query("DELETE FROM backup_logs WHERE host = 'h-stale'", [], database);
    const stale = await fleetSnapshot(client, { host: 'h-stale' });
    expect(stale.pairs).toMatchObject([{ type: 'weekly', latest: null, lastSuccessAt: null }]);
  });
});
