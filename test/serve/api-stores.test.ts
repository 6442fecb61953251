import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CentrePool, openCentrePool } from '../../src/fleet/pool.js';
import { CentreReadModel } from '../../src/fleet/read-model.js';
import { renderExposition } from '../../src/metrics/exposition.js';
import type { BackupQuery, NotificationQuery, ReadModel } from '../../src/serve/read-model.js';
import { type RunningServer, startServer } from '../../src/serve/server.js';
import { createLogger } from '../../src/shared/logger.js';
import { SqliteReadModel } from '../../src/store/read-model.js';
import { Store } from '../../src/store/store.js';
import { type PgCluster, startPostgres } from '../helpers/postgres.js';
import { FLEET, NOW, seedFleet, WEB1_FAILURE } from '../helpers/serve.js';
import { seedCentre } from '../helpers/serve-centre.js';

/**
 * The API against both stores it serves from: the local SQLite, and the centre's PostgreSQL
 * (a real cluster, filled by the hosts' real sync). The same data, the same answers.
 */
const READ = 'read-token-0123456789abcdef';

let cluster: PgCluster;
beforeAll(async () => {
  cluster = await startPostgres();
}, 120_000);
afterAll(async () => {
  await cluster?.destroy();
});

interface Backend {
  model: ReadModel;
  ids: string[];
  metricsText: () => Promise<string>;
  close(): Promise<void>;
}

const STORES: ReadonlyArray<{ name: string; open: () => Promise<Backend> }> = [
  {
    name: 'SQLite',
    open: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'backup-alert-api-'));
      const { dbPath, ids } = seedFleet(dir);
      const store = Store.open(dbPath);
      return {
        model: new SqliteReadModel(store),
        ids,
        metricsText: async () =>
          renderExposition(store.metricsSnapshot({ version: 'test', types: [], channels: [] })),
        close: async () => {
          store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'PostgreSQL',
    open: async () => {
      const { url, ids } = await seedCentre(cluster);
      const pool: CentrePool = await openCentrePool(url, {
        timeoutMs: 10_000,
        max: 4,
        applicationName: 'backup-alert test',
        secrets: [],
      });
      const model = new CentreReadModel(pool);
      return {
        model,
        ids,
        metricsText: async () => renderExposition(await model.metricsSnapshot('test')),
        close: () => model.close(),
      };
    },
  },
];

interface Answer {
  status: number;
  text: string;
  json: { success: boolean; data?: unknown; error?: { code: string; message: string } };
}

type Run = { backupId: string; host: string; status: string; type: string; startedAt: string };
type RunPage = { total: number; items: Run[] };

const count = (filter: (r: (typeof FLEET)[number]) => boolean) => FLEET.filter(filter).length;

