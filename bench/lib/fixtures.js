// Scripts and databases the bench runs against, all inside its temp dir.
import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

const LINE = '2024-05-01T02:00:00Z backup: copied /var/lib/data/chunk-000123.bin (4096 bytes) ok';

const SCRIPTS = {
  // The success path with nothing else in the way.
  'ok.sh': '#!/bin/sh\nexit 0\n',
  // One line on stderr, then the exit code given as $1: the same work on the success
  // and the failure path, so the two differ only by what a failure sets off.
  'exit.sh': '#!/bin/sh\necho "tar: /var/lib/data: Cannot open: Permission denied" >&2\nexit "$1"\n',
  // $1 bytes in 100-byte lines from a slow, small-chunk writer (4 KiB writes through
  // stdio, like `tar -cv` listing files): issue 15's small-chunk case. Exits $2 when
  // given: the failing run of issue 22 item 9 writes the same output, then fails.
  'small-writer.sh':
    '#!/bin/bash\nhead -c "$1" /dev/zero | tr \'\\0\' a | fold -w 100\n[ -z "$2" ] || exit "$2"\n',
  // $1 bytes of log-like lines from `yes`, a writer that keeps the pipe full (our
  // reads come back full): the big-chunk case. Exits $2 when given.
  'big-writer.sh': `#!/bin/bash\nyes '${LINE}' | head -c "$1"\n[ -z "$2" ] || exit "$2"\n`,
  // A backup that writes a 4 KiB archive to $1 (always the same size: no size warning).
  'artifact.sh': '#!/bin/sh\nhead -c 4096 /dev/zero > "$1"\n',
  // A failure whose exit time is stamped (ns since the epoch) into $1 just before it exits.
  'fail-stamp.sh':
    '#!/bin/bash\necho "tar: /var/lib/data: Cannot open: Permission denied" >&2\ndate +%s%N > "$1"\nexit 1\n',
  // A failure with a full 64 KiB tail holding things BACKUP_ALERT_REDACT masks.
  'fail-noisy.sh': `#!/bin/bash\nyes 'pg_dump --dbname=postgres://backup:password=hunter2@db/prod token=abc123 failed' | head -c 200000\necho 'pg_dump: error: connection refused' >&2\nexit 1\n`,
};

/** Writes the fixture scripts into `dir` and returns their paths by name. */
export function writeScripts(dir) {
  const paths = {};
  for (const [name, body] of Object.entries(SCRIPTS)) {
    const path = join(dir, name);
    writeFileSync(path, body);
    chmodSync(path, 0o755);
    paths[name] = path;
  }
  return paths;
}

/** `BKP-YYYYMMDD-HHMMSS-{type}` as the CLI makes it. */
function backupId(date, type) {
  const iso = date.toISOString();
  return `BKP-${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}-${type}`;
}

// One host's mix: mostly daily, some weekly, monthly and manual runs.
const TYPES = ['daily', 'daily', 'daily', 'daily', 'weekly', 'monthly', 'manual'];
// A fleet's: every host runs each of these.
const FLEET_TYPES = ['daily', 'weekly', 'monthly', 'manual'];
const TAIL = `${'rsync: send_files failed to open "/srv/data/locked.db": Permission denied (13)\n'.repeat(12)}`;

/**
 * Adds `count` rows shaped like real ones to a database the CLI created (so the
 * schema, indexes and triggers are the real ones), in one transaction: one run a
 * minute going back in time, one in 20 a failure with an error message and a
 * ~1 KiB tail. With `hosts` (a number) the runs are spread over that many hosts
 * (`host-0000`…) × 4 types, as `serve` sees a fleet; otherwise all are `host`'s.
 */
export function fillRuns(dbPath, count, { script, host, hosts, logDir }) {
  const db = new Database(dbPath);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const insert = db.prepare(
    `INSERT OR IGNORE INTO backup_logs (backup_id, type, status, started_at, finished_at, duration_ms,
       exit_code, signal, error_message, output_tail, script, host, log_path, pid)
     VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?)`,
  );
  const hostOf = (i) => (hosts ? `host-${String(i % hosts).padStart(4, '0')}` : host);
  const typeOf = (i) =>
    hosts ? FLEET_TYPES[Math.floor(i / hosts) % FLEET_TYPES.length] : TYPES[i % TYPES.length];
  const start = Date.now() - 24 * 3600_000;
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const started = new Date(start - i * 60_000);
      const type = typeOf(i);
      const id = backupId(started, type);
      const failed = i % 20 === 7;
      const duration = 60_000 + (i % 97) * 1000;
      insert.run(
        id,
        type,
        failed ? 'failure' : 'success',
        started.toISOString(),
        new Date(started.getTime() + duration).toISOString(),
        duration,
        failed ? 23 : 0,
        failed
          ? 'Backup script failed with exit code 23: rsync error: some files could not be transferred'
          : null,
        failed ? TAIL : null,
        script,
        hostOf(i),
        join(logDir, `${id}.log`),
        10_000 + (i % 30_000),
      );
    }
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

/** Bytes the database really uses: pages in use (not on the free list) times the page size. */
export function usedBytes(dbPath) {
  const db = new Database(dbPath);
  db.pragma('wal_checkpoint(TRUNCATE)');
  const pageSize = db.pragma('page_size', { simple: true });
  const pages = db.pragma('page_count', { simple: true });
  const free = db.pragma('freelist_count', { simple: true });
  const rows = db.prepare('SELECT count(*) FROM backup_logs').pluck().get();
  db.close();
  return { bytes: (pages - free) * pageSize, rows, fileBytes: statSync(dbPath).size };
}

/**
 * Growth per success row as the CLI writes them: clone real success rows the
 * CLI produced (same column lengths, fresh IDs) `count` times, VACUUM, and
 * divide the growth in used pages by the rows added.
 */
export function growthPerSuccessRow(dbPath, count) {
  const db = new Database(dbPath);
  db.exec('VACUUM');
  const pageSize = db.pragma('page_size', { simple: true });
  const used = () =>
    db.pragma('page_count', { simple: true }) - db.pragma('freelist_count', { simple: true });
  const sample = db
    .prepare(
      "SELECT * FROM backup_logs WHERE status = 'success' AND pid IS NOT NULL ORDER BY id DESC LIMIT 1",
    )
    .get();
  if (!sample) throw new Error('no success row written by the CLI to measure');
  const before = used();
  const insert = db.prepare(
    `INSERT INTO backup_logs (backup_id, type, status, started_at, finished_at, duration_ms, exit_code,
       signal, error_message, output_tail, script, host, log_path, pid)
     VALUES (?, ?, 'success', ?, ?, ?, ?, NULL, NULL, NULL, ?, ?, ?, ?)`,
  );
  // Future timestamps so the clones sort after everything (as new runs do), one a second.
  const base = Date.parse(sample.started_at) + 86_400_000;
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const started = new Date(base + i * 1000);
      const id = backupId(started, sample.type);
      insert.run(
        id,
        sample.type,
        started.toISOString(),
        new Date(started.getTime() + sample.duration_ms).toISOString(),
        sample.duration_ms,
        sample.exit_code,
        sample.script,
        sample.host,
        sample.log_path.replace(sample.backup_id, id),
        sample.pid,
      );
    }
  })();
  db.exec('VACUUM');
  const after = used();
  db.close();
  return { bytesPerRow: ((after - before) * pageSize) / count, rows: count, sample };
}
