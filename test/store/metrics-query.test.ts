import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { renderExposition } from '../../src/metrics/exposition.js';
import type { BackupType } from '../../src/shared/run-result.js';
import { METRICS_SQL, metricsSnapshot } from '../../src/store/metrics-query.js';
import type { NewRun } from '../../src/store/rows.js';
import { migrate, SCHEMA_VERSION, versionBefore } from '../../src/store/schema.js';
import { Store } from '../../src/store/store.js';
import { finishRun } from '../helpers/db.js';
import { tempDir } from '../helpers/tmp.js';

const VERSION = '9.9.9-test';

function openTemp(): { store: Store; path: string } {
  const path = join(tempDir(), 'backup-alert.db');
  return { store: Store.open(path), path };
}

function newRun(type: BackupType, startedAt: string): NewRun {
  return { type, startedAt, script: '/opt/backup.sh', host: 'db1', pid: 4242, logPathTemplate: null };
}

/** A run of `type` started at `iso`, finished a minute later with `status`. */
function finished(
  store: Store,
  type: BackupType,
  iso: string,
  status: 'success' | 'failure',
  exitCode = status === 'success' ? 0 : 3,
): string {
  const { backupId } = store.runs.insert(newRun(type, iso), new Date(iso));
  finishRun(store, backupId, {
    status,
    finishedAt: new Date(Date.parse(iso) + 60_000).toISOString(),
    durationMs: 60_000,
    exitCode,
    signal: null,
    errorMessage: status === 'success' ? null : 'boom',
    outputTail: null,
  });
  return backupId;
}

function notification(store: Store, channel: string, status: 'sent' | 'failed' | 'pending'): number {
  return store.notifications.insert({
    notificationType: 'backup_failure',
    channel,
    recipient: null,
    subject: 's',
    status,
    errorMessage: null,
    sentAt: '2026-03-01T00:00:00.000Z',
    attempts: 1,
    payload: null,
    backupId: null,
  });
}

