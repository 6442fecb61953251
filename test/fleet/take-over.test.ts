import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CENTRE_MIGRATIONS } from '../../src/fleet/migrations.js';
import { syncOnce } from '../../src/fleet/sync.js';
import { centreCount, fleetConfig, freshCentre, localStore, recordDays } from '../helpers/fleet.js';
import { type PgCluster, startPostgres } from '../helpers/postgres.js';

const NOW = new Date('2026-03-10T03:30:00.000Z');
const VERSION = '9.9.9-test';

let cluster: PgCluster;
beforeAll(async () => {
  cluster = await startPostgres();
});
afterAll(async () => {
  await cluster?.destroy();
});

describe('a machine that takes over a host name (issue 25)', () => {
  it('keeps every run whose backup ID the old machine already shipped, under a new identity', async () => {
    const db = await freshCentre(cluster);
    const fleet = fleetConfig(cluster.url({ database: db }));
    const old = localStore('old.db');
    const replacement = localStore('new.db');
    try {
      // Both number their runs from the same start times: the same 14 backup IDs.
      recordDays(old, 14, NOW);
      recordDays(replacement, 14, NOW, (i) => i % 3 === 0);
      expect(await syncOnce({ db: old.db, fleet, version: VERSION, now: () => NOW })).toMatchObject({
        shipped: 14,
        remaining: 0,
      });
      const taken = await syncOnce({
        db: replacement.db,
        fleet,
        version: VERSION,
        now: () => NOW,
        takeOver: true,
      });
      expect(taken).toMatchObject({ shipped: 14 + 5, remaining: 0 });
      expect(await centreCount(cluster, db, 'backup_logs')).toBe(28);
      const renamed = await cluster.query<{ backup_id: string; status: string }>(
        `SELECT b.backup_id, b.status FROM backup_logs b JOIN hosts h USING (host)
          WHERE b.instance_id = h.instance_id ORDER BY b.backup_id`,
        [],
        db,
      );
      expect(renamed).toHaveLength(14);
      expect(renamed.filter((row) => row.status === 'failure')).toHaveLength(5);
      for (const row of renamed) expect(row.backup_id).toMatch(/^BKP-\d{8}-\d{6}-daily~[0-9a-f]{8}$/);
      // Its failure notifications point at its own runs, not the old machine's.
      const orphans = await cluster.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM notification_logs n JOIN hosts h USING (host)
          WHERE n.instance_id = h.instance_id
            AND NOT EXISTS (SELECT 1 FROM backup_logs b WHERE b.host = n.host AND b.backup_id = n.backup_id
                               AND b.instance_id = n.instance_id)`,
        [],
        db,
      );
      expect(orphans).toEqual([{ n: 0 }]);
      // A later state of one of those runs (the local row rewritten) lands on the same renamed row.
      const [first] = renamed;
      const local = first!.backup_id.split('~')[0]!;
      replacement.db
        .prepare("UPDATE backup_logs SET error_message = 'checked again' WHERE backup_id = ?")
        .run(local);
      expect(await syncOnce({ db: replacement.db, fleet, version: VERSION, now: () => NOW })).toMatchObject({
        shipped: 1,
        remaining: 0,
      });
      expect(await centreCount(cluster, db, 'backup_logs')).toBe(28);
      expect(
        await cluster.query(
          'SELECT error_message FROM backup_logs WHERE backup_id = $1',
          [first!.backup_id],
          db,
        ),
      ).toEqual([{ error_message: 'checked again' }]);
    } finally {
      old.close();
      replacement.close();
    }
  });

  it('records a refused machine at the centre until it takes the name over', async () => {
    const db = await freshCentre(cluster);
    const fleet = fleetConfig(cluster.url({ database: db }));
    const first = localStore('first.db');
    const second = localStore('second.db');
    try {
      recordDays(first, 2, NOW);
      recordDays(second, 3, NOW, () => true);
      await syncOnce({ db: first.db, fleet, version: VERSION, now: () => NOW });
      for (let i = 0; i < 2; i++) {
        const refused = await syncOnce({ db: second.db, fleet, version: VERSION, now: () => NOW });
        expect(refused.error).toMatchObject({ code: 'EHOSTCLASH' });
      }
      const clashes = () =>
        cluster.query<{ host: string; refusals: string; pending_rows: string; mine: boolean }>(
          `SELECT c.host, c.refusals, c.pending_rows, c.instance_id = h.instance_id AS mine
             FROM host_clashes c JOIN hosts h USING (host)`,
          [],
          db,
        );
      // 3 runs and 3 failure notifications wait on the refused machine.
      expect(await clashes()).toEqual([{ host: 'db1', refusals: '2', pending_rows: '6', mine: false }]);
      await syncOnce({ db: second.db, fleet, version: VERSION, now: () => NOW, takeOver: true });
      expect(await clashes()).toEqual([]);
      // Now the old machine is the one refused, and recorded.
      expect((await syncOnce({ db: first.db, fleet, version: VERSION, now: () => NOW })).error).toMatchObject(
        {
          code: 'EHOSTCLASH',
        },
      );
      expect(await clashes()).toEqual([{ host: 'db1', refusals: '1', pending_rows: '0', mine: false }]);
    } finally {
      first.close();
      second.close();
    }
  });
});

describe('centre schema 4 over an existing centre (issue 25)', () => {
  it('migrates a populated schema-3 centre (job = type, latest_runs by job), and a host of an older version still ships', async () => {
    const db = await freshCentre(cluster);
    await cluster.query(
      `CREATE TABLE schema_version (version integer PRIMARY KEY, compatible_with integer NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now(), applied_by text NOT NULL DEFAULT current_user, app_version text);
       ${CENTRE_MIGRATIONS.slice(0, 3)
         .map((m) => m.sql)
         .join(';\n')};
       INSERT INTO schema_version (version, compatible_with) VALUES (1, 1), (2, 1), (3, 1);`,
      [],
      db,
    );
    // What a schema-3 host writes: straight into the tables, no job.
    const oldShip = (id: string, status: string, hoursAgo: number) =>
      cluster.query(
        `INSERT INTO backup_logs (host, backup_id, instance_id, local_id, revision, type, status, started_at, finished_at)
         VALUES ('old', $1, '00000000-0000-4000-8000-0000000000aa', $2, 2, 'daily', $3,
                 now() - make_interval(hours => $4), now() - make_interval(hours => $4) + interval '1 minute')`,
        [id, hoursAgo, status, hoursAgo],
        db,
      );
    await oldShip('BKP-1', 'success', 48);
    await oldShip('BKP-2', 'failure', 24);
    const { migrateCentre } = await import('../../src/fleet/schema.js');
    expect(await migrateCentre(await client(db), 'test')).toEqual([4, 5, 6]);
    const latest = () =>
      cluster.query<{ job: string; type: string; backup_id: string; failures: number }>(
        'SELECT job, type, backup_id, failures FROM latest_runs',
        [],
        db,
      );
    expect(await latest()).toEqual([{ job: 'daily', type: 'daily', backup_id: 'BKP-2', failures: 1 }]);
    // Still writing the old way after the migration: its runs get their type as job and count.
    await oldShip('BKP-3', 'success', 1);
    expect(await cluster.query('SELECT job FROM backup_logs WHERE backup_id = $1', ['BKP-3'], db)).toEqual([
      { job: 'daily' },
    ]);
    expect(await latest()).toEqual([{ job: 'daily', type: 'daily', backup_id: 'BKP-3', failures: 0 }]);
  });
});

const clients: pg.Client[] = [];
async function client(database: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: cluster.url({ database }) });
  await c.connect();
  clients.push(c);
  return c;
}
afterAll(async () => {
  for (const c of clients) await c.end();
});
