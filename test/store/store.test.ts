import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { BackupType } from '../../src/shared/run-result.js';
import type { NewRun, RunRow } from '../../src/store/rows.js';
import { SCHEMA_VERSION } from '../../src/store/schema.js';
import { Store } from '../../src/store/store.js';
import { finishRun } from '../helpers/db.js';
import { tempDir } from '../helpers/tmp.js';

function openTemp(): { store: Store; path: string; dir: string } {
  const dir = join(tempDir(), 'state', 'backup-alert');
  const path = join(dir, 'backup-alert.db');
  const store = Store.open(path);
  return { store, path, dir };
}

function newRun(type: BackupType, overrides: Partial<NewRun> = {}): NewRun {
  return {
    type,
    startedAt: '2026-03-04T05:06:07.890Z',
    script: '/opt/backup/backup.sh',
    host: 'db1',
    pid: 4242,
    logPathTemplate: '/var/lib/backup-alert/runs/{id}.log',
    ...overrides,
  };
}

/** Inserts a finished run started at `iso`. */
function finished(
  store: Store,
  type: BackupType,
  iso: string,
  status: 'success' | 'failure' | 'abandoned',
): string {
  const { backupId } = store.runs.insert(newRun(type, { startedAt: iso }), new Date(iso));
  finishRun(store, backupId, {
    status,
    finishedAt: iso,
    durationMs: 1000,
    exitCode: status === 'success' ? 0 : status === 'failure' ? 1 : null,
    signal: null,
    errorMessage: status === 'success' ? null : 'boom',
    outputTail: null,
  });
  return backupId;
}

