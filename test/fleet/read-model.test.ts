import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLEET_METRICS_SQL } from '../../src/fleet/metrics-query.js';
import { migrateFleet } from '../../src/fleet/migrate.js';
import { CENTRE_MIGRATIONS } from '../../src/fleet/migrations.js';
import { openCentrePool } from '../../src/fleet/pool.js';
import { CentreReadModel } from '../../src/fleet/read-model.js';
import {
  auditListSql,
  backupListSql,
  backupSql,
  hostsSql,
  latestFailuresSql,
  notificationListSql,
  runNotificationsSql,
  type Statement,
  statusFactsSql,
  undeliveredSql,
} from '../../src/fleet/read-sql.js';
import { syncOnce } from '../../src/fleet/sync.js';
import { AmbiguousBackupIdError, ReadModelUnavailableError } from '../../src/serve/read-model.js';
import { Store } from '../../src/store/store.js';
import { finishRun } from '../helpers/db.js';
import { fleetConfig, freshCentre } from '../helpers/fleet.js';
import { startSilentServer } from '../helpers/net.js';
import { type PgCluster, startPostgres } from '../helpers/postgres.js';
import { seedStore } from '../helpers/serve.js';
import { seedCentre } from '../helpers/serve-centre.js';

const H = 3_600_000;

