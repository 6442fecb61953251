import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { typeStatus } from '../../src/commands/status.js';
import { statusReport } from '../../src/serve/health.js';
import { SqliteReadModel } from '../../src/store/read-model.js';
import { Store } from '../../src/store/store.js';
import { finishRun } from '../helpers/db.js';
import { localStore, recordRun } from '../helpers/fleet.js';
import { FLEET, seedFleet, seedStore, WEB1_FAILURE } from '../helpers/serve.js';
import { tempDir } from '../helpers/tmp.js';

/** The seeded fleet, read through a connection that records every statement it runs (parameters expanded). */
function tracedModel() {
  const { dbPath, ids } = seedFleet(tempDir());
  const statements: string[] = [];
  let tracing = true;
  const db = new Database(dbPath, {
    verbose: (sql) => {
      if (tracing) statements.push(String(sql));
    },
  });
  const model = new SqliteReadModel({ db });
  return {
    model,
    ids,
    db,
    statements,
    stop: () => {
      tracing = false;
    },
  };
}

const count = (status: string) => FLEET.filter((r) => r.status === status).length;

describe('SqliteReadModel.backups', () => {
  it('pages newest first with an exact total, whatever the filters', async () => {
    const { model, db } = tracedModel();
    try {
      const all = await model.backups({ limit: 5, offset: 0 });
      expect(all.total).toBe(FLEET.length);
      expect(all.items).toHaveLength(5);
      const starts = all.items.map((i) => i.startedAt);
      expect([...starts].sort().reverse()).toEqual(starts);

      const failures = await model.backups({ status: 'failure', limit: 10, offset: 0 });
      expect(failures.total).toBe(count('failure'));
      expect(failures.items).toHaveLength(10);
      expect(failures.items.every((i) => i.status === 'failure')).toBe(true);

      const rest = await model.backups({ status: 'failure', limit: 10, offset: 10 });
      expect(rest.items.map((i) => i.backupId)).not.toContain(failures.items[0]!.backupId);
      expect(rest.items).toHaveLength(count('failure') - 10);

      const files1 = await model.backups({
        host: 'files1',
        type: 'weekly',
        status: 'failure',
        limit: 100,
        offset: 0,
      });
      expect(files1.total).toBe(3);
      expect(files1.items.map((i) => i.host)).toEqual(['files1', 'files1', 'files1']);

      const none = await model.backups({ host: 'nowhere', limit: 10, offset: 0 });
      expect(none).toEqual({ total: 0, items: [] });
    } finally {
      db.close();
    }
  });

  it('keeps the totals right as runs finish, change and are pruned (the counts are kept by triggers)', async () => {
    const store = Store.open(join(tempDir(), 'b.db'));
    try {
      const model = new SqliteReadModel(store);
      const ids = seedStore(store, [
        { host: 'h', type: 'daily', status: 'running', hoursAgo: 1 },
        { host: 'h', type: 'daily', status: 'failure', hoursAgo: 2 },
      ]);
      expect((await model.backups({ status: 'running', limit: 1, offset: 0 })).total).toBe(1);
      finishRun(store, ids[0]!, {
        status: 'success',
        finishedAt: new Date().toISOString(),
        durationMs: 1,
        exitCode: 0,
        signal: null,
        errorMessage: null,
        outputTail: null,
      });
      expect((await model.backups({ status: 'running', limit: 1, offset: 0 })).total).toBe(0);
      expect((await model.backups({ status: 'success', limit: 1, offset: 0 })).total).toBe(1);
      store.db.prepare('DELETE FROM backup_logs WHERE backup_id = ?').run(ids[1]);
      expect((await model.backups({ limit: 10, offset: 0 })).total).toBe(1);
      expect((await model.backups({ status: 'failure', limit: 10, offset: 0 })).total).toBe(0);
    } finally {
      store.close();
    }
  });
});

