import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dispatch } from '../../src/alert/dispatch.js';
import { retryPending } from '../../src/alert/resend.js';
import type { Journal } from '../../src/store/journal.js';
import type { NotificationClaim } from '../../src/store/rows.js';
import { Store } from '../../src/store/store.js';
import { sampleAlert } from '../helpers/alert.js';
import { notifyFixture, ok, scriptedServer } from '../helpers/http.js';
import { tempDir } from '../helpers/tmp.js';

const T0 = '2026-01-02T05:05:00.000Z';
const at = (iso: string) => () => new Date(iso);

function pendingRow(store: Store, attempts = 1): number {
  return store.notifications.insert({
    notificationType: 'backup_failure',
    channel: 'slack',
    recipient: 'http://127.0.0.1/…',
    subject: '【緊急】バックアップ失敗: BKP-20260102-030405-daily',
    status: 'pending',
    errorMessage: 'HTTP 503 from http://127.0.0.1/…',
    sentAt: '2026-01-02T03:05:00.000Z',
    attempts,
    payload: JSON.stringify(sampleAlert()),
    backupId: 'BKP-20260102-030405-daily',
  });
}

/** Another process's claim, taken at T0 for a minute. */
const otherClaim: NotificationClaim = {
  token: 'other-process',
  now: T0,
  leaseUntil: '2026-01-02T05:06:00.000Z',
  from: 'pending',
  countRound: true,
};