let cluster: PgCluster;
let dir: string;
const models: CentreReadModel[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'backup-alert-centre-read-'));
  cluster = await startPostgres();
}, 120_000);
afterAll(async () => {
  await Promise.all(models.map((model) => model.close()));
  await cluster?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

async function modelFor(url: string): Promise<CentreReadModel> {
  const pool = await openCentrePool(url, {
    timeoutMs: 10_000,
    max: 2,
    applicationName: 'backup-alert test',
    secrets: [],
  });
  const model = new CentreReadModel(pool);
  models.push(model);
  return model;
}

/** Ships a host's local database to the centre with the real sync. */
async function ship(store: Store, url: string, host: string, expectations: Record<string, number> = {}) {
  const result = await syncOnce({
    db: store.db,
    fleet: fleetConfig(url, { host, expectations }),
    version: 'test',
    now: () => new Date(),
  });
  expect(result.error).toBeUndefined();
}

/** What the count tables should say: the rows themselves, counted. */
async function actualTotals(database: string) {
  const [row] = await cluster.query<Record<string, string>>(
    `SELECT (SELECT count(*) FROM backup_logs) AS runs,
            (SELECT count(*) FROM backup_logs WHERE status = 'running') AS running,
            (SELECT count(*) FROM notification_logs) AS notifications,
            (SELECT count(*) FROM notification_logs WHERE status = 'pending') AS pending,
            (SELECT count(*) FROM backup_audit_logs) AS audit`,
    [],
    database,
  );
  return Object.fromEntries(Object.entries(row!).map(([k, v]) => [k, Number(v)]));
}

async function modelTotals(model: CentreReadModel) {
  return {
    runs: (await model.backups({ limit: 1, offset: 0 })).total,
    running: (await model.backups({ status: 'running', limit: 1, offset: 0 })).total,
    notifications: (await model.notifications({ limit: 1, offset: 0 })).total,
    pending: (await model.notifications({ status: 'pending', limit: 1, offset: 0 })).total,
    audit: (await model.audit({ limit: 1, offset: 0 })).total,
  };
}

describe('CentreReadModel totals (count tables kept by triggers)', () => {
  it('stay exact as rows arrive, change on a later sync, and are deleted by the owner', async () => {
    const database = await freshCentre(cluster);
    const url = cluster.url({ database });
    const store = Store.open(join(dir, 'counts.db'));
    try {
      const ids = seedStore(
        store,
        [
          { host: 'a', type: 'daily', status: 'running', hoursAgo: 1 },
          { host: 'a', type: 'daily', status: 'failure', hoursAgo: 30 },
          { host: 'a', type: 'weekly', status: 'success', hoursAgo: 50 },
        ],
        [{ backupIndex: 1, channel: 'email', status: 'pending' }],
      );
      store.audit.write({
        operation: 'run',
        backupId: ids[0]!,
        username: 'ops',
        host: 'a',
        status: 'success',
        details: null,
        createdAt: new Date().toISOString(),
      });
      await ship(store, url, 'a');
      const model = await modelFor(url);
      expect(await modelTotals(model)).toEqual(await actualTotals(database));
      expect(await modelTotals(model)).toMatchObject({ runs: 3, running: 1, pending: 1, audit: 1 });

      // The running run finishes and the pending alert is delivered: an update at the centre.
      finishRun(store, ids[0]!, {
        status: 'success',
        finishedAt: new Date().toISOString(),
        durationMs: 1000,
        exitCode: 0,
        signal: null,
        errorMessage: null,
        outputTail: null,
      });
      const pending = store.db
        .prepare("SELECT id FROM notification_logs WHERE status = 'pending'")
        .pluck()
        .get();
      store.notifications.update(pending as number, {
        status: 'sent',
        errorMessage: null,
        sentAt: new Date().toISOString(),
        attempts: 2,
      });
      await ship(store, url, 'a');
      // Shipping the same rows again changes nothing (the upsert skips them).
      store.db.exec('UPDATE backup_logs SET acked_revision = 0');
      await ship(store, url, 'a');
      expect(await modelTotals(model)).toEqual(await actualTotals(database));
      expect(await modelTotals(model)).toMatchObject({ runs: 3, running: 0, pending: 0 });
      expect((await model.backups({ status: 'success', type: 'daily', limit: 5, offset: 0 })).total).toBe(1);

      await cluster.query("DELETE FROM backup_logs WHERE status = 'failure'", [], database);
      await cluster.query('DELETE FROM backup_audit_logs', [], database);
      expect(await modelTotals(model)).toEqual(await actualTotals(database));
      expect((await model.backups({ status: 'failure', limit: 5, offset: 0 })).total).toBe(0);
    } finally {
      store.close();
    }
  });

  it('are filled from the rows already there when a centre at schema 1 is migrated', async () => {
    const database = await freshCentre(cluster);
    const url = cluster.url({ database });
    // Schema 1 as `fleet migrate` of the previous release left it, with a host's history in it.
    await cluster.query(
      `CREATE TABLE schema_version (version integer PRIMARY KEY, compatible_with integer NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now(), applied_by text NOT NULL DEFAULT current_user, app_version text);
       ${CENTRE_MIGRATIONS[0]!.sql};
       INSERT INTO schema_version (version, compatible_with) VALUES (1, 1);`,
      [],
      database,
    );
    await cluster.query(
      `INSERT INTO backup_logs (host, backup_id, instance_id, local_id, revision, type, status, started_at)
       SELECT 'old', 'BKP-' || d, gen_random_uuid(), d, 1, 'daily',
              CASE WHEN d % 5 = 0 THEN 'failure' ELSE 'success' END, now() - d * interval '1 day'
         FROM generate_series(1, 30) d`,
      [],
      database,
    );
    const old = await modelFor(url);
    // serve refuses a centre without its indexes and counts, and says what to run.
    await expect(old.backups({ limit: 1, offset: 0 })).rejects.toThrow(/schema is version 1.*fleet migrate/);

    const store = Store.open(join(dir, 'upgrade.db'));
    try {
      seedStore(store, [{ host: 'new', type: 'daily', status: 'success', hoursAgo: 2 }]);
      await ship(store, url, 'new');
    } finally {
      store.close();
    }
    const model = await modelFor(url);
    expect((await model.backups({ limit: 1, offset: 0 })).total).toBe(31);
    expect((await model.backups({ host: 'old', status: 'failure', limit: 1, offset: 0 })).total).toBe(6);
    const facts = await model.statusFacts({ host: 'old' });
    // The newest run (1 day ago) is a success: the latest success found by its backfilled ID.
    expect(facts[0]?.latestSuccess).toMatchObject({ backupId: 'BKP-1', host: 'old', status: 'success' });
  });
});

describe('CentreReadModel, one run and the host × type facts', () => {
  it('asks for a host when several hosts share a backup ID (cron fires at the same second everywhere)', async () => {
    const { url, ids } = await seedCentre(cluster, {
      extra: [{ host: 'web2', type: 'daily', status: 'failure', hoursAgo: 3, error: 'web2 failed' }],
    });
    const model = await modelFor(url);
    const shared = ids[10]!;
    expect(ids.at(-1)).toBe(shared);
    const error = await model.backup(shared).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AmbiguousBackupIdError);
    expect((error as AmbiguousBackupIdError).hosts).toEqual(['web1', 'web2']);
    expect((await model.backup(shared, 'web2'))?.errorMessage).toBe('web2 failed');
    expect((await model.backup(shared, 'web1'))?.notifications).toHaveLength(2);
    expect(await model.backup(shared, 'web2')).toMatchObject({ notifications: [] });
  });

  it('judges each host by its own promise, and lists a promised type that never ran', async () => {
    const { url } = await seedCentre(cluster, {
      expectations: (host): Record<string, number> =>
        host === 'mail1' ? { daily: 26 * H, weekly: 8 * 24 * H } : {},
    });
    const model = await modelFor(url);
    const facts = await model.statusFacts();
    expect(facts.filter((f) => f.host === 'mail1')).toEqual([
      expect.objectContaining({
        type: 'daily',
        maxAgeMs: 26 * H,
        latestRun: expect.objectContaining({ host: 'mail1' }),
      }),
      expect.objectContaining({ type: 'weekly', maxAgeMs: 8 * 24 * H, latestRun: null, latestSuccess: null }),
    ]);
    expect(facts.find((f) => f.host === 'db1' && f.type === 'daily')).not.toHaveProperty('maxAgeMs');
    expect(await model.statusFacts({ type: 'weekly', host: 'mail1' })).toHaveLength(1);
  });
});

describe('row-level security (examples/fleet/grants.sql)', () => {
  it('a reader sees what its host_roles mapping allows, totals and metrics included', async () => {
    const { database } = await seedCentre(cluster);
    const roles = `
      CREATE ROLE backup_alert_reader NOLOGIN;
      CREATE ROLE backup_alert_host NOLOGIN;
      CREATE ROLE team_web LOGIN PASSWORD 'team-web-pw' IN ROLE backup_alert_reader;
      CREATE ROLE everyone LOGIN PASSWORD 'everyone-pw' IN ROLE backup_alert_reader;`;
    await cluster.query(roles).catch(() => {});
    await cluster.runSqlFile(database, new URL('../../examples/fleet/grants.sql', import.meta.url).pathname);
    await cluster.query(
      "INSERT INTO host_roles VALUES ('team_web', 'web1'), ('everyone', '*')",
      [],
      database,
    );
    const team = await modelFor(cluster.url({ user: 'team_web', password: 'team-web-pw', database }));
    const all = await modelFor(cluster.url({ user: 'everyone', password: 'everyone-pw', database }));
    expect((await all.backups({ limit: 1, offset: 0 })).total).toBe(26);
    const web = await team.backups({ limit: 100, offset: 0 });
    expect(web.total).toBe(2);
    expect(web.items.map((i) => i.host)).toEqual(['web1', 'web1']);
    expect((await team.backups({ status: 'failure', limit: 1, offset: 0 })).total).toBe(1);
    expect((await team.notifications({ limit: 10, offset: 0 })).total).toBe(2);
    expect((await team.undelivered(10)).total).toBe(1);
    expect((await team.audit({ limit: 10, offset: 0 })).total).toBe(0);
    expect(new Set((await team.statusFacts()).map((f) => f.host))).toEqual(new Set(['web1']));
    const metrics = await team.metricsSnapshot('test');
    expect(new Set(metrics.types.map((t) => t.host))).toEqual(new Set(['web1']));
    // Even a direct look at the counters shows only its own host.
    const client = new pg.Client({
      connectionString: cluster.url({ user: 'team_web', password: 'team-web-pw', database }),
    });
    await client.connect();
    try {
      const hosts = await client.query('SELECT DISTINCT host FROM backup_log_counts');
      expect(hosts.rows).toEqual([{ host: 'web1' }]);
    } finally {
      await client.end();
    }
  });
});

describe('the connection pool', () => {
  it('keeps to its few connections under many reads at once, named in pg_stat_activity', async () => {
    const { url, database } = await seedCentre(cluster);
    const pool = await openCentrePool(url, {
      timeoutMs: 10_000,
      max: 2,
      applicationName: 'backup-alert serve pool-test',
      secrets: [],
    });
    const model = new CentreReadModel(pool);
    models.push(model);
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        i % 2 ? model.backups({ limit: 5, offset: i }) : model.statusFacts({ host: 'db1' }),
      ),
    );
    expect(answers).toHaveLength(30);
    const sessions = await cluster.query<{ n: string }>(
      "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'backup-alert serve pool-test' AND datname = $1",
      [database],
    );
    expect(Number(sessions[0]?.n)).toBeLessThanOrEqual(2);
    expect(Number(sessions[0]?.n)).toBeGreaterThan(0);
    await model.close();
    const after = await cluster.query<{ n: string }>(
      "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'backup-alert serve pool-test'",
    );
    expect(Number(after[0]?.n)).toBe(0);
  });

  it('gives up on a query whose server process stopped answering mid-session, and drops that connection', async () => {
    const { url } = await seedCentre(cluster);
    const pool = await openCentrePool(url, {
      timeoutMs: 500,
      max: 1,
      applicationName: 'backup-alert test',
      secrets: [],
    });
    try {
      const pid = await pool.read(
        async (client) =>
          (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid,
      );
      // Frozen, as a server behind a dead network link is: no answer, and no statement_timeout
      // can fire on its side. Only our own bound ends the wait.
      process.kill(pid, 'SIGSTOP');
      try {
        const error = await pool
          .read((client) => client.query('SELECT 1'))
          .catch((caught: unknown) => caught);
        expect((error as Error).message).toMatch(/in time/);
      } finally {
        process.kill(pid, 'SIGCONT');
      }
      // The frozen connection was not handed out again: the next read gets a fresh one.
      const next = await pool.read(
        async (client) =>
          (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid,
      );
      expect(next).not.toBe(pid);
    } finally {
      await pool.close();
    }
  });

  it('gives up on a centre that accepts the connection and never answers, and says so', async () => {
    const silent = await startSilentServer();
    const pool = await openCentrePool(`postgres://reader:secret-pw-123@127.0.0.1:${silent.port}/centre`, {
      timeoutMs: 300,
      max: 2,
      applicationName: 'backup-alert test',
      secrets: ['secret-pw-123'],
    });
    const model = new CentreReadModel(pool);
    models.push(model);
    const error = await model.backups({ limit: 1, offset: 0 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ReadModelUnavailableError);
    expect((error as Error).message).toMatch(/in time/);
    expect((error as Error).message).not.toContain('secret-pw-123');
    // The half-open connection is dropped, not left to the server.
    await expect.poll(() => silent.closedByClient).toBeGreaterThan(0);
  });
});

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

/** Rows a node read from its table: those it passed on plus those it looked at and dropped. */
const rowsRead = (node: PlanNode) =>
  ((node['Actual Rows'] ?? 0) +
    (node['Rows Removed by Filter'] ?? 0) +
    (node['Rows Removed by Index Recheck'] ?? 0)) *
  (node['Actual Loops'] ?? 1);

const LOG_TABLES = new Set(['backup_logs', 'notification_logs', 'backup_audit_logs']);
/** Host × type pairs in the plan test's centre. */
const PAIRS = 300 * 4;

describe('query plans at a realistic size', () => {
  it('serve never scans a log table, and reads about the rows it answers with (300 hosts × 4 types × 200 days)', async () => {
    const database = await freshCentre(cluster);
    const url = cluster.url({ database });
    await migrateFleet(fleetConfig(url), { version: 'test' });
    // The bench's recipe (bench/lib/fleet.js), smaller: 240,000 runs, one in 53 a failure with
    // its alert, one audit row per run.
    await cluster.query(
      `INSERT INTO hosts (host, instance_id, last_seen_at, version, expectations)
       SELECT 'host-' || lpad(h::text, 4, '0'), gen_random_uuid(), now(), 'test', '{"daily": 93600000}'
         FROM generate_series(1, 300) h;
       INSERT INTO backup_logs (host, backup_id, instance_id, local_id, revision, type, status, started_at,
                                finished_at, duration_ms, exit_code, error_message, output_tail)
       SELECT h.host, 'BKP-' || to_char(ts, 'YYYYMMDD-HH24MISS') || '-' || t.type, h.instance_id, d * 4 + t.n, 1,
              t.type, CASE WHEN (d + t.n + length(h.host)) % 53 = 0 THEN 'failure' ELSE 'success' END,
              ts, ts + interval '5 minutes', 300000, 0, NULL, NULL
         FROM hosts h CROSS JOIN unnest(ARRAY['daily', 'weekly', 'monthly', 'manual']) WITH ORDINALITY AS t(type, n)
        CROSS JOIN generate_series(0, 199) AS d
        CROSS JOIN LATERAL (SELECT now() - d * interval '1 day' + t.n * interval '1 minute' AS ts) x;
       INSERT INTO notification_logs (host, instance_id, local_id, revision, notification_type, channel, status,
                                      backup_id, created_at, attempts)
       SELECT host, instance_id, local_id, 1, 'backup_failure', 'email',
              CASE WHEN local_id % 7 = 0 THEN 'pending' ELSE 'sent' END, backup_id, finished_at, 1
         FROM backup_logs WHERE status = 'failure';
       INSERT INTO backup_audit_logs (host, instance_id, local_id, revision, operation, backup_id, status, created_at)
       SELECT host, instance_id, local_id, 1, 'run', backup_id, status, finished_at FROM backup_logs;
       ANALYZE;`,
      [],
      database,
    );
    // As serve runs: a reader role under row-level security.
    await cluster.query(
      `CREATE ROLE plan_reader LOGIN PASSWORD 'plan-reader-pw';
       GRANT SELECT ON ALL TABLES IN SCHEMA public TO plan_reader;
       INSERT INTO host_roles VALUES ('plan_reader', '*');`,
      [],
      database,
    );
    const [run] = await cluster.query<{ backup_id: string; host: string }>(
      "SELECT backup_id, host FROM backup_logs WHERE status = 'failure' LIMIT 1",
      [],
      database,
    );
    const page = { limit: 20, offset: 0 };
    const statements: Record<string, Statement> = {};
    const filters = [
      {},
      { status: 'failure' as const },
      { type: 'weekly' },
      { host: 'host-0007' },
      { host: 'host-0007', type: 'daily' },
      { host: 'host-0007', status: 'failure' as const },
      { type: 'daily', status: 'failure' as const },
      { host: 'host-0007', type: 'daily', status: 'success' as const },
    ];
    for (const filter of filters) {
      const sql = backupListSql({ ...page, ...filter });
      statements[`backups ${JSON.stringify(filter)}`] = sql.page;
      statements[`backups total ${JSON.stringify(filter)}`] = sql.total;
    }
    // A hundred pages down. (Much deeper, a plan may turn to a scan: under row-level security
    // the planner cannot tell that this reader sees every row. The README says to filter.)
    statements['backups deep page'] = backupListSql({ limit: 20, offset: 2000 }).page;
    statements['backup by id'] = backupSql(run!.backup_id, undefined, 21);
    statements['backup by id and host'] = backupSql(run!.backup_id, run!.host, 1);
    statements['its notifications'] = runNotificationsSql(run!.backup_id, run!.host);
    statements['status facts'] = statusFactsSql({});
    statements['status facts of one host'] = statusFactsSql({ host: 'host-0007' });
    statements.hosts = hostsSql();
    for (const filter of [
      {},
      { status: 'pending' as const },
      { status: 'sent' as const },
      { backupId: run!.backup_id },
      { host: 'host-0007' },
    ]) {
      const sql = notificationListSql({ ...page, ...filter });
      statements[`notifications ${JSON.stringify(filter)}`] = sql.page;
      statements[`notifications total ${JSON.stringify(filter)}`] = sql.total;
    }
    statements.audit = auditListSql(page).page;
    statements['audit total'] = auditListSql(page).total;
    statements.undelivered = undeliveredSql(20).page;
    statements['latest failures'] = latestFailuresSql(10);
    for (const [name, text] of Object.entries(FLEET_METRICS_SQL))
      statements[`metrics ${name}`] = { text, values: [] };

    const client = new pg.Client({
      connectionString: cluster.url({ user: 'plan_reader', password: 'plan-reader-pw', database }),
    });
    await client.connect();
    const bad: string[] = [];
    try {
      for (const [name, statement] of Object.entries(statements)) {
        // ANALYZE runs the statement: what it read is counted, not estimated (RLS makes the
        // planner's row estimates low). No time is measured.
        const result = await client.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(
          `EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) ${statement.text}`,
          statement.values,
        );
        const all = nodes(result.rows[0]!['QUERY PLAN'][0]!.Plan);
        if (process.env['SHOW_PLANS']) {
          const text = await client.query(
            `EXPLAIN (ANALYZE, TIMING OFF) ${statement.text}`,
            statement.values,
          );
          console.log(`${name}\n${text.rows.map((r) => r['QUERY PLAN']).join('\n')}`);
        }
        const logNodes = all.filter((node) => LOG_TABLES.has(node['Relation Name'] ?? ''));
        for (const node of logNodes) {
          if (node['Node Type'] === 'Seq Scan') bad.push(`${name}: Seq Scan on ${node['Relation Name']}`);
        }
        const read = logNodes.reduce((sum, node) => sum + rowsRead(node), 0);
        // A page reads its rows (plus ties and, for a host's filtered list, that host's runs);
        // the host × type facts one run or two per pair; a deep page what it skips.
        const limit = /status facts|metrics types/.test(name)
          ? 2 * PAIRS
          : name === 'backups deep page'
            ? 3000
            : 1000;
        if (read > limit) bad.push(`${name}: read ${read} rows of log tables (at most ${limit})`);
        if (/total/.test(name) && !/backupId/.test(name) && logNodes.length > 0) {
          // Totals sum the count tables; they never read the rows they count.
          bad.push(`${name}: reads ${logNodes.map((node) => node['Relation Name'])}`);
        }
      }
    } finally {
      await client.end();
    }
    expect(bad).toEqual([]);
  }, 120_000);
});