describe('SqliteReadModel, one run and the rest', () => {
  it('gives one run with its output tail and its notifications, without the retry payload', async () => {
    const { model, ids, db } = tracedModel();
    try {
      const run = await model.backup(ids[WEB1_FAILURE]!);
      expect(run?.host).toBe('web1');
      expect(run?.outputTail).toContain('<script>alert(1)</script>');
      expect(run?.notifications.map((n) => [n.channel, n.status])).toEqual([
        ['email', 'sent'],
        ['slack', 'pending'],
      ]);
      expect(JSON.stringify(run)).not.toContain('never shown');
      expect(await model.backup('BKP-20000101-000000-daily')).toBeUndefined();
      expect(await model.backup(ids[WEB1_FAILURE]!, 'db1')).toBeUndefined();
    } finally {
      db.close();
    }
  });

  it('lists undelivered alerts (pending and given up), latest failures, notifications and the audit log', async () => {
    const { model, db } = tracedModel();
    try {
      const undelivered = await model.undelivered(10);
      expect(undelivered.total).toBe(2);
      expect(undelivered.items.map((n) => n.status).sort()).toEqual(['failed', 'pending']);
      expect(undelivered.items.find((n) => n.status === 'pending')?.host).toBe('web1');

      const failures = await model.latestFailures(3);
      expect(failures[0]?.host).toBe('web1');
      expect(failures[0]?.outputTail).toContain('alert(1)');
      expect(failures).toHaveLength(3);

      const sent = await model.notifications({ status: 'sent', limit: 10, offset: 0 });
      expect(sent.total).toBe(1);
      const audit = await model.audit({ limit: 10, offset: 0 });
      expect(audit.items[0]).toMatchObject({ operation: 'test-email', details: { to: 'admin@company.com' } });
    } finally {
      db.close();
    }
  });

  it('gives host × type facts: latest run, latest success, failures in a row', async () => {
    const { model, db } = tracedModel();
    try {
      const facts = await model.statusFacts();
      const key = (host: string, type: string) => facts.find((f) => f.host === host && f.type === type);
      expect(facts).toHaveLength(8);
      expect(key('web1', 'daily')).toMatchObject({
        consecutiveFailures: 1,
        latestRun: { status: 'failure' },
      });
      expect(key('web1', 'daily')?.latestSuccess?.status).toBe('success');
      expect(key('files1', 'weekly')).toMatchObject({ consecutiveFailures: 3, latestSuccess: null });
      // A run in progress is reported beside the latest outcome, not instead of it (as `status`).
      expect(key('db1', 'daily')).toMatchObject({
        consecutiveFailures: 0,
        latestRun: { status: 'success' },
        runningRun: { status: 'running' },
      });
      expect(key('web1', 'daily')?.runningRun).toBeNull();
      expect(await model.statusFacts({ host: 'files1' })).toHaveLength(2);
      expect(await model.statusFacts({ type: 'monthly' })).toHaveLength(1);
    } finally {
      db.close();
    }
  });
});

describe('SqliteReadModel cache (totals, host × type facts)', () => {
  it('answers from memory until anything is committed, by another process or through this connection', async () => {
    const path = join(tempDir(), 'cache.db');
    const store = Store.open(path);
    try {
      const model = new SqliteReadModel(store);
      seedStore(store, [{ host: 'h', type: 'daily', status: 'success', hoursAgo: 5 }]);
      const first = await model.statusFacts();
      expect(first[0]?.latestRun?.status).toBe('success');
      expect(await model.statusFacts()).toBe(first);
      expect((await model.backups({ limit: 1, offset: 0 })).total).toBe(1);
      // Another connection, as `run` in another process would write it.
      const other = Store.open(path);
      seedStore(other, [{ host: 'h', type: 'daily', status: 'failure', hoursAgo: 1 }]);
      other.close();
      expect((await model.statusFacts())[0]).toMatchObject({
        latestRun: { status: 'failure' },
        consecutiveFailures: 1,
      });
      seedStore(store, [{ host: 'h2', type: 'weekly', status: 'success', hoursAgo: 1 }]);
      expect(await model.statusFacts()).toHaveLength(2);
    } finally {
      store.close();
    }
  });
});

