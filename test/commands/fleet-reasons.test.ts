import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleetHistoryCommand } from '../../src/commands/fleet-history.js';
import { fleetStatusCommand } from '../../src/commands/fleet-status.js';
import { CENTRE_MIGRATIONS } from '../../src/fleet/migrations.js';
import { syncOnce } from '../../src/fleet/sync.js';
import { commandContext as baseContext } from '../helpers/context.js';
import { fleetConfig, freshCentre, localStore, recordRun } from '../helpers/fleet.js';
import { type PgCluster, startPostgres } from '../helpers/postgres.js';
import { tempDir } from '../helpers/tmp.js';

const H = 3_600_000;

let cluster: PgCluster;
let url = '';
// The hosts' local databases, made in beforeAll (where tempDir() cannot clean up).
const stores = mkdtempSync(join(tmpdir(), 'backup-alert-reasons-'));
beforeAll(async () => {
  cluster = await startPostgres();
});
afterAll(async () => {
  await cluster?.destroy();
  rmSync(stores, { recursive: true, force: true });
});

function commandContext() {
  const { ctx, out } = baseContext(
    { BACKUP_ALERT_DB: join(tempDir(), 'x.db') },
    { now: () => new Date(), stdoutIsTTY: false },
  );
  return { ctx, stdout: () => out.stdout, stderr: () => out.stderr };
}

/** One installation of `host` with runs at the given ages (by its own clock) and what it promised. */
async function host(
  name: string,
  expectations: Record<string, number>,
  runs: Array<{ type: string; ageMs: number; status?: 'success' | 'failure' }>,
  clockSkewMs = 0,
) {
  const store = localStore(`${name}-${Math.random()}.db`, stores);
  const hostNow = () => new Date(Date.now() + clockSkewMs);
  for (const run of runs) {
    recordRun(store, {
      type: run.type,
      startedAt: new Date(hostNow().getTime() - run.ageMs - 60_000),
      status: run.status ?? 'success',
    });
  }
  const result = await syncOnce({
    db: store.db,
    fleet: fleetConfig(url, { host: name, expectations }),
    version: 'test',
    now: hostNow,
  });
  store.close();
  return result;
}

describe('status --fleet: every reason, clashes, one clock (issue 25)', () => {
  beforeAll(async () => {
    url = cluster.url({ database: await freshCentre(cluster) });
    // a: its weekly never ran, and its daily is stale: both are said, worst first.
    await host('a', { daily: 26 * H, weekly: 8 * 24 * H }, [{ type: 'daily', ageMs: 30 * H }]);
    // b: its clock is an hour fast; its last success is 26.5 h old, which its own timestamp read
    // against any other clock makes 25.5 h (what serve said before issue 25).
    await host('b', { daily: 26 * H }, [{ type: 'daily', ageMs: 26.5 * H }], H);
    // c: healthy, but a second machine ships under its name and is refused.
    await host('c', { daily: 26 * H }, [{ type: 'daily', ageMs: H }]);
    const refused = await host('c', { daily: 26 * H }, [{ type: 'daily', ageMs: 2 * H, status: 'failure' }]);
    expect(refused.error?.code).toBe('EHOSTCLASH');
  });

  it('--nagios: the clash is CRITICAL and named first; every reason of every host; the skewed clock said', async () => {
    const { ctx, stdout } = commandContext();
    expect(await fleetStatusCommand({ nagios: true }, ctx, fleetConfig(url))).toBe(2);
    const line = stdout();
    expect(line).toMatch(
      /^CRITICAL - 3 of 3 hosts: c: name clash: another machine refused as this host \(once, 1 rows not shipped\)/,
    );
    expect(line).toMatch(/; a: weekly never ran, daily last success 1d 6h (\d+s )?ago, allowed 1d 2h; /);
    expect(line).toMatch(/; b: daily last success 1d 2h 30m (\d+s )?ago, allowed 1d 2h, clock \+1h/);
    expect(line).toMatch(/'clash'=1\n$/);
  });

  it('--host for the clashing host alone: CRITICAL, not OK', async () => {
    const { ctx, stdout } = commandContext();
    expect(await fleetStatusCommand({ nagios: true, host: 'c' }, ctx, fleetConfig(url))).toBe(2);
    expect(stdout()).toMatch(/^CRITICAL - 1 of 1 hosts: c: name clash/);
  });

  it('--json: the reasons as data; --job narrows to one job', async () => {
    const { ctx, stdout } = commandContext();
    expect(await fleetStatusCommand({ json: true, host: 'a' }, ctx, fleetConfig(url))).toBe(1);
    const [a] = JSON.parse(stdout()).hosts;
    expect(a.reasons).toEqual([
      { health: 'never', job: 'weekly' },
      { health: 'stale', job: 'daily' },
    ]);
    const one = commandContext();
    await fleetStatusCommand({ json: true, host: 'a', job: 'weekly' }, one.ctx, fleetConfig(url));
    expect(JSON.parse(one.stdout()).hosts[0].pairs.map((p: { job: string }) => p.job)).toEqual(['weekly']);
  });
});

describe('an old centre gives the schema message on every command (issue 25)', () => {
  it('history --fleet on schema 3: the schema message and exit 1, not "No runs match."', async () => {
    const centre = await freshCentre(cluster);
    await cluster.query(
      `CREATE TABLE schema_version (version integer PRIMARY KEY, compatible_with integer NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now(), applied_by text NOT NULL DEFAULT current_user, app_version text);
       ${CENTRE_MIGRATIONS.slice(0, 3)
         .map((m) => m.sql)
         .join(';\n')};
       INSERT INTO schema_version (version, compatible_with) VALUES (1, 1), (2, 1), (3, 1);`,
      [],
      centre,
    );
    const { ctx, stdout, stderr } = commandContext();
    const old = fleetConfig(cluster.url({ database: centre }));
    expect(await fleetHistoryCommand({ limit: '20' }, ctx, old)).toBe(1);
    expect(stdout()).toBe('');
    expect(stderr()).toMatch(
      /schema is version 3; `history --fleet` needs 4: run `backup-alert fleet migrate`/,
    );
  });
});
