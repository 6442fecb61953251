import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { retryPending } from '../../src/alert/resend.js';
import { Store } from '../../src/store/store.js';
import { sampleAlert } from '../helpers/alert.js';
import { runCli, runMain } from '../helpers/cli.js';
import { readAudit, readNotifications } from '../helpers/db.js';
import { notifyFixture, ok, scriptedServer } from '../helpers/http.js';
import { tempDir, writeScript } from '../helpers/tmp.js';

const FIRST_DUE = '2026-01-02T03:05:00.000Z';
/** When the sample alert's run failed: what "late" is counted from. */
const FAILED_AT = '2026-01-02T03:04:05.678Z';
const later = () => new Date('2026-01-02T05:05:00.000Z');

/** A pending row as the fan-out leaves it after a transient failure. */
function pendingRow(
  store: Store,
  channel: string,
  overrides: { attempts?: number; createdAt?: string } = {},
) {
  return store.notifications.insert({
    notificationType: 'backup_failure',
    channel,
    recipient: 'http://127.0.0.1/…',
    subject: '【緊急】バックアップ失敗: BKP-20260102-030405-daily',
    status: 'pending',
    errorMessage: 'HTTP 503 from http://127.0.0.1/…',
    sentAt: overrides.createdAt ?? FIRST_DUE,
    attempts: overrides.attempts ?? 4,
    payload: JSON.stringify(sampleAlert()),
    backupId: 'BKP-20260102-030405-daily',
  });
}

describe('retryPending', () => {
  it('delivers a pending alert once the server is back, marked late; a second retry sends nothing', async () => {
    const slack = await scriptedServer([ok]);
    const fixture = notifyFixture({ SLACK_WEBHOOK_URL: slack.url });
    const store = Store.open(join(tempDir(), 'retry.db'));
    const id = pendingRow(store, 'slack');

    const first = await retryPending({ ...fixture, journal: store, now: later }, { deadlineMs: 5000 });
    expect(first).toMatchObject([{ id, status: 'sent', attempts: 5, lateSince: FAILED_AT }]);
    expect(slack.requests).toHaveLength(1);
    expect(slack.requests[0]!.body).toContain(
      `遅延送信: この通知は ${FAILED_AT} に送信できず、2026-01-02T05:05:00.000Z に再送されました`,
    );
    const row = store.notifications.list()[0]!;
    expect(row).toMatchObject({ status: 'sent', error_message: null, sent_at: '2026-01-02T05:05:00.000Z' });

    const second = await retryPending({ ...fixture, journal: store, now: later }, { deadlineMs: 5000 });
    expect(second).toEqual([]);
    expect(slack.requests).toHaveLength(1);
    store.close();
  });

  it('gives up for good after the attempt limit or the age limit', async () => {
    const slack = await scriptedServer([ok]);
    const fixture = notifyFixture({ SLACK_WEBHOOK_URL: slack.url });
    const store = Store.open(join(tempDir(), 'retry.db'));
    pendingRow(store, 'slack', { attempts: 10 });
    pendingRow(store, 'slack', { attempts: 1, createdAt: '2025-12-01T00:00:00.000Z' });
    const items = await retryPending({ ...fixture, journal: store, now: later }, { deadlineMs: 5000 });
    expect(items.map((item) => [item.status, item.error?.replace(/;.*/, '')])).toEqual([
      ['failed', 'gave up: not delivered within 7d'],
      ['failed', 'gave up after 10 attempts'],
    ]);
    expect(slack.requests).toHaveLength(0);
    expect(store.notifications.pendingCount()).toBe(0);
    store.close();
  });

  it('keeps a row pending when its channel is not configured now', async () => {
    const fixture = notifyFixture({});
    const store = Store.open(join(tempDir(), 'retry.db'));
    pendingRow(store, 'teams');
    const items = await retryPending({ ...fixture, journal: store, now: later }, { deadlineMs: 5000 });
    expect(items).toMatchObject([{ status: 'skipped', error: 'channel teams is not configured now' }]);
    expect(store.notifications.pendingCount()).toBe(1);
    store.close();
  });
});

describe('backup-alert retry', () => {
  it('prints what it re-sent, exits 0, and a second retry has nothing to do', async () => {
    const slack = await scriptedServer([ok]);
    const db = join(tempDir(), 'cli.db');
    const store = Store.open(db);
    pendingRow(store, 'slack');
    store.close();
    const env = { SLACK_WEBHOOK_URL: slack.url, BACKUP_ALERT_DB: db };

    const first = await runMain(['retry'], { env, now: later });
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toMatch(
      /^✔ BKP-20260102-030405-daily slack \(http:\/\/127\.0\.0\.1\/…\): sent 2h 54s late\n1 sent, 0 still pending, 0 failed for good\n$/,
    );
    const second = await runMain(['retry'], { env, now: later });
    // Nothing to do: nothing printed, so the README's */15 crontab line mails nobody.
    expect(second).toMatchObject({ exitCode: 0, stdout: '', stderr: '' });
    expect(slack.requests).toHaveLength(1);
  });

  it('exits 1 while the server is still failing; no token in the output or the DB', async () => {
    const slack = await scriptedServer([{ status: 502, body: 'bad gateway' }]);
    const db = join(tempDir(), 'cli.db');
    const store = Store.open(db);
    pendingRow(store, 'slack');
    store.close();
    const env = { SLACK_WEBHOOK_URL: slack.url, BACKUP_ALERT_DB: db, BACKUP_ALERT_NOTIFY_TIMEOUT: '1s' };

    const result = await runMain(['retry'], { env, now: later });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(
      /✖ BKP-20260102-030405-daily slack .*: pending: HTTP 502 from http:\/\/127\.0\.0\.1:\d+\/…: bad gateway/,
    );
    expect(result.stdout + result.stderr).not.toContain(slack.token);
    const [row] = readNotifications(db);
    expect(row).toMatchObject({ status: 'pending' });
    expect(row!.attempts).toBeGreaterThan(4);
    expect(JSON.stringify(row)).not.toContain(slack.token);
  });
});

