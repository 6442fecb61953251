// A centre's history for the fleet figures: `hosts` hosts (host-0001…), each
// promising daily, weekly and monthly runs, with `days` days of daily runs of each
// of 4 types (1 in 53 a failure, with its alert; and the latest daily run of every
// hundredth host failed, so that the check and the page have hosts in trouble to show),
// inserted by PostgreSQL itself (through the real triggers) into a schema `fleet migrate` made.
const TYPES = ['daily', 'weekly', 'monthly', 'manual'];

const CHUNK_DAYS = 32;

export async function seedCentre(pgc, database, hosts, days, progress) {
  const started = process.hrtime.bigint();
  await pgc.query(
    `INSERT INTO hosts (host, instance_id, last_seen_at, version, expectations)
     SELECT 'host-' || lpad(h::text, greatest(4, length($1::text)), '0'), gen_random_uuid(), now() - interval '1 hour', 'bench',
            '{"daily": 93600000, "weekly": 691200000, "monthly": 2764800000}'
       FROM generate_series(1, $1) h`,
    [hosts],
    database,
  );
  // A month at a time, oldest first (as the rows would have arrived): each statement's
  // triggers refresh latest_runs and host_summary once for every pair it touched.
  for (let to = days - 1; to >= 0; to -= CHUNK_DAYS) {
    const from = Math.max(0, to - CHUNK_DAYS + 1);
    await pgc.query(
      `INSERT INTO backup_logs (host, backup_id, instance_id, local_id, revision, type, status, started_at,
                                finished_at, duration_ms, exit_code, error_message, script, received_at)
       SELECT h.host, 'BKP-' || to_char(ts, 'YYYYMMDD-HH24MISS') || '-' || t.type, h.instance_id,
              d * 4 + t.n, 2, t.type, CASE WHEN (d + t.n * 7 + length(h.host)) % 53 = 0 OR (d = 0 AND t.n = 1 AND h.host LIKE '%00') THEN 'failure' ELSE 'success' END,
              ts, ts + interval '5 minutes', 300000,
              CASE WHEN (d + t.n * 7 + length(h.host)) % 53 = 0 OR (d = 0 AND t.n = 1 AND h.host LIKE '%00') THEN 1 ELSE 0 END,
              CASE WHEN (d + t.n * 7 + length(h.host)) % 53 = 0 OR (d = 0 AND t.n = 1 AND h.host LIKE '%00') THEN 'Backup script failed with exit code 1: disk full' END,
              '/opt/backup.sh', ts + interval '6 minutes'
         FROM hosts h
        CROSS JOIN unnest($1::text[]) WITH ORDINALITY AS t(type, n)
        CROSS JOIN generate_series($2::int, $3::int) AS d
        CROSS JOIN LATERAL (SELECT now() - interval '2 hours' - d * interval '1 day' + t.n * interval '1 minute' AS ts) x`,
      [TYPES, from, to],
      database,
    );
    progress?.(days - from, days);
  }
  // Each failure's alert, one in 7 still pending (the dashboard lists undelivered alerts).
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
  const seedMs = Number(process.hrtime.bigint() - started) / 1e6;
  const [{ rows }] = await pgc.query('SELECT count(*)::int AS rows FROM backup_logs', [], database);
  const [{ size }] = await pgc.query(
    'SELECT pg_database_size(current_database())::float8 AS size',
    [],
    database,
  );
  return { hosts, days, rows, seedMs, bytes: size };
}

/**
 * A read-only role under row-level security, mapped to every host (as a dashboard
 * or a monitoring check would use); returns its URL.
 */
export async function setUpReader(pgc, database) {
  await pgc.query(
    "DO $$ BEGIN CREATE ROLE bench_reader LOGIN PASSWORD 'reader-pw'; EXCEPTION WHEN duplicate_object THEN NULL; END $$",
  );
  await pgc.query(
    `GRANT SELECT ON ALL TABLES IN SCHEMA public TO bench_reader;
     INSERT INTO host_roles VALUES ('bench_reader', '*')`,
    [],
    database,
  );
  return pgc.url(database, 'bench_reader', 'reader-pw');
}
