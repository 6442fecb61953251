import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { retryPending } from '../../src/alert/resend.js';
import type { Journal } from '../../src/store/journal.js';
import { Store } from '../../src/store/store.js';
import { sampleAlert } from '../helpers/alert.js';
import { runMain } from '../helpers/cli.js';
import { readNotifications } from '../helpers/db.js';
import { notifyFixture, ok, scriptedServer } from '../helpers/http.js';
import { tempDir } from '../helpers/tmp.js';

const FIRST_DUE = '2026-01-02T03:05:00.000Z';
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
    expect(first).toMatchObject([{ id, status: 'sent', attempts: 5, lateSince: FIRST_DUE }]);
    expect(slack.requests).toHaveLength(1);
    expect(slack.requests[0]!.body).toContain(
      `遅延送信: この通知は ${FIRST_DUE} に送信できず、2026-01-02T05:05:00.000Z に再送されました`,
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
    expect(store.notifications.pending()).toHaveLength(0);
    store.close();
  });

  it('keeps a row pending when its channel is not configured now', async () => {
    const fixture = notifyFixture({});
    const store = Store.open(join(tempDir(), 'retry.db'));
    pendingRow(store, 'teams');
    const items = await retryPending({ ...fixture, journal: store, now: later }, { deadlineMs: 5000 });
    expect(items).toMatchObject([{ status: 'skipped', error: 'channel teams is not configured now' }]);
    expect(store.notifications.pending()).toHaveLength(1);
    store.close();
  });

  it('a row another process has claimed is not sent again', async () => {
    const slack = await scriptedServer([ok]);
    const fixture = notifyFixture({ SLACK_WEBHOOK_URL: slack.url });
    const store = Store.open(join(tempDir(), 'retry.db'));
    const id = pendingRow(store, 'slack', { attempts: 2 });
    expect(store.notifications.claim(id, 2)).toBe(true);
    expect(store.notifications.claim(id, 2)).toBe(false);
    // Our snapshot of the row says attempts=2, the DB says 3: the claim fails, nothing is sent.
    const rows = store.notifications.pending().map((row) => ({ ...row, attempts: 2 }));
    const stale: Journal = {
      ...store,
      recording: true,
      runs: store.runs,
      audit: store.audit,
      transaction: (fn) => store.transaction(fn),
      prune: (cutoff) => store.prune(cutoff),
      metricsSnapshot: () => undefined,
      notifications: {
        insert: (n) => store.notifications.insert(n),
        update: (id, patch) => store.notifications.update(id, patch),
        claim: (id, attempts) => store.notifications.claim(id, attempts),
        hasPending: () => true,
        pending: () => rows,
        firstAttemptAt: () => undefined,
      },
    };
    await retryPending({ ...fixture, journal: stale, now: later }, { deadlineMs: 5000 });
    expect(slack.requests).toHaveLength(0);
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
      /^✔ BKP-20260102-030405-daily slack \(http:\/\/127\.0\.0\.1\/…\): sent 2h late\n1 sent, 0 still pending, 0 failed for good\n$/,
    );
    const second = await runMain(['retry'], { env, now: later });
    expect(second).toMatchObject({ exitCode: 0, stdout: 'Nothing to retry: no pending notifications.\n' });
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