describe('SqliteReadModel query plans', () => {
  it('walks an index for every statement: no scan of a whole table, no sort of all rows', async () => {
    const { model, ids, db, statements, stop } = tracedModel();
    try {
      const statuses = [undefined, 'failure', 'success'] as const;
      for (const status of statuses) {
        for (const type of [undefined, 'daily'] as const) {
          for (const host of [undefined, 'db1'] as const) {
            await model.backups({
              limit: 20,
              offset: 1,
              ...(status ? { status } : {}),
              ...(type ? { type } : {}),
              ...(host ? { host } : {}),
            });
          }
        }
      }
      await model.backup(ids[WEB1_FAILURE]!);
      await model.statusFacts();
      await model.statusFacts({ host: 'db1', type: 'daily' });
      await model.notifications({ limit: 20, offset: 0 });
      await model.notifications({ status: 'pending', limit: 20, offset: 0 });
      await model.notifications({ backupId: ids[WEB1_FAILURE]!, limit: 20, offset: 0 });
      await model.audit({ limit: 20, offset: 0 });
      await model.undelivered(20);
      await model.latestFailures(10);
      await model.ping();
      stop();
      const unique = [...new Set(statements)];
      expect(unique.length).toBeGreaterThan(20);
      const bad: string[] = [];
      for (const sql of unique) {
        const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>).map(
          (r) => r.detail,
        );
        for (const line of plan) {
          // A full pass over a history table (aliases b, n, s): a SCAN without an index (a SCAN
          // USING INDEX walks in order and stops at LIMIT), or a sort of everything matched.
          // Sorting is fine over one run's notifications or the host × type pairs.
          const fullScan = /^SCAN (backup_logs|notification_logs|backup_audit_logs|b|n|s)\b(?! USING)/.test(
            line,
          );
          const fullSort =
            /USE TEMP B-TREE FOR ORDER BY/.test(line) &&
            !plan.some((l) =>
              /^SEARCH (n|notification_logs) USING INDEX notification_logs_backup \(backup_id=\?\)/.test(l),
            ) &&
            !/FROM backup_log_counts/.test(sql);
          if (fullScan || fullSort) bad.push(`${line}\n    in: ${sql.replace(/\s+/g, ' ').slice(0, 200)}`);
        }
      }
      expect(bad).toEqual([]);
      // The host × type facts walk the index only (status is in it): no run is read to find
      // the latest success or to count the failures since.
      const facts = unique.find((sql) => /FROM backup_log_counts/.test(sql) && /latest_id/.test(sql))!;
      const factsPlan = (db.prepare(`EXPLAIN QUERY PLAN ${facts}`).all() as Array<{ detail: string }>).map(
        (r) => r.detail,
      );
      const seeks = factsPlan.filter((line) => /^SEARCH b /.test(line));
      expect(seeks).toHaveLength(4);
      for (const line of seeks)
        expect(line).toMatch(
          /^SEARCH b USING COVERING INDEX backup_logs_host_job_(started|finished|running) /,
        );
      // Totals never count runs: they sum backup_log_counts.
      const totals = unique.filter(
        (sql) => /count\(\*\)/i.test(sql) && /backup_logs/.test(sql) && !/LIMIT 1000/.test(sql),
      );
      expect(totals).toEqual([]);
    } finally {
      db.close();
    }
  });
});

describe('SqliteReadModel: the latest finished run decides, as `status` does', () => {
  it('a run in progress does not hide the failure before it; a lock-busy failure does not outrank the run that finished after it', async () => {
    const H = 3_600_000;
    const now = new Date();
    const ago = (ms: number) => new Date(now.getTime() - ms);
    const store = localStore();
    try {
      recordRun(store, { startedAt: ago(48 * H) });
      recordRun(store, { startedAt: ago(3 * H), status: 'failure' });
      recordRun(store, { startedAt: ago(H / 2), status: 'running' });
      // The real weekly run (2 h, ended 6 min ago) and a cron start refused while it ran.
      recordRun(store, { type: 'weekly', startedAt: ago(2 * H), durationMs: 2 * H - 6 * 60_000 });
      recordRun(store, { type: 'weekly', startedAt: ago(H), status: 'failure', durationMs: 1000 });
      const report = statusReport(await new SqliteReadModel(store).statusFacts(), {
        now,
        escalateAfter: 3,
        expect: { daily: 26 * H, weekly: 8 * 24 * H },
      });
      const of = (type: string) => report.types.find((t) => t.type === type)!;
      expect(of('daily')).toMatchObject({
        health: 'failed',
        latestRun: { status: 'failure' },
        runningRun: { status: 'running' },
        consecutiveFailures: 1,
      });
      expect(of('weekly')).toMatchObject({
        health: 'ok',
        latestRun: { status: 'success' },
        runningRun: null,
      });
      // The dashboard and `status` agree.
      for (const type of ['daily', 'weekly']) {
        const local = typeStatus(store, type, type === 'daily' ? 26 * H : 8 * 24 * H, now, 3);
        expect(of(type).health).toBe(local.health);
      }
    } finally {
      store.close();
    }
  });
});