describe('metrics snapshot from the local database', () => {
  it('is every type that finished a run, plus the expected ones, with "never" where nothing happened', () => {
    const { store } = openTemp();
    try {
      finished(store, 'daily', '2026-03-01T03:00:00.000Z', 'success');
      finished(store, 'daily', '2026-03-02T03:00:00.000Z', 'failure', 23);
      finished(store, 'daily', '2026-03-03T03:00:00.000Z', 'failure', 23);
      finished(store, 'weekly', '2026-03-01T04:00:00.000Z', 'failure', 1);
      // A running row alone does not make a type appear (it has no finished facts yet).
      store.runs.insert(newRun('manual', '2026-03-03T05:00:00.000Z'), new Date('2026-03-03T05:00:00.000Z'));
      const snapshot = metricsSnapshot(store.db, { version: VERSION, types: ['monthly', 'daily'] });
      expect(snapshot.version).toBe(VERSION);
      expect(snapshot.types.map((t) => t.type)).toEqual(['daily', 'monthly', 'weekly']);
      const [daily, monthly, weekly] = snapshot.types;
      expect(daily).toEqual({
        job: 'daily',
        type: 'daily',
        lastRun: {
          status: 'failure',
          finishedAtMs: Date.parse('2026-03-03T03:01:00.000Z'),
          durationMs: 60_000,
          exitCode: 23,
        },
        lastSuccessAtMs: Date.parse('2026-03-01T03:01:00.000Z'),
        consecutiveFailures: 2,
        runs: { success: 1, failure: 2, abandoned: 0 },
      });
      expect(monthly).toEqual({
        job: 'monthly',
        type: 'monthly',
        lastRun: null,
        lastSuccessAtMs: null,
        consecutiveFailures: 0,
        runs: { success: 0, failure: 0, abandoned: 0 },
      });
      // Never succeeded: still all its facts, the success reads "never".
      expect(weekly).toMatchObject({ lastSuccessAtMs: null, consecutiveFailures: 1 });
    } finally {
      store.close();
    }
  });

  it('resets consecutive failures on success and counts abandoned runs', () => {
    const { store } = openTemp();
    try {
      finished(store, 'daily', '2026-03-01T03:00:00.000Z', 'failure');
      finished(store, 'daily', '2026-03-02T03:00:00.000Z', 'success');
      const { backupId } = store.runs.insert(
        { ...newRun('daily', '2026-03-03T03:00:00.000Z'), pid: 999_999 },
        new Date('2026-03-03T03:00:00.000Z'),
      );
      store.runs.markAbandoned((row) => row.backup_id === backupId, '2026-03-03T04:00:00.000Z');
      const [daily] = metricsSnapshot(store.db, { version: VERSION }).types;
      expect(daily).toMatchObject({
        lastRun: { status: 'abandoned', durationMs: null, exitCode: null },
        lastSuccessAtMs: Date.parse('2026-03-02T03:01:00.000Z'),
        consecutiveFailures: 1,
        runs: { success: 1, failure: 1, abandoned: 1 },
      });
    } finally {
      store.close();
    }
  });

  it('keeps the latest run when an older one is written late (an import): counts change, facts do not', () => {
    const { store } = openTemp();
    try {
      finished(store, 'daily', '2026-03-05T03:00:00.000Z', 'success');
      finished(store, 'daily', '2026-03-01T03:00:00.000Z', 'failure');
      const [daily] = metricsSnapshot(store.db, { version: VERSION }).types;
      expect(daily).toMatchObject({
        lastRun: { status: 'success', finishedAtMs: Date.parse('2026-03-05T03:01:00.000Z') },
        consecutiveFailures: 0,
        runs: { success: 1, failure: 1, abandoned: 0 },
      });
    } finally {
      store.close();
    }
  });

  it('counts notifications once each, when they reach sent or failed; pending is a gauge', () => {
    const { store } = openTemp();
    try {
      notification(store, 'email', 'sent');
      const late = notification(store, 'slack', 'pending');
      notification(store, 'slack', 'pending');
      notification(store, 'webhook', 'failed');
      let snapshot = metricsSnapshot(store.db, { version: VERSION, channels: ['teams'] });
      expect(snapshot.notifications).toEqual([
        {
          pending: 2,
          delivered: [
            { channel: 'email', status: 'failed', count: 0 },
            { channel: 'email', status: 'sent', count: 1 },
            { channel: 'teams', status: 'failed', count: 0 },
            { channel: 'teams', status: 'sent', count: 0 },
            { channel: 'webhook', status: 'failed', count: 1 },
            { channel: 'webhook', status: 'sent', count: 0 },
          ],
        },
      ]);
      // retry: still pending after a try (no count), then sent (one count).
      const patch = { errorMessage: null, sentAt: '2026-03-01T01:00:00.000Z', attempts: 2 };
      store.notifications.update(late, { ...patch, status: 'pending' });
      store.notifications.update(late, { ...patch, status: 'sent' });
      snapshot = metricsSnapshot(store.db, { version: VERSION });
      expect(snapshot.notifications[0]?.pending).toBe(1);
      expect(snapshot.notifications[0]?.delivered).toContainEqual({
        channel: 'slack',
        status: 'sent',
        count: 1,
      });
    } finally {
      store.close();
    }
  });

  it('never goes backwards when prune deletes the history (counters are monotonic)', () => {
    const { store } = openTemp();
    try {
      for (let day = 1; day <= 5; day++) finished(store, 'daily', `2026-03-0${day}T03:00:00.000Z`, 'success');
      finished(store, 'daily', '2026-03-06T03:00:00.000Z', 'failure');
      notification(store, 'email', 'sent');
      const before = metricsSnapshot(store.db, { version: VERSION });
      const result = store.prune(new Date('2026-04-01T00:00:00.000Z'));
      expect(result.runs).toBe(6);
      expect(result.notifications).toBe(1);
      const after = metricsSnapshot(store.db, { version: VERSION });
      expect(after).toEqual(before);
      expect(after.types[0]?.runs).toEqual({ success: 5, failure: 1, abandoned: 0 });
    } finally {
      store.close();
    }
  });

  it('picks up the artifact size of the latest run when it has one', () => {
    const { store } = openTemp();
    try {
      const id = finished(store, 'daily', '2026-03-01T03:00:00.000Z', 'success');
      expect(metricsSnapshot(store.db, { version: VERSION }).types[0]?.lastRun).not.toHaveProperty(
        'artifactBytes',
      );
      store.db.prepare('UPDATE backup_logs SET artifact_bytes = 123456 WHERE backup_id = ?').run(id);
      expect(metricsSnapshot(store.db, { version: VERSION }).types[0]?.lastRun?.artifactBytes).toBe(123_456);
    } finally {
      store.close();
    }
  });
});

