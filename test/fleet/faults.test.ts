import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectCentre } from '../../src/fleet/connect.js';
import { type SyncResult, syncOnce } from '../../src/fleet/sync.js';
import { backlogSize } from '../../src/store/outbox.js';
import type { Store } from '../../src/store/store.js';
import { fleetConfig, freshCentre, localStore, recordDays } from '../helpers/fleet.js';
import { closedPort, startSilentServer } from '../helpers/net.js';
import { type PgCluster, startPostgres } from '../helpers/postgres.js';
import { waitFor } from '../helpers/process.js';

const NOW = new Date('2026-03-10T03:30:00.000Z');
const VERSION = '9.9.9-test';
const PASSWORD = 'Corr3ct-h0rse-battery';

let cluster: PgCluster;
beforeAll(async () => {
  cluster = await startPostgres({ tls: true });
  await cluster.createRole('ba_host', PASSWORD);
  await cluster.createRole('ba_owner', PASSWORD);
});
afterAll(async () => {
  await cluster?.destroy();
});

/** A local database with 3 runs and 1 notification waiting. */
function withBacklog(): Store {
  const store = localStore();
  recordDays(store, 3, NOW, (i) => i === 0);
  return store;
}

async function sync(store: Store, url: string, timeoutMs = 20_000, host = 'db1'): Promise<SyncResult> {
  return syncOnce({
    db: store.db,
    fleet: fleetConfig(url, { syncTimeoutMs: timeoutMs, host }),
    version: VERSION,
    now: () => NOW,
  });
}

/** Creates the schema as the owner would, under another host's name. */
async function makeSchema(url: string): Promise<void> {
  const owner = localStore('owner.db');
  try {
    expect((await sync(owner, url, 20_000, 'schema-maker')).error).toBeUndefined();
  } finally {
    owner.close();
  }
}

/** The backlog is untouched and nothing secret leaked into the result. */
function expectWaiting(result: SyncResult, url: string): void {
  expect(result).toMatchObject({ shipped: 0, remaining: 4 });
  const text = JSON.stringify(result);
  expect(text).not.toContain(PASSWORD);
  expect(text).not.toContain(url);
  expect(text).not.toContain('wrong-Passw0rd');
}

