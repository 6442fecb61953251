import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncOnce } from '../../src/fleet/sync.js';
import { recordAudit } from '../../src/store/audit.js';
import { backlogSize } from '../../src/store/outbox.js';
import { Store } from '../../src/store/store.js';
import {
  centreCount,
  fleetConfig,
  freshCentre,
  localStore,
  recordDays,
  recordRun,
} from '../helpers/fleet.js';
import { type PgCluster, startPostgres } from '../helpers/postgres.js';
import { tempDir } from '../helpers/tmp.js';

const NOW = new Date('2026-03-10T03:30:00.000Z');
const VERSION = '9.9.9-test';

let cluster: PgCluster;
beforeAll(async () => {
  // 50 hosts at once, plus the test's own connections.
  cluster = await startPostgres({ maxConnections: 64 });
});
afterAll(async () => {
  await cluster?.destroy();
});

async function centre(): Promise<{ db: string; url: string }> {
  const db = await freshCentre(cluster);
  return { db, url: cluster.url({ database: db }) };
}

describe('syncOnce', () => {
  it('ships runs, notifications and audit rows; the centre records the host by its own clock', async () => {
    const { db, url } = await centre();
    const store = localStore();
    try {
      recordDays(store, 5, NOW, (i) => i === 2);
      recordAudit(
        store.audit,
        { username: 'root', hostname: 'os-host', now: () => NOW, logger: silentLogger },
        {
          operation: 'run',
          status: 'success',
          details: { exitCode: 0 },
        },
      );
      const result = await syncOnce({
        db: store.db,
        fleet: fleetConfig(url),
        version: VERSION,
        now: () => NOW,
      });
      expect(result).toEqual({ shipped: 7, remaining: 0, migrated: [1, 2, 3, 4, 5, 6] });
      expect(await centreCount(cluster, db, 'backup_logs')).toBe(5);
      expect(await centreCount(cluster, db, 'notification_logs')).toBe(1);
      expect(await centreCount(cluster, db, 'backup_audit_logs')).toBe(1);
      const [host] = await cluster.query<Record<string, unknown>>(
        "SELECT host, version, expectations, clock_skew_ms, now() - last_seen_at < interval '1 minute' AS fresh FROM hosts",
        [],
        db,
      );
      // NOW is months off the real clock: the centre says when it saw the host, by its own.
      expect(host).toMatchObject({
        host: 'db1',
        version: VERSION,
        expectations: { daily: 93_600_000 },
        fresh: true,
      });
      const [run] = await cluster.query<Record<string, unknown>>(
        "SELECT * FROM backup_logs WHERE status = 'failure'",
        [],
        db,
      );
      expect(run).toMatchObject({
        host: 'db1',
        type: 'daily',
        exit_code: 1,
        error_message: 'Backup script failed with exit code 1: disk full',
        revision: '2',
      });
      const again = await syncOnce({
        db: store.db,
        fleet: fleetConfig(url),
        version: VERSION,
        now: () => NOW,
      });
      expect(again).toEqual({ shipped: 0, remaining: 0, migrated: [] });
    } finally {
      store.close();
    }
  });

  it('a row sent twice is stored once (the ack was lost after the centre committed)', async () => {
    const { db, url } = await centre();
    const store = localStore();
    try {
      recordDays(store, 3, NOW, (i) => i === 0);
      await syncOnce({ db: store.db, fleet: fleetConfig(url), version: VERSION, now: () => NOW });
      const before = await cluster.query('SELECT * FROM backup_logs ORDER BY backup_id', [], db);
      // As if the host crashed between the centre's COMMIT and its own acknowledgement.
      for (const table of ['backup_logs', 'notification_logs'])
        store.db.exec(`UPDATE ${table} SET acked_revision = 0`);
      expect(backlogSize(store.db).total).toBe(4);
      const again = await syncOnce({
        db: store.db,
        fleet: fleetConfig(url),
        version: VERSION,
        now: () => NOW,
      });
      expect(again).toMatchObject({ shipped: 4, remaining: 0 });
      expect(await centreCount(cluster, db, 'backup_logs')).toBe(3);
      expect(await centreCount(cluster, db, 'notification_logs')).toBe(1);
      // Not even rewritten: the stored revision was not older.
      expect(await cluster.query('SELECT * FROM backup_logs ORDER BY backup_id', [], db)).toEqual(before);
    } finally {
      store.close();
    }
  });

  it('a newer state replaces an older one and never the reverse, whatever the host clock said', async () => {
    const { db, url } = await centre();
    const dir = tempDir();
    const store = Store.open(join(dir, 'a.db'));
    try {
      // The host clock runs 6 h fast while the backup starts; the centre notes the skew.
      const fast = new Date(Date.now() + 6 * 3_600_000);
      const backupId = recordRun(store, { startedAt: fast, status: 'running' });
      const first = await syncOnce({
        db: store.db,
        fleet: fleetConfig(url),
        version: VERSION,
        now: () => fast,
      });
      expect(first.error).toBeUndefined();
      const [skew] = await cluster.query<{ clock_skew_ms: string }>(
        'SELECT clock_skew_ms FROM hosts',
        [],
        db,
      );
      expect(Number(skew?.clock_skew_ms) / 3_600_000).toBeCloseTo(6, 1);
      // A copy of the database as it is now (the `running` state, revision 1, unacknowledged),
      // to be shipped again later.
      store.db.exec('UPDATE backup_logs SET acked_revision = 0');
      store.db.pragma('wal_checkpoint(TRUNCATE)');
      copyFileSync(join(dir, 'a.db'), join(dir, 'old.db'));
      store.db.exec('UPDATE backup_logs SET acked_revision = 1');
      // NTP fixes the clock; the run finishes with an *earlier* timestamp than it started.
      store.runs.finish({
        backupId,
        type: 'daily',
        job: 'daily',
        host: 'os-host',
        script: null,
        logPath: null,
        status: 'failure',
        startedAt: fast.toISOString(),
        finishedAt: NOW.toISOString(),
        durationMs: 1,
        exitCode: 2,
        signal: null,
        errorMessage: 'Backup script failed with exit code 2: boom',
        outputTail: '',
        artifactPath: null,
        artifactBytes: null,
      });
      await syncOnce({ db: store.db, fleet: fleetConfig(url), version: VERSION, now: () => NOW });
      const stored = async () =>
        (
          await cluster.query<{ status: string; revision: string }>(
            'SELECT status, revision FROM backup_logs',
            [],
            db,
          )
        )[0];
      expect(await stored()).toEqual({ status: 'failure', revision: '2' });
      // The old state arrives late (a restored database, a delayed retry): it changes nothing.
      const old = Store.open(join(dir, 'old.db'));
      try {
        const late = await syncOnce({
          db: old.db,
          fleet: fleetConfig(url),
          version: VERSION,
          now: () => fast,
        });
        expect(late).toMatchObject({ shipped: 1, remaining: 0 });
      } finally {
        old.close();
      }
      expect(await stored()).toEqual({ status: 'failure', revision: '2' });
    } finally {
      store.close();
    }
  });

  it("a NUL byte in a script's output does not block the backlog (PostgreSQL text cannot hold it)", async () => {
    const { db, url } = await centre();
    const store = localStore();
    try {
      const backupId = recordRun(store, { startedAt: NOW, status: 'failure' });
      store.db
        .prepare('UPDATE backup_logs SET output_tail = ? WHERE backup_id = ?')
        .run('binary\u0000junk', backupId);
      expect(
        await syncOnce({ db: store.db, fleet: fleetConfig(url), version: VERSION, now: () => NOW }),
      ).toMatchObject({
        shipped: 1,
        remaining: 0,
      });
      expect(await cluster.query('SELECT output_tail FROM backup_logs', [], db)).toEqual([
        { output_tail: 'binaryjunk' },
      ]);
    } finally {
      store.close();
    }
  });

  it('ships one transaction per batch', async () => {
    const { db, url } = await centre();
    const store = localStore();
    try {
      recordDays(store, 250, NOW);
      const result = await syncOnce({
        db: store.db,
        fleet: fleetConfig(url),
        version: VERSION,
        now: () => NOW,
        batchSize: 100,
      });
      expect(result).toMatchObject({ shipped: 250, remaining: 0 });
      // Rows written by one transaction share its xmin.
      const [tx] = await cluster.query<{ n: string }>(
        'SELECT count(DISTINCT xmin::text) AS n FROM backup_logs',
        [],
        db,
      );
      expect(Number(tx?.n)).toBe(3);
    } finally {
      store.close();
    }
  });

  it("a run's rows in every table ship in one transaction (one BEGIN, one claim, one COMMIT)", async () => {
    const { db, url } = await centre();
    const store = localStore();
    try {
      recordDays(store, 1, NOW, () => true);
      const result = await syncOnce({
        db: store.db,
        fleet: fleetConfig(url),
        version: VERSION,
        now: () => NOW,
      });
      expect(result).toMatchObject({ shipped: 2, remaining: 0 });
      const [tx] = await cluster.query<{ n: string }>(
        `SELECT count(DISTINCT x) AS n FROM (
           SELECT xmin::text AS x FROM backup_logs UNION ALL SELECT xmin::text FROM notification_logs
           UNION ALL SELECT xmin::text FROM hosts) AS rows`,
        [],
        db,
      );
      expect(Number(tx?.n)).toBe(1);
    } finally {
      store.close();
    }
  });

  it('50 hosts syncing at once: every row arrives once, no deadlock, no error', async () => {
    const { db, url } = await centre();
    const stores = Array.from({ length: 50 }, (_, i) => localStore(`host-${i}.db`));
    try {
      for (const store of stores) recordDays(store, 30, NOW, (i) => i % 7 === 0);
      const results = await Promise.all(
        stores.map((store, i) =>
          syncOnce({
            db: store.db,
            fleet: fleetConfig(url, { host: `host-${String(i).padStart(2, '0')}` }),
            version: VERSION,
            now: () => NOW,
            batchSize: 7,
          }),
        ),
      );
      for (const result of results) expect(result.error).toBeUndefined();
      expect(results.map((r) => r.remaining)).toEqual(stores.map(() => 0));
      // Exactly one migrator: the others waited on the advisory lock and found nothing to do.
      expect(results.filter((r) => r.migrated.length > 0)).toHaveLength(1);
      expect(await centreCount(cluster, db, 'hosts')).toBe(50);
      expect(await centreCount(cluster, db, 'backup_logs')).toBe(50 * 30);
      expect(await centreCount(cluster, db, 'notification_logs')).toBe(50 * 5);
    } finally {
      for (const store of stores) store.close();
    }
  });

  it('two hosts with the same name: the second is refused and keeps its backlog; --take-over hands the name over', async () => {
    const { db, url } = await centre();
    const first = localStore('first.db');
    const second = localStore('second.db');
    try {
      recordDays(first, 3, NOW);
      recordDays(second, 2, new Date(NOW.getTime() - 3_600_000), () => true);
      const fleet = fleetConfig(url);
      expect(
        (await syncOnce({ db: first.db, fleet, version: VERSION, now: () => NOW })).error,
      ).toBeUndefined();
      const clash = await syncOnce({ db: second.db, fleet, version: VERSION, now: () => NOW });
      expect(clash.error).toMatchObject({ code: 'EHOSTCLASH', transient: false });
      expect(clash.error?.message).toContain('BACKUP_ALERT_HOST');
      expect(clash).toMatchObject({ shipped: 0, remaining: 4 });
      expect(await centreCount(cluster, db, 'backup_logs')).toBe(3);
      const taken = await syncOnce({
        db: second.db,
        fleet,
        version: VERSION,
        now: () => NOW,
        takeOver: true,
      });
      expect(taken).toMatchObject({ shipped: 4, remaining: 0 });
      expect(await centreCount(cluster, db, 'backup_logs')).toBe(5);
    } finally {
      first.close();
      second.close();
    }
  });

  it("after --take-over, the newcomer's run with a colliding backup ID never overwrites the old machine's row", async () => {
    const { db, url } = await centre();
    const first = localStore('first.db');
    const second = localStore('second.db');
    try {
      // Same start second, same type: the same backup ID on both machines. The old machine's
      // row is at revision 1 (running), the newcomer's at 2 (finished): only the guard keeps it.
      const id = recordRun(first, { startedAt: NOW, status: 'running' });
      expect(recordRun(second, { startedAt: NOW, status: 'failure' })).toBe(id);
      const fleet = fleetConfig(url);
      expect(
        (await syncOnce({ db: first.db, fleet, version: VERSION, now: () => NOW })).error,
      ).toBeUndefined();
      const taken = await syncOnce({
        db: second.db,
        fleet,
        version: VERSION,
        now: () => NOW,
        takeOver: true,
      });
      expect(taken.error).toBeUndefined();
      const rows = await cluster.query<{ status: string }>(
        'SELECT status FROM backup_logs WHERE backup_id = $1',
        [id],
        db,
      );
      expect(rows).toEqual([{ status: 'running' }]);
    } finally {
      first.close();
      second.close();
    }
  });

  it('PostgreSQL restarted in the middle of a sync: nothing lost, nothing twice', async () => {
    const { db, url } = await centre();
    const store = localStore();
    try {
      recordDays(store, 300, NOW, (i) => i % 2 === 0);
      // Create the schema first, then hold notification_logs so the sync stops inside a batch.
      const other = fleetConfig(url, { host: 'another-host' });
      await syncOnce({ db: emptyDb(), fleet: other, version: VERSION, now: () => NOW });
      const pg = await import('pg');
      const blocker = new pg.default.Client({ connectionString: cluster.url({ database: db }) });
      blocker.on('error', () => {});
      await blocker.connect();
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE notification_logs IN SHARE MODE');
      const syncing = syncOnce({
        db: store.db,
        fleet: fleetConfig(url),
        version: VERSION,
        now: () => NOW,
        batchSize: 50,
      });
      await waitUntil(async () => {
        const rows = await cluster.query(
          "SELECT 1 FROM pg_stat_activity WHERE application_name = 'backup-alert db1' AND wait_event_type = 'Lock'",
        );
        return rows.length > 0;
      });
      await cluster.restart({ mode: 'immediate' });
      const cut = await syncing;
      expect(cut.error?.transient).toBe(true);
      // Every run batch committed before the cut; the notification batch in flight was rolled back.
      expect(cut).toMatchObject({ shipped: 300, remaining: 150 });
      expect(await centreCount(cluster, db, 'backup_logs')).toBe(300);
      expect(await centreCount(cluster, db, 'notification_logs')).toBe(0);
      const rest = await syncOnce({
        db: store.db,
        fleet: fleetConfig(url),
        version: VERSION,
        now: () => NOW,
      });
      expect(rest).toMatchObject({ shipped: 150, remaining: 0 });
      expect(await centreCount(cluster, db, 'notification_logs')).toBe(150);
      expect(await centreCount(cluster, db, 'backup_logs')).toBe(300);
    } finally {
      store.close();
    }
  });
});

const silentLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  mask: (text: string) => text,
};

/** A local database with nothing in it (to run a sync that only migrates). */
function emptyDb() {
  const store = localStore('empty.db');
  return store.db;
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
