import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateFleet } from '../../src/fleet/migrate.js';
import { syncOnce } from '../../src/fleet/sync.js';
import { fleetConfig, localStore, recordDays } from '../helpers/fleet.js';
import { type PgCluster, startPostgres } from '../helpers/postgres.js';

const NOW = new Date('2026-03-10T03:30:00.000Z');
const EXAMPLES = fileURLToPath(new URL('../../examples/fleet/', import.meta.url));
const ADMIN_PASSWORD = 'admin-Secret-1';

let cluster: PgCluster;
const url = (user: string) => cluster.url({ user, password: `${user}-pw-123`, database: 'backup_alert' });

/**
 * The documented setup, from the files an operator runs with psql (run here by the helper's
 * psql-subset runner; test/interop/fleet/psql-examples.test.ts runs them through psql itself).
 */
beforeAll(async () => {
  cluster = await startPostgres();
  const psql = (file: string, vars: Record<string, string>, database = 'backup_alert') =>
    cluster.runSqlFile(database, `${EXAMPLES}${file}`, vars);
  await psql('roles.sql', { admin_password: ADMIN_PASSWORD }, 'postgres');
  const admin = cluster.url({
    user: 'backup_alert_admin',
    password: ADMIN_PASSWORD,
    database: 'backup_alert',
  });
  await migrateFleet(fleetConfig(admin), { version: 'test' });
  await psql('grants.sql', {});
  for (const host of ['db01', 'db02']) await psql('add-host.sql', { host, password: `${host}-pw-123` });
  await psql('add-reader.sql', { reader: 'nagios', password: 'nagios-pw-123' });
});
afterAll(async () => {
  await cluster?.destroy();
});

async function as<T>(user: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url(user) });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const ship = (host: string, user: string, days: number) => {
  const store = localStore(`${host}-${user}.db`);
  recordDays(store, days, NOW, (i) => i === 0);
  return syncOnce({
    db: store.db,
    fleet: fleetConfig(url(user), { host }),
    version: 'test',
    now: () => NOW,
  }).finally(() => store.close());
};

describe('least-privilege roles and row-level security (examples/fleet/*.sql)', () => {
  it('each host role ships its own rows', async () => {
    expect(await ship('db01', 'db01', 3)).toMatchObject({ shipped: 4, remaining: 0 });
    expect(await ship('db02', 'db02', 2)).toMatchObject({ shipped: 3, remaining: 0 });
  });

  it("a host role cannot write another host's rows, through sync or by hand", async () => {
    // db01's credentials with db02's name: refused inside ship_batch, nothing written.
    const result = await ship('db02', 'db01', 1);
    expect(result.error).toMatchObject({ code: 'EPERM' });
    expect(result.error?.message).toContain('host_roles');
    await as('db01', async (client) => {
      const insert = client.query(
        `INSERT INTO backup_logs (host, backup_id, instance_id, local_id, revision, type, status, started_at)
         VALUES ('db01', 'BKP-FAKE', gen_random_uuid(), 1, 99, 'daily', 'success', now())`,
      );
      await expect(insert).rejects.toThrow(/permission denied/);
      await expect(
        client.query(
          "UPDATE backup_logs SET status = 'success', revision = revision + 100 WHERE host = 'db02'",
        ),
      ).rejects.toThrow(/permission denied/);
      await expect(client.query('SELECT host FROM backup_logs')).rejects.toThrow(/permission denied/);
      await expect(client.query('SELECT host FROM host_summary')).rejects.toThrow(/permission denied/);
    });
    const db02 = await cluster.query(
      "SELECT count(*)::int AS n FROM backup_logs WHERE host = 'db02' AND revision < 99",
      [],
      'backup_alert',
    );
    expect(db02).toEqual([{ n: 2 }]);
  });

  it('a host role may not delete, change tables, or map itself to more hosts', async () => {
    await as('db01', async (client) => {
      await expect(client.query("DELETE FROM backup_logs WHERE host = 'db01'")).rejects.toThrow(
        /permission denied/,
      );
      await expect(client.query('TRUNCATE backup_logs')).rejects.toThrow(/permission denied/);
      await expect(client.query('CREATE TABLE evil (x int)')).rejects.toThrow(/permission denied/);
      await expect(client.query('ALTER TABLE backup_logs DISABLE ROW LEVEL SECURITY')).rejects.toThrow(
        /must be owner/,
      );
      await expect(
        client.query("UPDATE latest_runs SET status = 'success' WHERE host = 'db01'"),
      ).rejects.toThrow(/permission denied/);
      await expect(client.query("INSERT INTO host_roles VALUES ('db01', '*')")).rejects.toThrow(
        /permission denied/,
      );
    });
  });

  it('the reader sees every host and writes nothing', async () => {
    await as('nagios', async (client) => {
      const hosts = await client.query<{ host: string }>('SELECT host FROM hosts ORDER BY host');
      expect(hosts.rows.map((row) => row.host)).toEqual(['db01', 'db02']);
      // The centre's per-host summary (schema 6), kept by the ships above.
      const summary = await client.query<{ host: string; jobs: number }>(
        'SELECT host, jobs FROM host_summary ORDER BY host',
      );
      expect(summary.rows).toEqual([
        { host: 'db01', jobs: 1 },
        { host: 'db02', jobs: 1 },
      ]);
      await expect(
        client.query("UPDATE backup_logs SET status = 'success' WHERE status = 'failure'"),
      ).rejects.toThrow(/permission denied/);
    });
  });
});
