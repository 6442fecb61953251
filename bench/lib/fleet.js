// The fleet (issue 11): a centre with 10 and with 1,000 hosts × 4 types × a year of daily
// runs (~1.5 M rows), `status --fleet --nagios` over each, the per-run cost of the
// end-of-run ship, a 10,000-row backlog, and 50 hosts syncing at once.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ROOT } from './context.js';
import { fillRuns } from './fixtures.js';
import { interleave, stats, timeOnce } from './measure.js';
import { startBenchPostgres } from './postgres.js';

const TYPES = ['daily', 'weekly', 'monthly', 'manual'];
const DAYS = 365;

/** Bundles bench/lib/fleet-entry.js and fleet-cli.js (TypeScript sources) next to node_modules. */
async function bundle() {
  const outdir = join(ROOT, 'bench', '.work');
  mkdirSync(outdir, { recursive: true });
  await build({
    entryPoints: {
      'fleet-entry': join(ROOT, 'bench', 'lib', 'fleet-entry.js'),
      'fleet-cli': join(ROOT, 'bench', 'lib', 'fleet-cli.js'),
    },
    splitting: true,
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // pg is bundled, as the CLI's build bundles it; the native SQLite addon cannot be.
    external: ['better-sqlite3'],
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    logLevel: 'warning',
  });
  return join(outdir, 'fleet-entry.mjs');
}

/**
 * `hosts` hosts, each with a daily/weekly/monthly promise and a year of daily runs of each
 * of the 4 types (1 in 53 a failure), inserted by PostgreSQL itself.
 */
async function seed(pgc, mod, database, hosts) {
  await pgc.query(`CREATE DATABASE ${database}`);
  await mod.migrateFleet(mod.fleetConfig(pgc.url(database), 'seed'), { version: 'bench' });
  const started = process.hrtime.bigint();
  await pgc.query(
    `INSERT INTO hosts (host, instance_id, last_seen_at, version, expectations)
     SELECT 'host-' || lpad(h::text, 4, '0'), gen_random_uuid(), now() - interval '1 hour', 'bench',
            '{"daily": 93600000, "weekly": 691200000, "monthly": 2764800000}'
       FROM generate_series(1, $1) h`,
    [hosts],
    database,
  );
  await pgc.query(
    `INSERT INTO backup_logs (host, backup_id, instance_id, local_id, revision, type, status, started_at,
                              finished_at, duration_ms, exit_code, error_message, script, received_at)
     SELECT h.host, 'BKP-' || to_char(ts, 'YYYYMMDD-HH24MISS') || '-' || t.type, h.instance_id,
            d * 4 + t.n, 2, t.type, CASE WHEN (d + t.n * 7 + length(h.host)) % 53 = 0 THEN 'failure' ELSE 'success' END,
            ts, ts + interval '5 minutes', 300000,
            CASE WHEN (d + t.n * 7 + length(h.host)) % 53 = 0 THEN 1 ELSE 0 END,
            CASE WHEN (d + t.n * 7 + length(h.host)) % 53 = 0 THEN 'Backup script failed with exit code 1: disk full' END,
            '/opt/backup.sh', ts + interval '6 minutes'
       FROM hosts h
      CROSS JOIN unnest($1::text[]) WITH ORDINALITY AS t(type, n)
      CROSS JOIN generate_series(0, $2 - 1) AS d
      CROSS JOIN LATERAL (SELECT now() - interval '2 hours' - d * interval '1 day' + t.n * interval '1 minute' AS ts) x`,
    [TYPES, DAYS],
    database,
  );
  await pgc.query('VACUUM ANALYZE', [], database);
  const seedMs = Number(process.hrtime.bigint() - started) / 1e6;
  const [{ rows }] = await pgc.query('SELECT count(*)::int AS rows FROM backup_logs', [], database);
  const [{ size }] = await pgc.query(
    'SELECT pg_database_size(current_database())::float8 AS size',
    [],
    database,
  );
  return { hosts, rows, seedMs, bytes: size };
}

