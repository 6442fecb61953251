import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyRetention } from '../../src/run/side-tasks.js';
import type { Logger } from '../../src/shared/logger.js';
import { createLogger } from '../../src/shared/logger.js';
import { Store } from '../../src/store/store.js';
import { runMain } from '../helpers/cli.js';
import { finishRun } from '../helpers/db.js';
import { tempDir } from '../helpers/tmp.js';

const DAY = 86_400_000;
const NOW = new Date('2025-06-01T12:00:00.000Z');

interface Fixture {
  dir: string;
  db: string;
  ids: { old1: string; old2: string; recent: string; running: string };
  logs: Record<string, string>;
}

/** Two old runs (with log files, notifications, audit rows), one recent, one old but still running. */
function fixture(): Fixture {
  const dir = tempDir();
  const db = join(dir, 'state', 'backup-alert.db');
  const store = Store.open(db);
  const logs: Record<string, string> = {};
  const add = (daysAgo: number, finish: boolean) => {
    const started = new Date(NOW.getTime() - daysAgo * DAY);
    const { backupId, logPath } = store.runs.insert(
      {
        type: 'daily',
        startedAt: started.toISOString(),
        script: '/x.sh',
        host: 'h',
        pid: 1,
        logPathTemplate: join(dir, 'logs-{id}.log'),
      },
      started,
    );
    writeFileSync(logPath!, 'output\n');
    logs[backupId] = logPath!;
    if (finish) {
      finishRun(store, backupId, {
        status: 'failure',
        finishedAt: new Date(started.getTime() + 60_000).toISOString(),
        durationMs: 60_000,
        exitCode: 1,
        signal: null,
        errorMessage: 'Backup script failed with exit code 1',
        outputTail: null,
      });
      store.notifications.insert({
        notificationType: 'failure',
        channel: 'email',
        recipient: 'ops@example.com',
        subject: 's',
        status: 'sent',
        errorMessage: null,
        sentAt: started.toISOString(),
        attempts: 1,
        payload: null,
        backupId,
      });
    }
    store.audit.write({
      operation: 'run',
      backupId,
      username: 'u',
      host: 'h',
      status: 'x',
      details: null,
      createdAt: started.toISOString(),
    });
    return backupId;
  };
  const ids = { old1: add(100, true), old2: add(95, true), recent: add(3, true), running: add(200, false) };
  store.close();
  return { dir, db, ids, logs };
}

const count = (db: string, table: string) => {
  const store = Store.open(db);
  try {
    return store.db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number;
  } finally {
    store.close();
  }
};