describe.each(STORES)('the API over $name', (backend) => {
  let server: RunningServer;
  let data: Backend;
  let ids: string[];

  beforeAll(async () => {
    data = await backend.open();
    ids = data.ids;
    server = await startServer({
      listen: '127.0.0.1:0',
      readModel: data.model,
      tokens: { read: READ },
      lang: 'en',
      now: () => NOW,
      logger: createLogger({ write: () => {}, level: 'silent' }),
      escalateAfter: 3,
      metricsText: data.metricsText,
    });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await data?.close();
  });

  async function call(path: string): Promise<Answer> {
    const response = await fetch(new URL(path, server.url), {
      headers: { Authorization: `Bearer ${READ}` },
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    let json: Answer['json'] = { success: false };
    try {
      json = JSON.parse(text) as Answer['json'];
    } catch {
      // the metrics are text
    }
    return { status: response.status, text, json };
  }
  const page = async (path: string) => (await call(path)).json.data as RunPage;

  describe('the runbook curl lines (§9.1, §10.4, FAQ Q1) with our token', () => {
    it('§9.1 ?status=failure&limit=10 lists the latest failures', async () => {
      const { status, json } = await call('/api/v1/backups?status=failure&limit=10');
      expect(status).toBe(200);
      expect(json.success).toBe(true);
      const data = json.data as RunPage;
      expect(data.total).toBe(count((r) => r.status === 'failure'));
      expect(data.items).toHaveLength(10);
      expect(data.items.every((i) => i.status === 'failure')).toBe(true);
      expect(data.items[0]).toMatchObject({ backupId: ids[WEB1_FAILURE], host: 'web1' });
    });

    it("§10.4 ?status=failure&limit=50 | jq '.data.total' counts them", async () => {
      expect((await page('/api/v1/backups?status=failure&limit=50')).total).toBe(12);
    });

    it('FAQ Q1 ?status=success&limit=5 lists the latest successes', async () => {
      const data = await page('/api/v1/backups?status=success&limit=5');
      expect(data.items).toHaveLength(5);
      expect(data.total).toBe(count((r) => r.status === 'success'));
      expect(data.items.every((i) => i.status === 'success')).toBe(true);
    });
  });

  describe('filters, totals and pages', () => {
    it('lists everything newest first with the exact total', async () => {
      const all = await page('/api/v1/backups?limit=1000');
      expect(all.total).toBe(FLEET.length);
      expect(all.items).toHaveLength(FLEET.length);
      const starts = all.items.map((i) => i.startedAt);
      expect([...starts].sort().reverse()).toEqual(starts);
      expect(all.items[0]).toMatchObject({ host: 'db1', status: 'running' });
    });

    it.each([
      ['type=weekly', (r: (typeof FLEET)[number]) => r.type === 'weekly'],
      ['host=db1', (r: (typeof FLEET)[number]) => r.host === 'db1'],
      [
        'host=files1&type=weekly&status=failure',
        (r: (typeof FLEET)[number]) => r.host === 'files1' && r.type === 'weekly',
      ],
      ['status=abandoned', (r: (typeof FLEET)[number]) => r.status === 'abandoned'],
      ['status=running&host=db1', (r: (typeof FLEET)[number]) => r.status === 'running'],
      [
        'type=daily&status=success',
        (r: (typeof FLEET)[number]) => r.type === 'daily' && r.status === 'success',
      ],
      [
        'host=web1&status=failure',
        (r: (typeof FLEET)[number]) => r.host === 'web1' && r.status === 'failure',
      ],
    ])('?%s: only matching runs, and their total', async (query, match) => {
      const data = await page(`/api/v1/backups?${query}&limit=1000`);
      expect(data.total).toBe(count(match));
      expect(data.items).toHaveLength(count(match));
      const params = new URLSearchParams(query);
      for (const item of data.items) {
        for (const [name, value] of params) expect(item[name as 'host' | 'type' | 'status']).toBe(value);
      }
    });

    it('pages with limit and offset: no run twice, none left out; past the end is empty', async () => {
      const seen: string[] = [];
      for (let offset = 0; offset < FLEET.length; offset += 7) {
        const data = await page(`/api/v1/backups?limit=7&offset=${offset}`);
        expect(data.total).toBe(FLEET.length);
        seen.push(...data.items.map((i) => `${i.host}/${i.backupId}`));
      }
      expect(new Set(seen).size).toBe(FLEET.length);
      expect(await page(`/api/v1/backups?limit=5&offset=${FLEET.length}`)).toEqual({
        total: FLEET.length,
        items: [],
      });
      expect(await page('/api/v1/backups?host=nowhere')).toEqual({ total: 0, items: [] });
    });
  });

  describe('one run, status, notifications, audit, metrics', () => {
    it('GET backups/{id} (and ?host=): the run, its output tail and notifications; 404, 400', async () => {
      const id = ids[WEB1_FAILURE]!;
      for (const path of [`/api/v1/backups/${id}`, `/api/v1/backups/${id}?host=web1`]) {
        const { status, json } = await call(path);
        expect(status).toBe(200);
        const run = json.data as Run & { outputTail: string; notifications: Array<{ channel: string }> };
        expect(run).toMatchObject({ backupId: id, host: 'web1', status: 'failure' });
        expect(run.outputTail).toContain('<script>alert(1)</script>');
        expect(run.notifications.map((n) => n.channel)).toEqual(['email', 'slack']);
        expect(JSON.stringify(json)).not.toContain('never shown');
      }
      expect((await call(`/api/v1/backups/${id}?host=db1`)).json.error?.code).toBe('not_found');
      expect((await call('/api/v1/backups/BKP-20000101-000000-daily')).status).toBe(404);
      expect((await call('/api/v1/backups/nope')).json.error?.code).toBe('invalid_backup_id');
      expect((await call(`/api/v1/backups/${id}?limit=5`)).json.error?.code).toBe('unknown_parameter');
      expect((await call(`/api/v1/backups/${id}?host=${encodeURIComponent("' OR 1=1 --")}`)).status).toBe(
        400,
      );
    });

    it('GET status: every host × type judged as `status --json` does, with escalations', async () => {
      const { json } = await call('/api/v1/status');
      const report = json.data as {
        healthy: boolean;
        checkedAt: string;
        types: Array<Record<string, unknown>>;
      };
      expect(report.healthy).toBe(false);
      expect(report.checkedAt).toBe(NOW.toISOString());
      expect(report.types).toHaveLength(8);
      expect(report.types.find((t) => t.host === 'files1' && t.type === 'weekly')).toMatchObject({
        health: 'failed',
        consecutiveFailures: 3,
        escalate: true,
      });
      expect(report.types.find((t) => t.host === 'web1' && t.type === 'daily')).toMatchObject({
        health: 'failed',
        latestRun: { backupId: ids[WEB1_FAILURE], errorMessage: expect.stringContaining('rsync') },
        latestSuccess: { status: 'success', host: 'web1' },
      });
      const mail1 = await call('/api/v1/status?host=mail1&maxAge=26h');
      expect((mail1.json.data as { types: unknown[] }).types).toEqual([
        expect.objectContaining({ host: 'mail1', type: 'daily', health: 'stale', maxAgeMs: 26 * 3_600_000 }),
      ]);
      expect((await call('/api/v1/status?maxAge=soon')).status).toBe(400);
    });

    it('GET notifications (by status, run, host) and audit page newest first', async () => {
      const pending = await call('/api/v1/notifications?status=pending');
      expect(pending.json.data).toMatchObject({ total: 1, items: [{ channel: 'slack', host: 'web1' }] });
      const ofRun = await call(`/api/v1/notifications?backupId=${ids[WEB1_FAILURE]}`);
      expect(ofRun.json.data).toMatchObject({
        total: 2,
        items: [{ channel: 'slack' }, { channel: 'email' }],
      });
      const ofHost = await call('/api/v1/notifications?host=files1');
      expect(ofHost.json.data).toMatchObject({ total: 1, items: [{ status: 'failed', host: 'files1' }] });
      const all = await call('/api/v1/notifications?limit=2');
      expect(all.json.data).toMatchObject({ total: 3 });
      expect((all.json.data as { items: unknown[] }).items).toHaveLength(2);
      const audit = await call('/api/v1/audit?limit=1');
      expect(audit.json.data).toMatchObject({
        total: 1,
        items: [{ operation: 'test-email', host: 'db1', details: { to: 'admin@company.com' } }],
      });
    });

    it('GET /metrics: the exposition (promtool checks it in the interop tier)', async () => {
      const { status, text } = await call('/metrics');
      expect(status).toBe(200);
      expect(text).toContain('backup_alert_runs_total');
      if (backend.name === 'PostgreSQL') {
        // Fleet-wide: every host's series, told apart by a host label.
        expect(text).toContain(
          'backup_alert_runs_total{host="files1",backup_job="weekly",type="weekly",status="failure"} 3',
        );
        expect(text).toContain('backup_alert_notifications_pending{host="web1"} 1');
        expect(text).toContain(
          'backup_alert_last_run_success{host="web1",backup_job="daily",type="daily"} 0',
        );
      } else {
        expect(text).not.toContain('host="');
      }
    });
  });

  describe('refused with 400', () => {
    it.each([
      ['limit=1e9', 'invalid_parameter'],
      ['limit=0', 'invalid_parameter'],
      ['limit=1001', 'invalid_parameter'],
      ['offset=99999999', 'invalid_parameter'],
      [`status=${encodeURIComponent("' OR 1=1 --")}`, 'invalid_parameter'],
      ['type=hourly', 'invalid_parameter'],
      [`host=${encodeURIComponent("db1' OR '1'='1")}`, 'invalid_parameter'],
      ['stauts=failure', 'unknown_parameter'],
      ['limit=10&limit=20', 'invalid_parameter'],
    ])('?%s → 400 %s', async (query, code) => {
      const { status, json } = await call(`/api/v1/backups?${query}`);
      expect(status).toBe(400);
      expect(json).toMatchObject({ success: false, error: { code } });
    });

    it('leaves the data as it was after SQL-looking values', async () => {
      expect((await page('/api/v1/backups?limit=1000')).total).toBe(FLEET.length);
    });
  });
});

/** A notification's or audit row's `id` is its row id on the host that wrote it: not comparable. */
const withoutIds = <T extends { id: number }>(items: T[]) => items.map(({ id: _id, ...rest }) => rest);

describe('both stores answer alike', () => {
  it('gives the same runs, totals, facts, failures, notifications and audit rows for the same data', async () => {
    const [sqlite, centre] = await Promise.all(STORES.map((store) => store.open()));
    try {
      const a = sqlite!.model;
      const b = centre!.model;
      expect(centre!.ids).toEqual(sqlite!.ids);
      const queries: BackupQuery[] = [
        { limit: 1000, offset: 0 },
        { limit: 5, offset: 3 },
        { status: 'failure', limit: 10, offset: 0 },
        { status: 'success', type: 'daily', limit: 3, offset: 1 },
        { host: 'db1', limit: 50, offset: 0 },
        { host: 'files1', type: 'weekly', status: 'failure', limit: 2, offset: 1 },
        { status: 'running', limit: 5, offset: 0 },
      ];
      for (const query of queries) expect(await b.backups(query)).toEqual(await a.backups(query));
      for (const id of sqlite!.ids) {
        const [left, right] = [await a.backup(id), await b.backup(id)];
        expect({ ...right, notifications: withoutIds(right!.notifications) }).toEqual({
          ...left,
          notifications: withoutIds(left!.notifications),
        });
      }
      expect(await b.statusFacts()).toEqual(await a.statusFacts());
      expect(await b.statusFacts({ host: 'db1', type: 'daily' })).toEqual(
        await a.statusFacts({ host: 'db1', type: 'daily' }),
      );
      expect(await b.latestFailures(10)).toEqual(await a.latestFailures(10));
      const [undeliveredA, undeliveredB] = [await a.undelivered(10), await b.undelivered(10)];
      expect(undeliveredB.total).toBe(undeliveredA.total);
      expect(withoutIds(undeliveredB.items)).toEqual(withoutIds(undeliveredA.items));
      const notes: NotificationQuery[] = [
        { limit: 10, offset: 0 },
        { status: 'sent', limit: 10, offset: 0 },
        { host: 'web1', limit: 1, offset: 1 },
      ];
      for (const query of notes) {
        const [left, right] = [await a.notifications(query), await b.notifications(query)];
        expect(right.total).toBe(left.total);
        expect(withoutIds(right.items)).toEqual(withoutIds(left.items));
      }
      const [auditA, auditB] = [
        await a.audit({ limit: 10, offset: 0 }),
        await b.audit({ limit: 10, offset: 0 }),
      ];
      expect(auditB.total).toBe(auditA.total);
      expect(withoutIds(auditB.items)).toEqual(withoutIds(auditA.items));
    } finally {
      await Promise.all([sqlite?.close(), centre?.close()]);
    }
  });
});
