import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProblemFactsCache } from '../../src/fleet/fleet-page.js';
import { openCentrePool } from '../../src/fleet/pool.js';
import { CentreReadModel } from '../../src/fleet/read-model.js';
import { syncOnce } from '../../src/fleet/sync.js';
import type { FleetPage, HostTypeFacts } from '../../src/serve/read-model.js';
import { startServer } from '../../src/serve/server.js';
import { createLogger } from '../../src/shared/logger.js';
import { fleetConfig, freshCentre, localStore, type RunSpec, recordRun } from '../helpers/fleet.js';
import { startSlowProxy } from '../helpers/net.js';
import { type PgCluster, startPostgres } from '../helpers/postgres.js';
import { tempDir } from '../helpers/tmp.js';

const H = 3_600_000;

let cluster: PgCluster;
let database: string;
let model: CentreReadModel;

/** A host's runs (ages before now) shipped by its own sync, as in real life. */
async function ship(
  dir: string,
  name: string,
  runs: Array<Omit<RunSpec, 'startedAt'> & { ago: number }>,
): Promise<void> {
  const store = localStore(`${name}.db`, dir);
  try {
    for (const run of runs) recordRun(store, { ...run, startedAt: new Date(Date.now() - run.ago) });
    const result = await syncOnce({
      db: store.db,
      fleet: fleetConfig(cluster.url({ database }), { host: name, expectations: { daily: 26 * H } }),
      version: '1.2.3',
      now: () => new Date(),
    });
    expect(result.error).toBeUndefined();
  } finally {
    store.close();
  }
}

const page = async (): Promise<FleetPage> => (await model.fleetPage({ now: new Date(), page: 1 }, 1))!;
const errorOf = (p: FleetPage, host: string) =>
  p.problemFacts.find((f) => f.host === host && f.job === 'daily')?.latestRun?.errorMessage;

beforeAll(async () => {
  cluster = await startPostgres();
  database = await freshCentre(cluster);
  const pool = await openCentrePool(cluster.url({ database }), {
    timeoutMs: 10_000,
    max: 2,
    applicationName: 'backup-alert test',
    secrets: [],
  });
  model = new CentreReadModel(pool);
}, 120_000);

afterAll(async () => {
  await model?.close();
  await cluster?.destroy();
});

describe("the large page's hosts in trouble, kept per host_summary row version", () => {
  it('shows what a host shipped since, even when its summary row reads the same, and keeps only the hosts in trouble', async () => {
    const dir = tempDir();
    await ship(dir, 'ok1', [{ ago: H }]);
    await ship(dir, 'bad1', [{ ago: 2 * H, status: 'failure', error: 'disk full' }]);
    await ship(dir, 'bad2', [{ ago: 2 * H, status: 'failure', error: 'no route to host' }]);
    const before = await page();
    expect(before.problemHosts.map((h) => h.host)).toEqual(['bad1', 'bad2']);
    expect(errorOf(before, 'bad1')).toContain('disk full');

    // Another failure of the same job: still one failed job, the same counts in host_summary.
    await ship(dir, 'bad1', [{ ago: H, status: 'failure', error: 'permission denied' }]);
    const after = await page();
    expect(after.problemHosts.map((h) => h.host)).toEqual(['bad1', 'bad2']);
    expect(errorOf(after, 'bad1')).toContain('permission denied');
    expect(after.problemFacts.find((f) => f.host === 'bad1')?.consecutiveFailures).toBe(2);
    expect(errorOf(after, 'bad2')).toContain('no route to host');

    // bad2 recovers: it leaves the page, and the pairs kept are those of bad1 alone.
    await ship(dir, 'bad2', [{ ago: 60_000 }]);
    const recovered = await page();
    expect(recovered.problemHosts.map((h) => h.host)).toEqual(['bad1']);
    expect(new Set(recovered.problemFacts.map((f) => f.host))).toEqual(new Set(['bad1']));
  });
});

