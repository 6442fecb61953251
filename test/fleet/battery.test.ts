import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncOnce } from '../../src/fleet/sync.js';
import { fleetConfig, localStore, recordDays } from '../helpers/fleet.js';
import { asRole, documentedCentre, roleUrl } from '../helpers/fleet-roles.js';
import { type PgCluster, startPostgres } from '../helpers/postgres.js';

const NOW = new Date('2026-03-10T03:30:00.000Z');
const UUID = '00000000-0000-4000-8000-000000000001';

let cluster: PgCluster;
let tables: string[] = [];
beforeAll(async () => {
  cluster = await startPostgres();
  await documentedCentre(cluster, ['db01', 'db02'], ['nagios']);
  tables = (
    await cluster.query<{ name: string }>(
      "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
      [],
      'backup_alert',
    )
  ).map((row) => row.name);
});
afterAll(async () => {
  await cluster?.destroy();
});

function ship(host: string, user: string, days: number, timeoutMs = 20_000) {
  const store = localStore(`${host}-${user}-${Math.random()}.db`);
  recordDays(store, days, NOW, (i) => i === 0);
  return syncOnce({
    db: store.db,
    fleet: fleetConfig(roleUrl(cluster, user), { host }),
    version: 'test',
    now: () => NOW,
    timeoutMs,
    // Each call is a fresh local database: it replaces the host's previous one.
    takeOver: true,
  }).finally(() => store.close());
}

/** One attempt in a transaction of its own; the SQLSTATE it failed with, or 'succeeded'. */
async function attempt(client: pg.Client, sql: string): Promise<string> {
  await client.query('BEGIN');
  try {
    await client.query(sql);
    return 'succeeded';
  } catch (error) {
    return String((error as { code?: unknown }).code);
  } finally {
    await client.query('ROLLBACK');
  }
}

const shipAs = (host: string, takeOver = false) =>
  `SELECT ship_batch('${host}', '${UUID}', 'evil', '{}', now(), ${takeOver}, 0,
     '[{"backup_id":"BKP-EVIL","local_id":1,"revision":99,"type":"daily","status":"success","started_at":"2026-03-10T00:00:00Z"}]',
     NULL, NULL)`;