describe('Store.open', () => {
  it('creates the directory 0700 and the file 0600, the WAL too', () => {
    const { store, path, dir } = openTemp();
    try {
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      store.runs.insert(newRun('daily'), new Date());
      // SQLite creates -wal/-shm with the database file's permissions.
      expect(existsSync(`${path}-wal`)).toBe(true);
      expect(statSync(`${path}-wal`).mode & 0o777).toBe(0o600);
    } finally {
      store.close();
    }
  });

  it('uses WAL, a busy timeout and the current schema version', () => {
    const { store } = openTemp();
    try {
      expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(store.db.pragma('busy_timeout', { simple: true })).toBeGreaterThanOrEqual(1000);
      expect(store.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(1);
      const tables = store.db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .pluck()
        .all();
      expect(tables).toEqual(
        expect.arrayContaining([
          'backup_audit_logs',
          'backup_logs',
          'incidents',
          'notification_channels',
          'notification_logs',
          'silences',
        ]),
      );
    } finally {
      store.close();
    }
  });

  it('has indexes for "latest by type" and "by status, newest first"', () => {
    const { store } = openTemp();
    try {
      const plan = (sql: string) =>
        (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>)
          .map((row) => row.detail)
          .join('\n');
      expect(plan("SELECT * FROM backup_logs WHERE type = 'daily' ORDER BY started_at DESC LIMIT 1")).toMatch(
        /USING INDEX/,
      );
      expect(
        plan("SELECT * FROM backup_logs WHERE status = 'failure' ORDER BY started_at DESC LIMIT 20"),
      ).toMatch(/USING INDEX/);
    } finally {
      store.close();
    }
  });

  it('re-opening is idempotent and keeps the data', () => {
    const { store, path } = openTemp();
    const { backupId } = store.runs.insert(newRun('daily'), new Date('2026-03-04T05:06:07.890Z'));
    store.close();
    for (let index = 0; index < 3; index++) {
      const again = Store.open(path);
      try {
        expect(again.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
        expect(again.runs.get(backupId)?.status).toBe('running');
        expect(again.runs.list()).toHaveLength(1);
      } finally {
        again.close();
      }
    }
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('refuses a database from a newer backup-alert with a clear error, leaving it untouched', () => {
    const { store, path } = openTemp();
    store.close();
    const raw = new Database(path);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    expect(() => Store.open(path)).toThrow(
      `database schema version ${SCHEMA_VERSION + 1} is newer than this backup-alert understands (${SCHEMA_VERSION}); upgrade backup-alert`,
    );
    const check = new Database(path, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 1);
    check.close();
  });

  it('opens read-only without creating anything', () => {
    const dir = tempDir();
    const path = join(dir, 'none', 'backup-alert.db');
    expect(() => Store.open(path, { readonly: true })).toThrow();
    expect(existsSync(join(dir, 'none'))).toBe(false);
  });
});

describe('backup IDs', () => {
  it('are BKP-YYYYMMDD-HHMMSS-type from the UTC start, then -2, -3 within the same second', () => {
    const { store } = openTemp();
    try {
      const at = (ms: number) => new Date(Date.UTC(2026, 2, 4, 5, 6, 7, ms));
      const ids = [0, 100, 999].map((ms) => store.runs.insert(newRun('daily'), at(ms)).backupId);
      expect(ids).toEqual([
        'BKP-20260304-050607-daily',
        'BKP-20260304-050607-daily-2',
        'BKP-20260304-050607-daily-3',
      ]);
      // Another type in the same second, and the next second, start afresh.
      expect(store.runs.insert(newRun('weekly'), at(500)).backupId).toBe('BKP-20260304-050607-weekly');
      expect(store.runs.insert(newRun('daily'), new Date(Date.UTC(2026, 2, 4, 5, 6, 8))).backupId).toBe(
        'BKP-20260304-050608-daily',
      );
    } finally {
      store.close();
    }
  });

  it('use UTC whatever the local time zone says, with zero-padded fields', () => {
    const { store } = openTemp();
    try {
      // 2026-01-01 00:00:09 in Tokyo is still 2025-12-31 in UTC.
      const { backupId, logPath } = store.runs.insert(
        newRun('monthly'),
        new Date('2026-01-01T00:00:09+09:00'),
      );
      expect(backupId).toBe('BKP-20251231-150009-monthly');
      expect(logPath).toBe('/var/lib/backup-alert/runs/BKP-20251231-150009-monthly.log');
    } finally {
      store.close();
    }
  });

  it('insertRun records a running row with everything we know before the script starts', () => {
    const { store } = openTemp();
    try {
      const { backupId } = store.runs.insert(newRun('daily'), new Date('2026-03-04T05:06:07.890Z'));
      expect(store.runs.get(backupId)).toMatchObject<Partial<RunRow>>({
        backup_id: backupId,
        type: 'daily',
        status: 'running',
        started_at: '2026-03-04T05:06:07.890Z',
        finished_at: null,
        exit_code: null,
        script: '/opt/backup/backup.sh',
        host: 'db1',
        pid: 4242,
        log_path: `/var/lib/backup-alert/runs/${backupId}.log`,
      });
    } finally {
      store.close();
    }
  });
});

describe('markAbandoned', () => {
  it('only touches running rows the predicate selects, and returns them as abandoned', () => {
    const { store } = openTemp();
    try {
      const base = Date.UTC(2026, 2, 4, 5, 0, 0);
      const ids = [101, 102, 103].map(
        (pid, index) =>
          store.runs.insert(
            newRun('daily', { pid, startedAt: new Date(base + index * 1000).toISOString() }),
            new Date(base + index * 1000),
          ).backupId,
      );
      const done = finished(store, 'daily', '2026-03-04T04:00:00.000Z', 'failure');
      const seen: number[] = [];
      const gone = store.runs.markAbandoned((row) => {
        seen.push(row.pid ?? -1);
        return row.pid === 102;
      }, '2026-03-04T06:00:00.000Z');

      expect(seen.sort()).toEqual([101, 102, 103]); // finished rows are never offered
      expect(gone).toHaveLength(1);
      expect(gone[0]).toMatchObject({
        backup_id: ids[1],
        status: 'abandoned',
        finished_at: '2026-03-04T06:00:00.000Z',
      });
      expect(gone[0]?.error_message).toContain('PID 102');
      expect(store.runs.get(ids[1]!)).toMatchObject({
        status: 'abandoned',
        finished_at: '2026-03-04T06:00:00.000Z',
        error_message: gone[0]?.error_message,
      });
      expect(store.runs.get(ids[0]!)?.status).toBe('running');
      expect(store.runs.get(ids[2]!)?.status).toBe('running');
      expect(store.runs.get(done)).toMatchObject({ status: 'failure', error_message: 'boom' });
      // A second pass finds nothing more to do.
      expect(store.runs.markAbandoned((row) => row.pid === 102, '2026-03-04T07:00:00.000Z')).toEqual([]);
    } finally {
      store.close();
    }
  });
});

describe('consecutiveFailures', () => {
  it('counts finished failures (and abandoned runs) since the last success, per type', () => {
    const { store } = openTemp();
    try {
      expect(store.runs.consecutiveFailures('daily')).toBe(0);
      finished(store, 'daily', '2026-03-01T01:00:00.000Z', 'failure');
      finished(store, 'daily', '2026-03-02T01:00:00.000Z', 'success');
      expect(store.runs.consecutiveFailures('daily')).toBe(0);
      finished(store, 'daily', '2026-03-03T01:00:00.000Z', 'failure');
      finished(store, 'daily', '2026-03-04T01:00:00.000Z', 'abandoned');
      finished(store, 'weekly', '2026-03-04T02:00:00.000Z', 'failure');
      finished(store, 'daily', '2026-03-05T01:00:00.000Z', 'failure');
      // A run in progress neither breaks nor extends the streak.
      store.runs.insert(
        newRun('daily', { startedAt: '2026-03-06T01:00:00.000Z' }),
        new Date('2026-03-06T01:00:00Z'),
      );
      expect(store.runs.consecutiveFailures('daily')).toBe(3);
      expect(store.runs.consecutiveFailures('weekly')).toBe(1);
      expect(store.runs.consecutiveFailures('monthly')).toBe(0);
      finished(store, 'daily', '2026-03-07T01:00:00.000Z', 'success');
      expect(store.runs.consecutiveFailures('daily')).toBe(0);
    } finally {
      store.close();
    }
  });

  it('orders by start time, not by insertion order', () => {
    const { store } = openTemp();
    try {
      finished(store, 'daily', '2026-03-05T01:00:00.000Z', 'success');
      // Recorded later but started earlier (e.g. a clock fix): the success is still the latest.
      finished(store, 'daily', '2026-03-04T01:00:00.000Z', 'failure');
      expect(store.runs.consecutiveFailures('daily')).toBe(0);
      expect(store.runs.latest('daily')?.status).toBe('success');
    } finally {
      store.close();
    }
  });
});

describe("the runbook's SQL runs as written (OP-BKP-ALT-001 §9.3, §9.4)", () => {
  // Copied verbatim from reference/OP-BKP-ALT-001.ja.md.
  const SECTION_9_3 = `-- 直近の通知ログを確認
SELECT
  notification_type,
  channel,
  recipient,
  subject,
  status,
  error_message,
  sent_at
FROM notification_logs
WHERE notification_type LIKE '%backup%'
ORDER BY sent_at DESC
LIMIT 20;`;

  const SECTION_9_4 = `-- バックアップ操作の監査ログ
SELECT
  operation,
  backup_id,
  username,
  ip_address,
  status,
  details,
  created_at
FROM backup_audit_logs
ORDER BY created_at DESC
LIMIT 20;`;

  it('§9.3: the latest notifications, newest first', () => {
    const { store } = openTemp();
    try {
      for (const [channel, sentAt, status] of [
        ['email', '2026-03-04T05:00:00.000Z', 'sent'],
        ['slack', '2026-03-04T06:00:00.000Z', 'failed'],
      ] as const) {
        store.notifications.insert({
          notificationType: 'backup_failure',
          channel,
          recipient: channel === 'email' ? 'admin@company.com' : 'https://hooks.slack.com/…',
          subject: '【緊急】バックアップ失敗: BKP-20260304-050000-daily',
          status,
          errorMessage: status === 'failed' ? 'HTTP 500' : null,
          sentAt,
          attempts: 1,
          payload: null,
          backupId: 'BKP-20260304-050000-daily',
        });
      }
      const rows = store.db.prepare(SECTION_9_3).all();
      expect(rows).toEqual([
        {
          notification_type: 'backup_failure',
          channel: 'slack',
          recipient: 'https://hooks.slack.com/…',
          subject: '【緊急】バックアップ失敗: BKP-20260304-050000-daily',
          status: 'failed',
          error_message: 'HTTP 500',
          sent_at: '2026-03-04T06:00:00.000Z',
        },
        {
          notification_type: 'backup_failure',
          channel: 'email',
          recipient: 'admin@company.com',
          subject: '【緊急】バックアップ失敗: BKP-20260304-050000-daily',
          status: 'sent',
          error_message: null,
          sent_at: '2026-03-04T05:00:00.000Z',
        },
      ]);
    } finally {
      store.close();
    }
  });

  it('§9.4: the audit log, newest first', () => {
    const { store } = openTemp();
    try {
      store.audit.write({
        operation: 'backup_run',
        backupId: 'BKP-20260304-050000-daily',
        username: 'root',
        host: 'db1',
        status: 'failure',
        details: { exitCode: 3 },
        createdAt: '2026-03-04T05:00:01.000Z',
      });
      store.audit.write({
        operation: 'prune',
        backupId: null,
        username: 'op',
        host: 'db1',
        status: 'success',
        details: undefined,
        createdAt: '2026-03-05T00:00:00.000Z',
      });
      const rows = store.db.prepare(SECTION_9_4).all();
      expect(rows).toEqual([
        {
          operation: 'prune',
          backup_id: null,
          username: 'op',
          ip_address: 'db1',
          status: 'success',
          details: null,
          created_at: '2026-03-05T00:00:00.000Z',
        },
        {
          operation: 'backup_run',
          backup_id: 'BKP-20260304-050000-daily',
          username: 'root',
          ip_address: 'db1',
          status: 'failure',
          details: '{"exitCode":3}',
          created_at: '2026-03-04T05:00:01.000Z',
        },
      ]);
    } finally {
      store.close();
    }
  });
});