describe('the metrics migration on a database with history', () => {
  it('seeds the counters and last facts from the existing rows', () => {
    // The same history written into a database from before the metrics migration, and into
    // a current one (whose triggers keep the counters): after the upgrade they must agree.
    const history = `
      INSERT INTO backup_logs (backup_id, type, status, started_at, finished_at, duration_ms, exit_code, error_message, host, pid) VALUES
        ('BKP-1', 'daily', 'success', '2026-03-01T03:00:00.000Z', '2026-03-01T03:01:00.000Z', 60000, 0, NULL, 'db1', 1),
        ('BKP-2', 'daily', 'failure', '2026-03-02T03:00:00.000Z', '2026-03-02T03:01:00.000Z', 60000, 7, 'boom', 'db1', 1),
        ('BKP-3', 'daily', 'failure', '2026-03-03T03:00:00.000Z', '2026-03-03T03:01:00.000Z', 60000, 8, 'boom', 'db1', 1),
        ('BKP-4', 'weekly', 'success', '2026-03-01T03:00:00.000Z', '2026-03-01T03:01:00.000Z', 60000, 0, NULL, 'db1', 1);
      INSERT INTO notification_logs (notification_type, channel, subject, status, attempts, created_at) VALUES
        ('backup_failure', 'email', 's', 'sent', 1, '2026-03-01T00:00:00.000Z'),
        ('backup_failure', 'email', 's', 'pending', 1, '2026-03-01T00:00:00.000Z');`;
    const current = openTemp();
    current.store.db.exec(history);
    const expected = metricsSnapshot(current.store.db, { version: VERSION });
    current.store.close();

    const path = join(tempDir(), 'old.db');
    const old = new Database(path);
    migrate(old, versionBefore('metrics_types'));
    old.exec(history);
    old.close();
    const reopened = Store.open(path);
    try {
      expect(reopened.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(metricsSnapshot(reopened.db, { version: VERSION })).toEqual(expected);
      expect(expected.types[0]).toMatchObject({ consecutiveFailures: 2, lastRun: { exitCode: 8 } });
    } finally {
      reopened.close();
    }
  });
});

describe('metrics queries use indexes only', () => {
  it('never scans backup_logs or notification_logs (EXPLAIN QUERY PLAN)', () => {
    const { store } = openTemp();
    try {
      // Statistics as a big history would have them, so the planner chooses as it would there.
      finished(store, 'daily', '2026-03-01T03:00:00.000Z', 'success');
      store.db.exec('ANALYZE');
      const plans: string[] = [];
      for (const sql of Object.values(METRICS_SQL)) {
        const params = sql.includes('?') ? ['BKP-x'] : [];
        const rows = store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{
          detail: string;
        }>;
        plans.push(...rows.map((row) => row.detail));
      }
      expect(plans.length).toBeGreaterThan(0);
      for (const detail of plans) expect(detail).not.toMatch(/^SCAN (backup_logs|notification_logs)\b/);
      expect(plans).toContainEqual(expect.stringMatching(/^SEARCH notification_logs USING COVERING INDEX/));
      expect(plans).toContainEqual(expect.stringMatching(/^SEARCH backup_logs USING INDEX/));
    } finally {
      store.close();
    }
  });

  it('keeps the counters on rows inserted with a final status (imports, the bench filler)', () => {
    const { store } = openTemp();
    try {
      const insert = store.db.prepare(
        `INSERT INTO backup_logs (backup_id, type, status, started_at, finished_at, duration_ms, exit_code)
         VALUES (?, 'daily', ?, ?, ?, 1000, 0)`,
      );
      store.db.transaction(() => {
        for (let i = 0; i < 20_000; i++) {
          const at = new Date(Date.UTC(2020, 0, 1) + i * 60_000).toISOString();
          insert.run(`BKP-${i}`, i % 10 === 0 ? 'failure' : 'success', at, at);
        }
      })();
      const [daily] = metricsSnapshot(store.db, { version: VERSION }).types;
      expect(daily?.runs).toEqual({ success: 18_000, failure: 2_000, abandoned: 0 });
      expect(daily?.consecutiveFailures).toBe(0);
    } finally {
      store.close();
    }
  });
});

describe('metrics per job (issue 21)', () => {
  it('two jobs of one type are two series; a run --test is left out', () => {
    const store = Store.open(join(tempDir(), 'jobs.db'));
    try {
      const at = '2026-03-01T03:00:00.000Z';
      const run = (job: string, status: 'success' | 'failure', isTest = false) => {
        const { backupId } = store.runs.insert({ ...newRun('daily', at), job, isTest }, new Date(at));
        finishRun(store, backupId, {
          status,
          finishedAt: '2026-03-01T03:01:00.000Z',
          durationMs: 60_000,
          exitCode: status === 'success' ? 0 : 3,
          signal: null,
          errorMessage: status === 'success' ? null : 'boom',
          outputTail: null,
        });
      };
      run('pg', 'failure');
      run('files', 'success');
      run('files', 'failure', true);
      const snapshot = metricsSnapshot(store.db, { version: VERSION, types: ['weekly', 'mail'] });
      expect(
        snapshot.types.map((t) => [t.job, t.type, t.lastRun?.status ?? null, t.consecutiveFailures]),
      ).toEqual([
        ['files', 'daily', 'success', 0],
        ['mail', '', null, 0],
        ['pg', 'daily', 'failure', 1],
        ['weekly', 'weekly', null, 0],
      ]);
      const text = renderExposition(snapshot);
      expect(text).toContain('backup_alert_last_run_success{backup_job="pg",type="daily"} 0');
      expect(text).toContain('backup_alert_last_run_success{backup_job="files",type="daily"} 1');
      expect(text).toContain('backup_alert_last_run_success{backup_job="mail"} 0');
    } finally {
      store.close();
    }
  });
});