describe('backup-alert retry under cron', () => {
  it('--silent prints nothing when alerts went out, only the error when one did not', async () => {
    const slack = await scriptedServer([ok]);
    const db = join(tempDir(), 'cli.db');
    const store = Store.open(db);
    pendingRow(store, 'slack');
    store.close();
    const env = { SLACK_WEBHOOK_URL: slack.url, BACKUP_ALERT_DB: db, BACKUP_ALERT_NOTIFY_TIMEOUT: '1s' };
    expect(await runMain(['retry', '--silent'], { env, now: later })).toEqual({
      exitCode: 0,
      stdout: '',
      stderr: '',
    });
    expect(slack.requests).toHaveLength(1);

    const again = Store.open(db);
    pendingRow(again, 'slack');
    again.close();
    slack.script([{ status: 502, body: 'bad gateway' }]);
    const failing = await runMain(['retry', '--silent'], { env, now: later });
    expect(failing).toMatchObject({ exitCode: 1, stdout: '' });
    expect(failing.stderr).toMatch(
      /\[ERROR\] \[Backup\] Failed to re-send alert for BKP-20260102-030405-daily/,
    );
  });

  it('4 retries at once over 30 pending alerts deliver each alert exactly once', async () => {
    // A slow receiver keeps each delivery in flight while the other processes read the list.
    const slack = await scriptedServer([{ status: 200, body: 'ok', delayMs: 40 }]);
    const db = join(tempDir(), 'cli.db');
    const store = Store.open(db);
    const ids = Array.from({ length: 30 }, (_, index) => {
      const backupId = `BKP-20260102-0300${String(index).padStart(2, '0')}-daily`;
      return store.notifications.insert({
        notificationType: 'backup_failure',
        channel: 'slack',
        recipient: 'http://127.0.0.1/…',
        subject: `【緊急】バックアップ失敗: ${backupId}`,
        status: 'pending',
        errorMessage: 'HTTP 503',
        sentAt: new Date().toISOString(),
        attempts: 1,
        payload: JSON.stringify(sampleAlert({ backupId })),
        backupId,
      });
    });
    store.close();
    const env = { SLACK_WEBHOOK_URL: slack.url, BACKUP_ALERT_DB: db };
    const results = await Promise.all(
      Array.from({ length: 4 }, () => runCli(['retry', '--silent'], { env })),
    );
    expect(results.map((result) => result.stderr)).toEqual(['', '', '', '']);
    const delivered = slack.requests.map((request) => (JSON.parse(request.body) as { text: string }).text);
    const perAlert = new Map<string, number>();
    for (const text of delivered) {
      const id = /BKP-\d{8}-\d{6}-daily/.exec(text)![0];
      perAlert.set(id, (perAlert.get(id) ?? 0) + 1);
    }
    expect(delivered).toHaveLength(ids.length);
    expect([...perAlert.values()].every((count) => count === 1)).toBe(true);
    expect(readNotifications(db).map((row) => row.status)).toEqual(ids.map(() => 'sent'));
  });

  it('doctor reports alerts that failed for good; retry --failed re-sends them, audited', async () => {
    const slack = await scriptedServer([{ status: 404, body: 'no_service' }]);
    const dir = tempDir();
    const db = join(dir, 'cli.db');
    const env = {
      SLACK_WEBHOOK_URL: slack.url,
      BACKUP_ALERT_DB: db,
      NODE_ENV: 'test',
      BACKUP_ALERT_SCRIPT: writeScript(dir, 'backup.sh', 'exit 4'),
    };
    const run = await runMain(['run', '--type', 'daily'], { env });
    expect(run.exitCode).toBe(4);
    expect(readNotifications(db)).toMatchObject([{ status: 'failed' }]);

    const before = await runMain(['doctor'], { env });
    expect(before.exitCode).toBe(1);
    expect(before.stdout).toMatch(
      /✖ Undelivered alerts +1 alert failed for good in the last 7d \(latest: BKP-\S+ slack: HTTP 404 from http:\/\/127\.0\.0\.1:\d+\/…: no_service\)/,
    );
    expect(before.stdout).toContain('backup-alert retry --failed');

    // The operator fixes the channel, then re-sends.
    slack.script([ok]);
    expect((await runMain(['retry'], { env })).stdout).toBe('');
    const resent = await runMain(['retry', '--failed'], { env });
    expect(resent.exitCode).toBe(0);
    expect(resent.stdout).toMatch(/^✔ BKP-\S+ slack \(http:\/\/127\.0\.0\.1:\d+\/…\): sent \S+ late\n1 sent/);
    expect(slack.requests).toHaveLength(2);
    expect(readNotifications(db)).toMatchObject([{ status: 'sent' }]);
    const audit = readAudit(db).filter((row) => row.operation === 'retry');
    expect(audit.map((row) => JSON.parse(row.details ?? '{}') as { which: string })).toContainEqual(
      expect.objectContaining({ which: 'failed', sent: 1, notifications: [1] }),
    );
    const after = await runMain(['doctor'], { env });
    expect(after.stdout).toMatch(/✔ Undelivered alerts +none/);
  });
});