/** A read-only role under row-level security (mapped to every host), as a dashboard would use. */
async function reader(pgc, database) {
  await pgc.query(
    "DO $$ BEGIN CREATE ROLE bench_reader LOGIN PASSWORD 'reader-pw'; EXCEPTION WHEN duplicate_object THEN NULL; END $$",
  );
  await pgc.query(
    `GRANT SELECT ON hosts, backup_logs, latest_runs, host_roles, schema_version TO bench_reader;
     INSERT INTO host_roles VALUES ('bench_reader', '*')`,
    [],
    database,
  );
  return pgc.url(database, 'bench_reader', 'reader-pw');
}

const since = (started) => Number(process.hrtime.bigint() - started) / 1e6;

async function inProcessStatus(mod, url, runs) {
  const samples = [];
  for (let i = 0; i < runs + 1; i++) {
    const started = process.hrtime.bigint();
    await mod.withCentre(
      url,
      { timeoutMs: 60_000, applicationName: 'bench', secrets: [] },
      async ({ client }) => mod.judgeFleet(await mod.fleetSnapshot(client)),
    );
    if (i > 0) samples.push(since(started));
  }
  return stats(samples);
}

/** A 10,000-row backlog (runs shaped like real ones, 1 in 20 a failure with a 1 KiB tail). */
async function benchBacklog(b, mod, url, rounds) {
  const path = join(b.tmp, 'backlog', 'backup-alert.db');
  mod.Store.open(path).close();
  fillRuns(path, 10_000, { script: '/opt/backup.sh', host: 'bench', logDir: join(b.tmp, 'backlog') });
  const samples = [];
  for (let round = 0; round < rounds; round++) {
    const store = mod.Store.open(path);
    try {
      store.db.exec('UPDATE backup_logs SET acked_revision = 0');
      const started = process.hrtime.bigint();
      const result = await mod.syncOnce({
        db: store.db,
        fleet: mod.fleetConfig(url, `backlog-${round}`),
        version: 'bench',
        now: () => new Date(),
      });
      samples.push(since(started));
      if (result.error || result.shipped !== 10_000 || result.remaining !== 0) {
        throw new Error(`backlog sync went wrong: ${JSON.stringify(result)}`);
      }
    } finally {
      store.close();
    }
  }
  return stats(samples);
}

/** 50 local databases of 200 runs each, all syncing at the same moment. */
async function benchConcurrent(b, mod, pgc, database, rounds) {
  const paths = [];
  for (let i = 0; i < 50; i++) {
    const path = join(b.tmp, `host-${i}`, 'backup-alert.db');
    mod.Store.open(path).close();
    fillRuns(path, 200, { script: '/opt/backup.sh', host: `h${i}`, logDir: join(b.tmp, `host-${i}`) });
    paths.push(path);
  }
  const samples = [];
  for (let round = 0; round < rounds; round++) {
    const stores = paths.map((path) => mod.Store.open(path));
    try {
      for (const store of stores) store.db.exec('UPDATE backup_logs SET acked_revision = 0');
      const started = process.hrtime.bigint();
      const results = await Promise.all(
        stores.map((store, i) =>
          mod.syncOnce({
            db: store.db,
            fleet: mod.fleetConfig(pgc.url(database), `c${round}-h${i}`),
            version: 'bench',
            now: () => new Date(),
          }),
        ),
      );
      samples.push(since(started));
      const failed = results.filter((r) => r.error || r.remaining !== 0);
      if (failed.length > 0) throw new Error(`concurrent sync went wrong: ${JSON.stringify(failed[0])}`);
    } finally {
      for (const store of stores) store.close();
    }
    const [{ n }] = await pgc.query(
      'SELECT count(*)::int AS n FROM backup_logs WHERE host LIKE $1',
      [`c${round}-h%`],
      database,
    );
    if (n !== 50 * 200) throw new Error(`expected ${50 * 200} rows at the centre, found ${n}`);
  }
  return { ...stats(samples), rowsPerRound: 50 * 200, errors: 0 };
}