describe('the API over the centre, a page of runs serialised once per snapshot', () => {
  it('answers the same page with the same bytes while nothing changed, and the new run after a sync', async () => {
    const dir = tempDir();
    await ship(dir, 'api1', [{ ago: 2 * H }]);
    const TOKEN = 'serve-memo-token-0123456789abcdef';
    const server = await startServer({
      listen: '127.0.0.1:0',
      readModel: model,
      tokens: { read: TOKEN },
      lang: 'en',
      now: () => new Date(),
      logger: createLogger({ write: () => {}, level: 'silent' }),
      escalateAfter: 3,
    });
    try {
      const get = async () => {
        const response = await fetch(`${server.url}api/v1/backups?limit=2`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toMatch(/^application\/json/);
        return response.text();
      };
      const first = await get();
      expect(await get()).toBe(first);
      const before = JSON.parse(first) as { data: { total: number } };
      await ship(dir, 'api1', [{ ago: 1000, status: 'failure', error: 'new' }]);
      const after = JSON.parse(await get()) as { data: { total: number; items: unknown[] } };
      expect(after.data.total).toBe(before.data.total + 1);
      expect(after.data.items[0]).toMatchObject({ host: 'api1', status: 'failure', errorMessage: 'new' });
    } finally {
      await server.close();
    }
  });
});

describe("serve's snapshot check under load", () => {
  it('a request sent after a commit sees it, while other requests keep checks on their way', async () => {
    const dir = tempDir();
    await ship(dir, 'load1', [{ ago: 2 * H }]);
    // The reader's answers come 30 ms late: a check is out long after the centre answered it.
    const direct = new URL(cluster.url({ database }));
    direct.port = String((await startSlowProxy(Number(direct.port), 30)).port);
    const pool = await openCentrePool(direct.toString(), {
      timeoutMs: 10_000,
      max: 4,
      applicationName: 'backup-alert test',
      secrets: [],
    });
    const reader = new CentreReadModel(pool);
    const writer = new pg.Client({ connectionString: cluster.url({ database }) });
    await writer.connect();
    try {
      const [{ instance_id: instance }] = (
        await writer.query<{ instance_id: string }>("SELECT instance_id FROM hosts WHERE host = 'load1'")
      ).rows as [{ instance_id: string }];
      const totalNow = async () => (await reader.backups({ host: 'load1', limit: 1, offset: 0 })).total;
      // 20 readers asking without a pause: a check is nearly always on its way.
      let stop = false;
      const busy = Array.from({ length: 20 }, async () => {
        while (!stop) await totalNow();
      });
      try {
        let expected = await totalNow();
        for (let i = 0; i < 10; i++) {
          const run = {
            backup_id: `BKP-LOAD-${i}`,
            local_id: 1000 + i,
            revision: 2,
            job: 'daily',
            type: 'daily',
            status: 'success',
            started_at: new Date(Date.now() - 60_000).toISOString(),
            finished_at: new Date().toISOString(),
            duration_ms: 60_000,
            exit_code: 0,
            script: '/opt/backup.sh',
          };
          const shipped = await writer.query<{ outcome: string }>(
            "SELECT ship_batch('load1', $1, 'test', '{}', now(), false, 0, $2, NULL, NULL) AS outcome",
            [instance, JSON.stringify([run])],
          );
          expect(shipped.rows[0]?.outcome).toBe('ok');
          expected++;
          expect(await totalNow()).toBe(expected);
        }
      } finally {
        stop = true;
        await Promise.all(busy);
      }
    } finally {
      await writer.end();
      await reader.close();
    }
  });
});

describe('ProblemFactsCache', () => {
  const fact = (host: string, job: string): HostTypeFacts => ({
    host,
    job,
    type: job,
    latestRun: null,
    latestSuccess: null,
    runningRun: null,
    consecutiveFailures: 0,
  });

  it('reads only the hosts whose version changed, holds only the hosts asked for last, in code-point order', async () => {
    const cache = new ProblemFactsCache();
    const asked: string[][] = [];
    const read = async (hosts: readonly string[]) => {
      asked.push([...hosts]);
      return hosts.flatMap((host) => [fact(host, 'daily'), fact(host, 'weekly')]);
    };
    const all = Array.from({ length: 300 }, (_, i) => ({ host: `h${i}`, version: '1' }));
    expect(await cache.factsOf(all, read)).toHaveLength(600);
    expect(cache.size).toBe(300);

    const some = [
      { host: 'h2', version: '1' },
      { host: 'h10', version: '7' },
      { host: 'Z', version: '1' },
    ];
    const facts = await cache.factsOf(some, read);
    expect(asked.at(-1)).toEqual(['h10', 'Z']);
    expect(facts.map((f) => `${f.host}/${f.job}`)).toEqual([
      'Z/daily',
      'Z/weekly',
      'h10/daily',
      'h10/weekly',
      'h2/daily',
      'h2/weekly',
    ]);
    expect(cache.size).toBe(3);

    await cache.factsOf([], read);
    expect(cache.size).toBe(0);
    expect(asked).toHaveLength(2);
  });
});
