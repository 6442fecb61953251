import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateFleet } from '../../../src/fleet/migrate.js';
import { fleetConfig } from '../../helpers/fleet.js';
import { type PgCluster, startPostgres } from '../../helpers/postgres.js';

/**
 * examples/fleet/*.sql through the real psql, exactly as docs tell an operator to run them,
 * and the same files through the npm tier's psql-subset runner (PgCluster.runSqlFile) on a
 * second cluster: both must leave the same roles, rights, policies and mappings, so the npm
 * tier's role tests stand on what psql really does with these files.
 */
const EXAMPLES = fileURLToPath(new URL('../../../examples/fleet/', import.meta.url));
const ADMIN_PASSWORD = 'admin-Secret-1';

type Runner = (file: string, vars: Record<string, string>, database?: string) => Promise<void>;

const withPsql =
  (cluster: PgCluster): Runner =>
  async (file, vars, database = 'backup_alert') => {
    const result = await cluster.psql(database, { file: `${EXAMPLES}${file}`, vars });
    if (result.exitCode !== 0 || result.stderr !== '') throw new Error(`${file}: ${result.stderr}`);
  };
const withRunner =
  (cluster: PgCluster): Runner =>
  (file, vars, database = 'backup_alert') =>
    cluster.runSqlFile(database, `${EXAMPLES}${file}`, vars);

/** The documented three steps, then two hosts and a reader. */
async function setUp(cluster: PgCluster, run: Runner): Promise<void> {
  await run('roles.sql', { admin_password: ADMIN_PASSWORD }, 'postgres');
  const admin = cluster.url({
    user: 'backup_alert_admin',
    password: ADMIN_PASSWORD,
    database: 'backup_alert',
  });
  await migrateFleet(fleetConfig(admin), { version: 'test' });
  await run('grants.sql', {});
  for (const host of ['db01', "o'brien-db"]) await run('add-host.sql', { host, password: `${host}-pw-123` });
  await run('add-reader.sql', { reader: 'nagios', password: 'nagios-pw-123' });
}

/** What the scripts decide: roles, memberships, rights on the database, schema and tables, policies, mappings. */
async function catalog(cluster: PgCluster): Promise<unknown> {
  const q = (sql: string) => cluster.query(sql, [], 'backup_alert');
  return {
    roles: await q(`SELECT rolname, rolcanlogin, rolconnlimit, rolsuper FROM pg_roles
                    WHERE rolname NOT LIKE 'pg\\_%' AND rolname <> current_user ORDER BY rolname`),
    members: await q(`SELECT r.rolname AS role, m.rolname AS member FROM pg_auth_members a
                      JOIN pg_roles r ON r.oid = a.roleid JOIN pg_roles m ON m.oid = a.member
                      WHERE r.rolname NOT LIKE 'pg\\_%' ORDER BY 1, 2`),
    database: await q(`SELECT datname, pg_get_userbyid(datdba) AS owner, datacl::text FROM pg_database
                       WHERE datname = 'backup_alert'`),
    schema: await q(`SELECT nspacl::text FROM pg_namespace WHERE nspname = 'public'`),
    tables: await q(`SELECT relname, relacl::text, relrowsecurity FROM pg_class
                     WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' ORDER BY relname`),
    policies: await q(`SELECT tablename, policyname, roles::text, cmd, qual, with_check FROM pg_policies
                       ORDER BY tablename, policyname`),
    hostRoles: await q('SELECT role_name, host FROM host_roles ORDER BY role_name'),
  };
}

async function canLogIn(cluster: PgCluster, user: string, password: string): Promise<boolean> {
  const client = new pg.Client({
    connectionString: cluster.url({ user, password, database: 'backup_alert' }),
  });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

let viaPsql: PgCluster;
let viaRunner: PgCluster;
beforeAll(async () => {
  [viaPsql, viaRunner] = await Promise.all([startPostgres(), startPostgres()]);
  await Promise.all([setUp(viaPsql, withPsql(viaPsql)), setUp(viaRunner, withRunner(viaRunner))]);
}, 120_000);
afterAll(async () => {
  await Promise.all([viaPsql?.destroy(), viaRunner?.destroy()]);
});

describe('examples/fleet/*.sql: psql and the npm tier runner agree', () => {
  it('leave the same roles, rights, policies and host mappings', async () => {
    const expected = await catalog(viaPsql);
    expect(expected).toMatchObject({
      hostRoles: expect.arrayContaining([{ role_name: "o'brien-db", host: "o'brien-db" }]),
    });
    expect(await catalog(viaRunner)).toEqual(expected);
  });

  it('set the passwords psql was given (quoted as psql quotes them)', async () => {
    for (const cluster of [viaPsql, viaRunner]) {
      expect(await canLogIn(cluster, "o'brien-db", "o'brien-db-pw-123")).toBe(true);
      expect(await canLogIn(cluster, 'nagios', 'nagios-pw-123')).toBe(true);
      expect(await canLogIn(cluster, 'nagios', 'wrong')).toBe(false);
    }
  });
});
