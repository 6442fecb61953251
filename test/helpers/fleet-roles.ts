import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { migrateFleet } from '../../src/fleet/migrate.js';
import { fleetConfig } from './fleet.js';
import type { PgCluster } from './postgres.js';

const EXAMPLES = fileURLToPath(new URL('../../examples/fleet/', import.meta.url));
export const ADMIN_PASSWORD = 'admin-Secret-1';

/** A role's URL into the documented centre (password `<role>-pw-123`). */
export const roleUrl = (cluster: PgCluster, user: string) =>
  cluster.url({ user, password: `${user}-pw-123`, database: 'backup_alert' });

/** The documented setup, exactly as docs/fleet.md has an operator run it: hosts and a reader. */
export async function documentedCentre(
  cluster: PgCluster,
  hosts: readonly string[],
  readers: readonly string[],
): Promise<void> {
  const runExample = async (file: string, vars: Record<string, string>, database = 'backup_alert') => {
    // psql's subset the examples use, without psql (npm test needs no OS program; the
    // interop tier checks the same files against the real psql).
    await cluster.runSqlFile(database, `${EXAMPLES}${file}`, vars);
  };
  await runExample('roles.sql', { admin_password: ADMIN_PASSWORD }, 'postgres');
  const admin = cluster.url({
    user: 'backup_alert_admin',
    password: ADMIN_PASSWORD,
    database: 'backup_alert',
  });
  await migrateFleet(fleetConfig(admin), { version: 'test' });
  await runExample('grants.sql', {});
  for (const host of hosts) await runExample('add-host.sql', { host, password: `${host}-pw-123` });
  for (const reader of readers) await runExample('add-reader.sql', { reader, password: `${reader}-pw-123` });
}

/** Runs `work` on a fresh connection as `user`. */
export async function asRole<T>(
  cluster: PgCluster,
  user: string,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: roleUrl(cluster, user) });
  client.on('error', () => {});
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