describe('prune --older-than', () => {
  it('removes old rows and their log files, keeps recent and running ones, and audits', async () => {
    const f = fixture();
    rmSync(f.logs[f.ids.old2]!); // a file already gone is fine
    const result = await runMain(['prune', '--older-than', '90d', '--db', f.db], { now: () => NOW });
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(
      'Removed 2 runs, 2 notifications, 3 audit rows, 1 log file older than 90d',
    );

    const store = Store.open(f.db);
    expect(
      store.runs
        .list()
        .map((r) => r.backup_id)
        .sort(),
    ).toEqual([f.ids.recent, f.ids.running].sort());
    expect(store.notifications.list().map((n) => n.backup_id)).toEqual([f.ids.recent]);
    const audit = store.db.prepare('SELECT operation, details FROM backup_audit_logs ORDER BY id').all() as {
      operation: string;
      details: string;
    }[];
    expect(audit.map((a) => a.operation)).toEqual(['run', 'prune']);
    expect(JSON.parse(audit[1]!.details)).toMatchObject({ runs: 2, notifications: 2, logFiles: 1 });
    store.close();
    expect(existsSync(f.logs[f.ids.old1]!)).toBe(false);
    expect(existsSync(f.logs[f.ids.recent]!)).toBe(true);
    expect(existsSync(f.logs[f.ids.running]!)).toBe(true);
  });

  it('--dry-run reports the same counts and removes nothing', async () => {
    const f = fixture();
    const result = await runMain(['prune', '--older-than', '90d', '--dry-run', '--db', f.db], {
      now: () => NOW,
    });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('Would remove 2 runs, 2 notifications, 3 audit rows, 2 log files');
    expect(count(f.db, 'backup_logs')).toBe(4);
    expect(count(f.db, 'notification_logs')).toBe(3);
    expect(count(f.db, 'backup_audit_logs')).toBe(4);
    for (const path of Object.values(f.logs)) expect(existsSync(path)).toBe(true);
  });

  it('is all or nothing: a failing delete keeps every row and every file', async () => {
    const f = fixture();
    const store = Store.open(f.db);
    // The last delete of the transaction fails, after the runs were already deleted inside it.
    store.db.exec(
      "CREATE TRIGGER boom BEFORE DELETE ON backup_audit_logs BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END;",
    );
    store.close();
    const result = await runMain(['prune', '--older-than', '90d', '--db', f.db], { now: () => NOW });
    expect(result.exitCode).toBe(70);
    expect(count(f.db, 'backup_logs')).toBe(4);
    expect(count(f.db, 'notification_logs')).toBe(3);
    for (const path of Object.values(f.logs)) expect(existsSync(path)).toBe(true);
  });

  it.each(['ninety days', '0d', '-5d', ''])('rejects --older-than %j with exit 2', async (value) => {
    const dir = tempDir();
    const result = await runMain(['prune', '--older-than', value, '--db', join(dir, 'x.db')]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--older-than');
  });

  it('says what is wrong with --older-than 0s instead of calling it not a duration', async () => {
    const result = await runMain(['prune', '--older-than', '0s', '--db', join(tempDir(), 'x.db')]);
    expect(result).toMatchObject({
      exitCode: 2,
      stderr:
        'backup-alert: --older-than "0s" would delete every finished run: give an age longer than 0, e.g. 90d\n',
    });
  });
});

describe('applyRetention', () => {
  const silent = () => createLogger({ write: () => {}, level: 'silent' });
  const retain = (store: Store, retentionMs: number | undefined, logger: Logger) =>
    applyRetention({
      config: retentionMs === undefined ? {} : { retentionMs },
      journal: store,
      logger,
      now: () => NOW,
      username: 'u',
      hostname: 'h',
    });

  it('does nothing when BACKUP_ALERT_RETENTION is unset', () => {
    const f = fixture();
    const store = Store.open(f.db);
    expect(retain(store, undefined, silent())).toBeNull();
    expect(store.runs.list()).toHaveLength(4);
    store.close();
  });

  it('prunes by the retention period and logs what it removed', () => {
    const f = fixture();
    const store = Store.open(f.db);
    const lines: string[] = [];
    const logger = createLogger({ write: (line) => lines.push(line) });
    const result = retain(store, 30 * DAY, logger);
    expect(result).toMatchObject({ runs: 2, logFiles: 2 });
    expect(lines.join('')).toContain('[INFO] [Prune] Retention 30d: removed 2 runs');
    expect(
      store.db.prepare("SELECT COUNT(*) FROM backup_audit_logs WHERE operation = 'prune'").pluck().get(),
    ).toBe(1);
    store.close();
  });

  it('never throws: a broken database is only a warning', () => {
    const f = fixture();
    const store = Store.open(f.db);
    store.close();
    const lines: string[] = [];
    const logger = createLogger({ write: (line) => lines.push(line) });
    expect(retain(store, DAY, logger)).toBeNull();
    expect(lines.join('')).toContain('[WARN] [Prune] Retention clean-up failed');
  });

  it('prune() leaves a path a kept run still uses', () => {
    const f = fixture();
    const store = Store.open(f.db);
    store.db
      .prepare('UPDATE backup_logs SET log_path = ? WHERE backup_id = ?')
      .run(f.logs[f.ids.old1], f.ids.recent);
    const result = store.prune(new Date(NOW.getTime() - 90 * DAY));
    expect(result.logFiles).toBe(1);
    expect(existsSync(f.logs[f.ids.old1]!)).toBe(true);
    store.close();
  });
});