export async function benchFleet(b, { hosts = [10, 1000], runs = 7 } = {}) {
  const pgc = await startBenchPostgres(b.tmp);
  try {
    const mod = await import(await bundle());
    const centres = {};
    for (const count of hosts) centres[count] = await seed(pgc, mod, `fleet_${count}`, count);
    const largest = Math.max(...hosts);
    const readerUrl = await reader(pgc, `fleet_${largest}`);

    const entry = join(ROOT, 'bench', '.work', 'fleet-cli.mjs');
    const cases = [{ name: 'node -e 0', run: () => b.node(['-e', '0']) }];
    // status --fleet --nagios exits 0 here whatever the health (1 only when it cannot read).
    for (const count of hosts) {
      cases.push({
        name: `status@${count}`,
        run: () => timed(b, entry, ['status'], { BENCH_URL: pgc.url(`fleet_${count}`) }),
      });
    }
    cases.push({
      name: `status@${largest} as reader (RLS)`,
      run: () => timed(b, entry, ['status'], { BENCH_URL: readerUrl }),
    });
    const status = await interleave(cases, { runs, warmup: 1 });
    const inProcess = {};
    for (const count of hosts) inProcess[count] = await inProcessStatus(mod, pgc.url(`fleet_${count}`), runs);

    await pgc.query('CREATE DATABASE fleet_ship');
    const shipUrl = pgc.url('fleet_ship');
    const runDb = join(b.tmp, 'run', 'backup-alert.db');
    const perRun = await interleave(
      [
        { name: 'record', run: () => timed(b, entry, ['record'], { BENCH_DB: runDb }) },
        {
          name: 'record + sync',
          run: () => timed(b, entry, ['sync'], { BENCH_DB: runDb, BENCH_URL: shipUrl }),
        },
      ],
      { runs: Math.max(runs, 11), warmup: 1 },
    );
    // The ship alone, in-process (pg already loaded, as after the first run of a long-lived process).
    const shipOnly = [];
    const local = mod.Store.open(join(b.tmp, 'inproc', 'backup-alert.db'));
    try {
      for (let i = 0; i < Math.max(runs, 11) + 1; i++) {
        local.runs.insert(
          {
            type: 'daily',
            startedAt: new Date().toISOString(),
            script: null,
            host: 'b',
            pid: 1,
            logPathTemplate: null,
          },
          new Date(Date.now() + i * 1000),
        );
        const started = process.hrtime.bigint();
        const result = await mod.syncOnce({
          db: local.db,
          fleet: mod.fleetConfig(shipUrl, 'bench-inproc'),
          version: 'bench',
          now: () => new Date(),
        });
        if (result.error) throw new Error(JSON.stringify(result.error));
        if (i > 0) shipOnly.push(since(started));
      }
    } finally {
      local.close();
    }
    const perRunCpu = { record: cpu(perRun.record), sync: cpu(perRun['record + sync']) };
    const statusCpu = Object.fromEntries(hosts.map((count) => [count, cpu(status[`status@${count}`])]));
    const backlog = await benchBacklog(b, mod, shipUrl, 5);
    const concurrent = await benchConcurrent(b, mod, pgc, 'fleet_ship', 3);
    return {
      centres,
      status,
      statusCpu,
      inProcess,
      perRun,
      perRunCpu,
      shipOnly: stats(shipOnly),
      backlog,
      concurrent,
    };
  } finally {
    pgc.stop();
  }
}

/** One process as cron would start it: the bundled entry under a clean environment; wall and CPU time. */
async function timed(b, entry, args, extraEnv) {
  const cpuFile = join(b.tmp, `cpu.${process.pid}`);
  rmSync(cpuFile, { force: true });
  const result = await timeOnce(process.execPath, [entry, ...args], {
    env: b.env({ ...extraEnv, BENCH_CPU_FILE: cpuFile }),
    cwd: b.tmp,
  });
  return { ...result, cpuMs: Number(readFileSync(cpuFile, 'utf8')) };
}

/** Median CPU time of a case measured by `timed`. */
const cpu = (result) => stats(result.results.map((r) => r.cpuMs));
