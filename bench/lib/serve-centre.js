// `serve` over the centre (issue 14): GET /api/v1/backups?limit=20 at 1 M runs in PostgreSQL
// with 50 concurrent connections (autocannon, loopback, bounded in time), `/` for 1,000 hosts
// × 4 types, and the server's memory through it all. The server reads as a dashboard role
// would (row-level security on, every host mapped), through serve's own pool (4 connections).
// Standalone: node bench/lib/serve-centre.js [--full]   (quick: 100k runs; --full: 1 M runs)
import { fileURLToPath } from 'node:url';
import { createBenchContext } from './context.js';
import { stats } from './measure.js';
import { startBenchPostgres } from './postgres.js';
import { bundleChild, load, percentile, sampled, startChild, TOKEN } from './serve.js';

const HOSTS = 1_000;
const TYPES = ['daily', 'weekly', 'monthly', 'manual'];

/**
 * `days` of runs for each of 1,000 hosts × 4 types (1 in 53 a failure, with its alert, 1 in 7
 * of those still pending), inserted by PostgreSQL itself through the real triggers, then
 * analysed.
 */
async function seed(pgc, database, days) {
  const started = process.hrtime.bigint();
  await pgc.query(
    `INSERT INTO hosts (host, instance_id, last_seen_at, version, expectations)
     SELECT 'host-' || lpad(h::text, 4, '0'), gen_random_uuid(), now() - interval '1 hour', 'bench',
            '{"daily": 93600000, "weekly": 691200000, "monthly": 2764800000}'
       FROM generate_series(1, $1) h`,
    [HOSTS],
    database,
  );
  await pgc.query(
    `INSERT INTO backup_logs (host, backup_id, instance_id, local_id, revision, type, status, started_at,
                              finished_at, duration_ms, exit_code, error_message, output_tail, script, received_at)
     SELECT h.host, 'BKP-' || to_char(ts, 'YYYYMMDD-HH24MISS') || '-' || t.type, h.instance_id,
            d * 4 + t.n, 2, t.type, CASE WHEN f THEN 'failure' ELSE 'success' END,
            ts, ts + interval '5 minutes', 300000, CASE WHEN f THEN 23 ELSE 0 END,
            CASE WHEN f THEN 'Backup script failed with exit code 23: rsync error: some files could not be transferred' END,
            CASE WHEN f THEN repeat('rsync: send_files failed to open "/srv/data/locked.db": Permission denied (13)' || chr(10), 12) END,
            '/opt/backup.sh', ts + interval '6 minutes'
       FROM hosts h
      CROSS JOIN unnest($1::text[]) WITH ORDINALITY AS t(type, n)
      CROSS JOIN generate_series(0, $2 - 1) AS d
      CROSS JOIN LATERAL (SELECT now() - interval '2 hours' - d * interval '1 day' + t.n * interval '1 minute' AS ts,
                                 (d * 7 + t.n * 13 + hashtext(h.host)) % 53 = 0 AS f) x`,
    [TYPES, days],
    database,
  );
  await pgc.query(
    `INSERT INTO notification_logs (host, instance_id, local_id, revision, notification_type, channel, recipient,
                                    subject, status, error_message, sent_at, attempts, backup_id, created_at)
     SELECT host, instance_id, local_id, 1, 'backup_failure', 'email', 'ops@example.com',
            '【緊急】バックアップ失敗: ' || backup_id, CASE WHEN local_id % 7 = 0 THEN 'pending' ELSE 'sent' END,
            CASE WHEN local_id % 7 = 0 THEN 'ECONNREFUSED' END, finished_at, 1, backup_id, finished_at
       FROM backup_logs WHERE status = 'failure'`,
    [],
    database,
  );
  await pgc.query('VACUUM ANALYZE', [], database);
  const [{ rows }] = await pgc.query('SELECT count(*)::int AS rows FROM backup_logs', [], database);
  return { rows, seedMs: Number(process.hrtime.bigint() - started) / 1e6 };
}