describe('syncOnce when the centre misbehaves', () => {
  it('centre down: ECONNREFUSED, transient, the backlog waits', async () => {
    const store = withBacklog();
    try {
      const url = `postgres://ba_host:${PASSWORD}@127.0.0.1:${await closedPort()}/fleet`;
      const result = await sync(store, url);
      expect(result.error).toMatchObject({ code: 'ECONNREFUSED', transient: true });
      expectWaiting(result, url);
    } finally {
      store.close();
    }
  });

  it('centre silent (accepts TCP, never answers): ends at the timeout and hangs up', async () => {
    const silent = await startSilentServer();
    const store = withBacklog();
    try {
      const url = `postgres://ba_host:${PASSWORD}@127.0.0.1:${silent.port}/fleet`;
      const result = await sync(store, url, 1500);
      expect(result.error).toMatchObject({ code: 'ETIMEDOUT', transient: true });
      expectWaiting(result, url);
      expect(
        await waitFor(() => silent.closedByClient === silent.connections && silent.connections > 0),
      ).toBe(true);
    } finally {
      store.close();
    }
  });

  it('a centre that hangs mid-sync (a lock never released): ends at the timeout, rolled back', async () => {
    const db = await freshCentre(cluster);
    const url = cluster.url({ database: db });
    const store = withBacklog();
    const blocker = new pg.Client({ connectionString: url });
    blocker.on('error', () => {});
    try {
      await makeSchema(url);
      await blocker.connect();
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE backup_logs IN ACCESS EXCLUSIVE MODE');
      const result = await syncOnce({
        db: store.db,
        fleet: fleetConfig(url, { host: 'db2', syncTimeoutMs: 1500 }),
        version: VERSION,
        now: () => NOW,
      });
      expect(result.error).toMatchObject({ code: 'ETIMEDOUT', transient: true });
      expectWaiting(result, url);
    } finally {
      await blocker.end();
      store.close();
    }
  });

  it('wrong password: EAUTH naming the user, never the password', async () => {
    const db = await freshCentre(cluster, 'ba_owner');
    const store = withBacklog();
    try {
      const url = cluster.url({ user: 'ba_owner', password: 'wrong-Passw0rd', database: db });
      const result = await sync(store, url);
      expect(result.error).toMatchObject({ code: 'EAUTH', transient: false });
      expect(result.error?.message).toContain('"ba_owner"');
      expectWaiting(result, url);
    } finally {
      store.close();
    }
  });

  it('a role without rights on the fleet tables: EPERM, the backlog waits', async () => {
    const db = await freshCentre(cluster);
    const store = withBacklog();
    try {
      await makeSchema(cluster.url({ database: db }));
      const url = cluster.url({ user: 'ba_host', password: PASSWORD, database: db });
      const result = await sync(store, url);
      expect(result.error).toMatchObject({ code: 'EPERM', transient: false });
      expect(result.error?.message).toMatch(/permission denied for function .*grants\.sql/);
      expectWaiting(result, url);
    } finally {
      store.close();
    }
  });

  it('schema too old and the role may not migrate: one line naming `backup-alert fleet migrate`', async () => {
    const db = await freshCentre(cluster);
    const store = withBacklog();
    try {
      const url = cluster.url({ user: 'ba_host', password: PASSWORD, database: db });
      const result = await sync(store, url);
      expect(result.error).toMatchObject({ code: 'ESCHEMAOLD', transient: false });
      expect(result.error?.message).toContain('`backup-alert fleet migrate`');
      expectWaiting(result, url);
      // Nothing half-made: the failed attempt was rolled back.
      expect(await cluster.query("SELECT 1 FROM pg_tables WHERE schemaname = 'public'", [], db)).toEqual([]);
    } finally {
      store.close();
    }
  });

  it('schema too new: refused with "upgrade backup-alert"; a newer but compatible one is used', async () => {
    const db = await freshCentre(cluster);
    const url = cluster.url({ database: db });
    const store = withBacklog();
    try {
      await makeSchema(url);
      await cluster.query('INSERT INTO schema_version (version, compatible_with) VALUES (99, 99)', [], db);
      const refused = await sync(store, url);
      expect(refused.error).toMatchObject({ code: 'ESCHEMANEW', transient: false });
      expect(refused.error?.message).toContain('upgrade backup-alert');
      expectWaiting(refused, url);
      await cluster.query('UPDATE schema_version SET compatible_with = 1 WHERE version = 99', [], db);
      expect(await sync(store, url)).toEqual({ shipped: 4, remaining: 0, migrated: [] });
    } finally {
      store.close();
    }
  });

  it('TLS from the URL: require encrypts, verify-full checks the certificate', async () => {
    const db = await freshCentre(cluster);
    const options = { timeoutMs: 10_000, applicationName: 'test', secrets: [] };
    const tls = async (params: string) => {
      const centre = await connectCentre(cluster.url({ database: db, params }), options);
      try {
        const result = await centre.client.query<{ ssl: boolean }>(
          'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
        );
        return result.rows[0]?.ssl;
      } finally {
        await centre.close();
      }
    };
    expect(await tls('sslmode=require')).toBe(true);
    expect(await tls(`sslmode=verify-full&sslrootcert=${cluster.caFile}`)).toBe(true);
    expect(await tls('sslmode=disable')).toBe(false);
    const store = withBacklog();
    try {
      const url = cluster.url({ database: db, params: 'sslmode=verify-full' });
      const result = await sync(store, url);
      expect(result.error).toMatchObject({ code: 'ETLS', transient: false });
      expectWaiting(result, url);
    } finally {
      store.close();
    }
  });

  it('too many clients: transient, the backlog waits and ships once a slot is free', async () => {
    const db = await freshCentre(cluster, 'ba_owner');
    const url = cluster.url({ user: 'ba_owner', password: PASSWORD, database: db });
    const store = withBacklog();
    // 5 slots, 3 kept for superusers: two ordinary sessions fill the server.
    await cluster.restart({ maxConnections: 5 });
    const held = [new pg.Client({ connectionString: url }), new pg.Client({ connectionString: url })];
    try {
      for (const client of held) await client.connect();
      const result = await sync(store, url);
      expect(result.error).toMatchObject({ code: 'ETOOMANY', transient: true });
      expect(result.error?.message).toContain('PgBouncer');
      expectWaiting(result, url);
      await held.pop()?.end();
      expect(await sync(store, url)).toMatchObject({ shipped: 4, remaining: 0 });
      expect(backlogSize(store.db).total).toBe(0);
    } finally {
      for (const client of held) await client.end();
      store.close();
      await cluster.restart({ maxConnections: 40 });
    }
  });
});