describe('the fault and security battery, rerun (issue 25)', () => {
  it('no host role or reader reads, writes or locks what it must not, or ships as another host', async () => {
    // Both hosts have rows there to reach for.
    for (const host of ['db01', 'db02']) expect((await ship(host, host, 2)).error).toBeUndefined();
    expect(tables).toEqual(
      expect.arrayContaining(['hosts', 'backup_logs', 'latest_runs', 'host_clashes', 'backup_log_counts']),
    );
    const hostAttempts = [
      ...tables.flatMap((t) => [
        `SELECT * FROM ${t}`,
        `LOCK TABLE ${t} IN ACCESS EXCLUSIVE MODE`,
        `LOCK TABLE ${t} IN ACCESS SHARE MODE`,
        `DELETE FROM ${t}`,
        `TRUNCATE ${t}`,
      ]),
      "UPDATE hosts SET instance_id = gen_random_uuid() WHERE host = 'db02'",
      "UPDATE backup_logs SET status = 'success' WHERE host = 'db02'",
      "INSERT INTO host_roles VALUES ('db01', 'db02')",
      "INSERT INTO host_clashes (host, instance_id) VALUES ('db02', gen_random_uuid())",
      shipAs('db02'),
      shipAs('db02', true),
      shipAs('*'),
      `SELECT heartbeat('db02', '${UUID}', 'evil', '{}', now(), true, 0)`,
      "SELECT refresh_latest_runs(ARRAY['db02'], ARRAY['daily'])",
      "SELECT may_ship_as('db02')",
    ];
    const readerAttempts = [
      ...tables.flatMap((t) => [
        `LOCK TABLE ${t} IN ACCESS EXCLUSIVE MODE`,
        `LOCK TABLE ${t} IN SHARE MODE`,
        `SELECT * FROM ${t} FOR UPDATE`,
        `DELETE FROM ${t}`,
      ]),
      "UPDATE backup_logs SET status = 'success' WHERE status = 'failure'",
      shipAs('db01'),
      shipAs('db02', true),
      `SELECT heartbeat('db01', '${UUID}', 'evil', '{}', now(), true, 0)`,
      "SELECT refresh_latest_runs(ARRAY['db01'], ARRAY['daily'])",
    ];
    const all = async (client: pg.Client, attempts: string[]) => {
      const codes: string[] = [];
      for (const sql of attempts) codes.push(await attempt(client, sql));
      return codes;
    };
    const outcomes = [
      ...(await asRole(cluster, 'db01', (client) => all(client, hostAttempts))),
      ...(await asRole(cluster, 'nagios', (client) => all(client, readerAttempts))),
    ];
    // Every one refused for want of privilege, not by accident of syntax.
    expect(outcomes.length).toBeGreaterThanOrEqual(53);
    expect(outcomes.filter((code) => code !== '42501')).toEqual([]);
    const evil = await cluster.query(
      "SELECT 1 FROM backup_logs WHERE backup_id = 'BKP-EVIL' UNION ALL SELECT 1 FROM hosts WHERE version = 'evil'",
      [],
      'backup_alert',
    );
    expect(evil).toEqual([]);
    // doctor's function tells a host about its own name only.
    const told = await asRole(
      cluster,
      'db01',
      async (c) => (await c.query("SELECT * FROM ship_check('db02')")).rows,
    );
    expect(told).toEqual([{ allowed: false, owner_instance: null }]);
  });

  it('every function is closed to PUBLIC with a fixed search_path; hosts may run only the ship and storm functions', async () => {
    const functions = await cluster.query<{
      name: string;
      definer: boolean;
      config: string[] | null;
      public_execute: boolean;
      host_execute: boolean;
      reader_execute: boolean;
    }>(
      `SELECT p.proname AS name, p.prosecdef AS definer, p.proconfig AS config,
              EXISTS (SELECT 1 FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
                       WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE') AS public_execute,
              has_function_privilege('db01', p.oid, 'EXECUTE') AS host_execute,
              has_function_privilege('nagios', p.oid, 'EXECUTE') AS reader_execute
         FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace ORDER BY 1`,
      [],
      'backup_alert',
    );
    expect(functions.filter((f) => f.definer).length).toBeGreaterThanOrEqual(7);
    for (const f of functions) {
      expect({ name: f.name, public: f.public_execute }).toEqual({ name: f.name, public: false });
      expect(f.config ?? []).toContain('search_path=public, pg_temp');
    }
    expect(functions.filter((f) => f.host_execute).map((f) => f.name)).toEqual([
      'centre_schema_state',
      // Storm control (centre schema 5, issue 26): hosts claim storms through these two.
      'claim_storm',
      // A storm's reminders, one per storm (centre schema 7).
      'claim_storm_reminder',
      'claim_storm_update',
      'heartbeat',
      'ship_batch',
      'ship_check',
    ]);
    expect(functions.filter((f) => f.reader_execute).map((f) => f.name)).toEqual(['centre_schema_state']);
  });

  it("while a host and the reader hold transactions open, another host's ship completes within its bound", async () => {
    await asRole(cluster, 'db01', async (holder) => {
      await holder.query('BEGIN');
      // db01's own rows and its hosts row, held.
      await holder.query(`SELECT heartbeat('db01', '${UUID}', 'x', '{}', now(), true, 0)`);
      await asRole(cluster, 'nagios', async (reader) => {
        await reader.query('BEGIN');
        // Every table the reader may read (the storm tables but `storms` are the hosts' functions' alone).
        const readable: string[] = [];
        for (const t of tables) {
          const { rows } = await reader.query<{ may: boolean }>(
            "SELECT has_table_privilege('public.' || quote_ident($1), 'SELECT') AS may",
            [t],
          );
          if (rows[0]?.may) readable.push(t);
        }
        expect(readable).toEqual(expect.arrayContaining(['backup_logs', 'hosts', 'latest_runs']));
        for (const t of readable) await reader.query(`LOCK TABLE ${t} IN ACCESS SHARE MODE`);
        const started = Date.now();
        const result = await ship('db02', 'db02', 3, 5_000);
        const elapsed = Date.now() - started;
        expect(result.error).toBeUndefined();
        expect(result.remaining).toBe(0);
        expect(elapsed).toBeLessThan(5_000);
        await reader.query('ROLLBACK');
      });
      await holder.query('ROLLBACK');
    });
  });
});