export async function benchServeCentre(b) {
  const days = b.full ? 250 : 25;
  const seconds = b.full ? 10 : 5;
  const pgc = await startBenchPostgres(b.tmp);
  try {
    const database = 'serve_bench';
    await pgc.query(`CREATE DATABASE ${database}`);
    const script = await bundleChild(b);
    // The schema, by `fleet migrate`'s code in the bundled child, as the database's owner.
    const migrator = await startChild(script, pgc.url(database), ['--migrate']);
    await migrator.stop();
    const seeded = await seed(pgc, database, days);
    await pgc.query(
      `CREATE ROLE serve_reader LOGIN PASSWORD 'reader-pw';
       GRANT SELECT ON ALL TABLES IN SCHEMA public TO serve_reader;
       INSERT INTO host_roles VALUES ('serve_reader', '*');`,
      [],
      database,
    );
    const server = await startChild(script, pgc.url(database, 'serve_reader', 'reader-pw'));
    try {
      const list = `${server.url}api/v1/backups?limit=20`;
      const rssIdle = server.rssMiB();
      await load(list, 1);
      await server.ask('timings');
      const rounds = [];
      for (let round = 0; round < (b.full ? 3 : 2); round++) {
        const { result, rss } = await sampled(server, () => load(list, seconds));
        const { timings, cpuMs } = await server.ask('timings');
        const times = timings['/api/v1/backups'] ?? [];
        if (result.non2xx > 0 || result.errors > 0) {
          throw new Error(`list under load: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
        }
        rounds.push({
          requests: times.length,
          requestsPerSecond: result.requests.average,
          cpuPerRequestMs: cpuMs / times.length,
          serverMedianMs: stats(times).median,
          serverP99Ms: percentile(times, 99),
          clientP50Ms: result.latency.p50,
          clientP99Ms: result.latency.p99,
          rssStartMiB: rss[0],
          rssPeakMiB: Math.max(...rss),
          rssEndMiB: rss[rss.length - 1],
        });
      }
      // One request at a time: the server time of the list alone, without queueing behind 49 others.
      for (let i = 0; i < 200; i++) {
        const response = await fetch(list, { headers: { authorization: `Bearer ${TOKEN}` } });
        await response.arrayBuffer();
      }
      const single = (await server.ask('timings')).timings['/api/v1/backups'] ?? [];
      const getPage = async () => {
        const response = await fetch(`${server.url}?lang=en`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        const text = await response.text();
        if (response.status !== 200 || !text.includes('host-1000'))
          throw new Error(`page: HTTP ${response.status}`);
        return Buffer.byteLength(text);
      };
      const bytes = await getPage();
      await server.ask('timings');
      for (let i = 0; i < (b.full ? 30 : 15); i++) await getPage();
      const pageReport = await server.ask('timings');
      const page = pageReport.timings['/'] ?? [];
      return {
        rows: seeded.rows,
        seedMs: seeded.seedMs,
        hosts: HOSTS,
        types: TYPES.length,
        connections: 50,
        secondsPerRound: seconds,
        rssIdleMiB: rssIdle,
        list: rounds,
        listAlone: { medianMs: stats(single).median, p99Ms: percentile(single, 99) },
        page: {
          bytes,
          medianMs: stats(page).median,
          maxMs: stats(page).max,
          cpuMs: pageReport.cpuMs / page.length,
        },
        rssAfterMiB: server.rssMiB(),
      };
    } finally {
      await server.stop();
    }
  } finally {
    pgc.stop();
  }
}

const f1 = (n) => n.toFixed(1);

export function serveCentreRows(r) {
  const rows = r.list.map((round, i) => ({
    figure: `centre: GET /api/v1/backups?limit=20, round ${i + 1} (${r.connections} conns, ${r.secondsPerRound} s)`,
    value: `server median ${f1(round.serverMedianMs)} ms, p99 ${f1(round.serverP99Ms)} ms; client p50 ${f1(round.clientP50Ms)} ms, p99 ${f1(round.clientP99Ms)} ms; ${Math.round(round.requestsPerSecond)} req/s; server CPU ${round.cpuPerRequestMs.toFixed(2)} ms/request`,
    memory: `RSS ${f1(round.rssStartMiB)} → peak ${f1(round.rssPeakMiB)} → ${f1(round.rssEndMiB)} MiB`,
  }));
  rows.push({
    figure: 'centre: GET /api/v1/backups?limit=20, one request at a time',
    value: `server median ${f1(r.listAlone.medianMs)} ms, p99 ${f1(r.listAlone.p99Ms)} ms`,
    memory: '',
  });
  rows.push({
    figure: `centre: GET / (${r.hosts} hosts × ${r.types} types, ${Math.round(r.page.bytes / 1024)} KiB of HTML)`,
    value: `server median ${f1(r.page.medianMs)} ms (max ${f1(r.page.maxMs)}, CPU ${f1(r.page.cpuMs)} ms)`,
    memory: `RSS idle ${f1(r.rssIdleMiB)} MiB, after everything ${f1(r.rssAfterMiB)} MiB`,
  });
  return rows;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const full = process.argv.includes('--full');
  const b = createBenchContext({ full });
  const bound = setTimeout(
    () => {
      process.stderr.write(`bench serve-centre: took too long; cleaning up ${b.tmp}\n`);
      b.cleanup();
      process.exit(1);
    },
    (full ? 30 : 8) * 60_000,
  );
  try {
    const r = await benchServeCentre(b);
    process.stdout.write(
      `serve over the centre (${full ? 'full' : 'quick'}): ${r.rows} runs, seeded in ${f1(r.seedMs / 1000)} s\n`,
    );
    for (const row of serveCentreRows(r))
      process.stdout.write(`- ${row.figure}\n    ${row.value}\n${row.memory ? `    ${row.memory}\n` : ''}`);
    process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  } finally {
    clearTimeout(bound);
    b.cleanup();
  }
}
