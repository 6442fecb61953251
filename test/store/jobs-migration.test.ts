import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate, SCHEMA_VERSION, versionBefore } from '../../src/store/schema.js';
import { Store } from '../../src/store/store.js';
import { runMain } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

// Issue 21, migration 10: a database written by the code before named jobs opens with every
// run still there, each run's job its type, and `status` as healthy as it was.

const NOW = new Date('2026-03-10T12:00:00.000Z');

describe('local schema 10 (jobs)', () => {
  it('an old database keeps every run, with job = type, and status stays healthy', async () => {
    const dir = tempDir();
    const path = join(dir, 'old.db');
    const old = new Database(path);
    migrate(old, versionBefore('backup_logs_job_default'));
    const insert = old.prepare(
      `INSERT INTO backup_logs (backup_id, type, status, started_at, finished_at, duration_ms, exit_code, host, pid)
       VALUES (?, ?, ?, ?, ?, 1000, ?, 'db1', 1)`,
    );
    const rows: Array<[string, string, string, string]> = [
      ['BKP-20260308-030000-daily', 'daily', 'failure', '2026-03-08T03:00:00.000Z'],
      ['BKP-20260309-030000-daily', 'daily', 'success', '2026-03-09T03:00:00.000Z'],
      ['BKP-20260310-030000-daily', 'daily', 'success', '2026-03-10T03:00:00.000Z'],
      ['BKP-20260308-040000-weekly', 'weekly', 'success', '2026-03-08T04:00:00.000Z'],
    ];
    for (const [id, type, status, at] of rows)
      insert.run(id, type, status, at, at, status === 'success' ? 0 : 1);
    old
      .prepare(
        `INSERT INTO incidents (host, type, cause, opened_at, first_backup_id, last_backup_id, failed_runs, closed_at)
         VALUES ('db1', 'daily', 'failure', '2026-03-08T03:00:00.000Z', 'BKP-20260308-030000-daily', 'BKP-20260308-030000-daily', 1, '2026-03-09T03:00:00.000Z')`,
      )
      .run();
    old.close();

    const store = Store.open(path);
    try {
      expect(store.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      const after = store.db
        .prepare('SELECT backup_id, job, type, is_test, revision FROM backup_logs ORDER BY id')
        .all() as Array<{ backup_id: string; job: string; type: string; is_test: number; revision: number }>;
      expect(after.map((r) => r.backup_id)).toEqual(rows.map((r) => r[0]));
      for (const row of after) {
        expect(row.job).toBe(row.type);
        expect(row.is_test).toBe(0);
        // Filling the column is no change to ship to the centre again.
        expect(row.revision).toBe(1);
      }
      expect(store.db.prepare('SELECT job FROM incidents').pluck().all()).toEqual(['daily']);
      // The counts the status pairs come from, keyed by job now.
      expect(
        store.db.prepare('SELECT job, type, status, n FROM backup_log_counts ORDER BY 1, 3').all(),
      ).toEqual([
        { job: 'daily', type: 'daily', status: 'failure', n: 1 },
        { job: 'daily', type: 'daily', status: 'success', n: 2 },
        { job: 'weekly', type: 'weekly', status: 'success', n: 1 },
      ]);
      // A row written the old way (no job) gets its type as job.
      store.db
        .prepare(
          `INSERT INTO backup_logs (backup_id, type, status, started_at) VALUES ('BKP-x-monthly', 'monthly', 'running', '2026-03-10T05:00:00.000Z')`,
        )
        .run();
      expect(
        store.db.prepare("SELECT job FROM backup_logs WHERE backup_id = 'BKP-x-monthly'").pluck().get(),
      ).toBe('monthly');
      store.db.prepare("DELETE FROM backup_logs WHERE backup_id = 'BKP-x-monthly'").run();
    } finally {
      store.close();
    }
    const status = await runMain(['status', '--db', path, '--max-age', '8d', '--nagios'], {
      now: () => NOW,
      env: { BACKUP_ALERT_JOBS_DIR: join(dir, 'jobs') },
      cwd: dir,
    });
    expect(status.stdout).toMatch(/^OK - daily: last success 9h ago; weekly: last success/);
    expect(status.exitCode).toBe(0);
  });

  it('two jobs of one type starting in the same second, from two connections, get two backup IDs', () => {
    const path = join(tempDir(), 'ids.db');
    const a = Store.open(path);
    const b = Store.open(path);
    try {
      const at = new Date('2026-03-10T03:00:00.400Z');
      const run = (job: string) => ({
        job,
        type: 'daily' as const,
        startedAt: at.toISOString(),
        script: '/x.sh',
        host: 'db1',
        pid: 1,
        logPathTemplate: null,
      });
      const first = a.runs.insert(run('pg'), at);
      const second = b.runs.insert(run('files'), at);
      expect([first.backupId, second.backupId]).toEqual([
        'BKP-20260310-030000-daily',
        'BKP-20260310-030000-daily-2',
      ]);
      expect(a.runs.get(second.backupId)?.job).toBe('files');
    } finally {
      a.close();
      b.close();
    }
  });
});