describe('retryPending: one sender per alert', () => {
  it('an alert another process is sending is neither listed nor sent; once its lease runs out it is', async () => {
    const slack = await scriptedServer([ok]);
    const fixture = notifyFixture({ SLACK_WEBHOOK_URL: slack.url });
    const store = Store.open(join(tempDir(), 'resend.db'));
    const id = pendingRow(store, 2);
    expect(store.notifications.claim(id, otherClaim)).toBe(true);
    // The claim is exclusive: a second claim (another retry, or a run) is refused.
    expect(store.notifications.claim(id, { ...otherClaim, token: 'third' })).toBe(false);

    const during = await retryPending({ ...fixture, journal: store, now: at(T0) }, { deadlineMs: 5000 });
    expect(during).toEqual([]);
    expect(slack.requests).toHaveLength(0);

    // The other process crashed mid-send: two minutes later its lease has run out.
    const after = await retryPending(
      { ...fixture, journal: store, now: at('2026-01-02T05:07:00.000Z') },
      { deadlineMs: 5000 },
    );
    expect(after).toMatchObject([{ id, status: 'sent', attempts: 4 }]);
    expect(slack.requests).toHaveLength(1);
    expect(store.notifications.list()[0]).toMatchObject({
      status: 'sent',
      lease_until: null,
      claimed_by: null,
    });
    store.close();
  });

  it('giving up claims the row too: an alert another process is delivering is never marked failed under it', async () => {
    const fixture = notifyFixture({});
    const store = Store.open(join(tempDir(), 'resend.db'));
    const id = pendingRow(store, 10);
    expect(store.notifications.claim(id, otherClaim)).toBe(true);
    const items = await retryPending({ ...fixture, journal: store, now: at(T0) }, { deadlineMs: 5000 });
    expect(items).toEqual([]);
    expect(store.notifications.list()[0]).toMatchObject({ status: 'pending', claimed_by: 'other-process' });
    // The other process delivered it: its outcome stands.
    expect(
      store.notifications.settle(id, 'other-process', { status: 'sent', errorMessage: null, sentAt: T0 }),
    ).toBe(true);
    expect(store.notifications.list()[0]).toMatchObject({ status: 'sent' });
    store.close();
  });

  it('a sender whose lease ran out cannot overwrite the outcome of the process that took the row over', () => {
    const store = Store.open(join(tempDir(), 'resend.db'));
    const id = pendingRow(store);
    expect(store.notifications.claim(id, otherClaim)).toBe(true);
    const later = { ...otherClaim, token: 'later', now: '2026-01-02T05:10:00.000Z' };
    expect(store.notifications.claim(id, { ...later, leaseUntil: '2026-01-02T05:11:00.000Z' })).toBe(true);
    expect(store.notifications.settle(id, 'later', { status: 'sent', errorMessage: null, sentAt: T0 })).toBe(
      true,
    );
    expect(
      store.notifications.settle(id, 'other-process', { status: 'pending', errorMessage: 'x', sentAt: T0 }),
    ).toBe(false);
    expect(store.notifications.list()[0]).toMatchObject({ status: 'sent', error_message: null });
    store.close();
  });

  it('counts delivery rounds, not HTTP tries: an outage through four rounds leaves the alert pending', async () => {
    const slack = await scriptedServer([{ status: 503, body: 'down' }]);
    const fixture = notifyFixture({ SLACK_WEBHOOK_URL: slack.url, BACKUP_ALERT_NOTIFY_TIMEOUT: '1600ms' });
    const store = Store.open(join(tempDir(), 'resend.db'));
    const ctx = { ...fixture, journal: store };
    const [first] = await dispatch(sampleAlert(), ctx);
    expect(first!.attempts).toBeGreaterThan(1);
    for (let round = 0; round < 3; round++) await retryPending(ctx, { deadlineMs: 1600 });
    expect(slack.requests.length).toBeGreaterThanOrEqual(8);
    // Four rounds of several HTTP tries each: 4 of the 10 rounds used, not 10 of 10.
    expect(store.notifications.list()[0]).toMatchObject({ status: 'pending', attempts: 4 });
    store.close();
  });

  it('re-sends alerts that failed for good when asked (retry --failed), once, and only those of the last 7 days', async () => {
    const slack = await scriptedServer([ok]);
    const fixture = notifyFixture({ SLACK_WEBHOOK_URL: slack.url });
    const store = Store.open(join(tempDir(), 'resend.db'));
    const insertFailed = (createdAt: string) =>
      store.notifications.insert({
        notificationType: 'backup_failure',
        channel: 'slack',
        recipient: 'http://127.0.0.1/…',
        subject: 's',
        status: 'failed',
        errorMessage: 'HTTP 404 from http://127.0.0.1/…: no_service',
        sentAt: createdAt,
        attempts: 1,
        payload: JSON.stringify(sampleAlert()),
        backupId: 'BKP-20260102-030405-daily',
      });
    const recent = insertFailed('2026-01-02T03:05:00.000Z');
    insertFailed('2025-12-01T03:05:00.000Z');
    const ctx = { ...fixture, journal: store, now: at(T0) };

    expect(await retryPending(ctx, { deadlineMs: 5000 })).toEqual([]);
    const items = await retryPending(ctx, { deadlineMs: 5000, which: 'failed' });
    expect(items).toMatchObject([{ id: recent, status: 'sent', attempts: 1 }]);
    expect(slack.requests).toHaveLength(1);
    expect(await retryPending(ctx, { deadlineMs: 5000, which: 'failed' })).toEqual([]);
    expect(slack.requests).toHaveLength(1);
    store.close();
  });

  it('what counts as failed for good: alerts, not tests and not superseded heartbeat pings', () => {
    const store = Store.open(join(tempDir(), 'resend.db'));
    const failed = (notificationType: string, channel: string) =>
      store.notifications.insert({
        notificationType,
        channel,
        recipient: null,
        subject: null,
        status: 'failed',
        errorMessage: 'x',
        sentAt: T0,
        attempts: 1,
        payload: null,
        backupId: null,
      });
    const alert = failed('backup_failure', 'email');
    failed('backup_test', 'slack');
    failed('backup_ping_failure', 'ping');
    expect(store.notifications.failedSince('2026-01-01T00:00:00.000Z').map((row) => row.id)).toEqual([alert]);
    store.close();
  });

  it('a list read just before another process claimed its rows: neither sent nor given up under it', async () => {
    const slack = await scriptedServer([ok]);
    const fixture = notifyFixture({ SLACK_WEBHOOK_URL: slack.url });
    const store = Store.open(join(tempDir(), 'resend.db'));
    const spent = pendingRow(store, 10);
    const due = pendingRow(store, 2);
    // This process read the pending list; then another one claimed both rows.
    const snapshot = store.notifications.pending(T0);
    for (const id of [spent, due]) expect(store.notifications.claim(id, otherClaim)).toBe(true);
    const notifications = Object.assign(Object.create(store.notifications) as Store['notifications'], {
      pending: () => snapshot,
    });
    const journal = new Proxy(store, {
      get: (target, key) => (key === 'notifications' ? notifications : Reflect.get(target, key, target)),
    }) as Journal;
    const items = await retryPending({ ...fixture, journal, now: at(T0) }, { deadlineMs: 5000 });
    expect(items).toEqual([]);
    expect(slack.requests).toHaveLength(0);
    expect(store.notifications.list().map((row) => [row.status, row.claimed_by])).toEqual([
      ['pending', 'other-process'],
      ['pending', 'other-process'],
    ]);
    store.close();
  });
});
