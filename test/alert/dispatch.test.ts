import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alertAbout } from '../../src/alert/alert-run.js';
import { dispatch } from '../../src/alert/dispatch.js';
import type { Alert } from '../../src/notify/types.js';
import { NO_JOURNAL } from '../../src/store/journal.js';
import { Store } from '../../src/store/store.js';
import { sampleAlert } from '../helpers/alert.js';
import { ROOT, runCli } from '../helpers/cli.js';
import { readNotifications } from '../helpers/db.js';
import { notifyFixture, ok, scriptedServer } from '../helpers/http.js';
import { closedPort } from '../helpers/net.js';
import { tempDir } from '../helpers/tmp.js';

function openStore(): Store {
  const store = Store.open(join(tempDir(), 'fanout.db'));
  return store;
}

const now = () => new Date('2026-01-02T03:05:00.000Z');

describe('dispatch: fan-out and recording', () => {
  it('sends to every channel in parallel and records one row each', async () => {
    const slack = await scriptedServer([ok]);
    const teams = await scriptedServer([{ status: 202 }]);
    const webhook = await scriptedServer([{ status: 204 }]);
    const fixture = notifyFixture({
      SLACK_WEBHOOK_URL: slack.url,
      TEAMS_WEBHOOK_URL: teams.url,
      BACKUP_ALERT_WEBHOOK_URL: webhook.url,
    });
    const store = openStore();
    const results = await dispatch(sampleAlert(), { ...fixture, journal: store, now });
    expect(results.map((r) => [r.channel, r.status, r.attempts])).toEqual([
      ['slack', 'sent', 1],
      ['teams', 'sent', 1],
      ['webhook', 'sent', 1],
    ]);
    const rows = store.notifications.list('BKP-20260102-030405-daily');
    expect(rows.map((r) => [r.notification_type, r.channel, r.status, r.subject])).toEqual([
      ['backup_failure', 'slack', 'sent', '【緊急】バックアップ失敗: daily@db1 BKP-20260102-030405-daily'],
      ['backup_failure', 'teams', 'sent', '【緊急】バックアップ失敗: daily@db1 BKP-20260102-030405-daily'],
      ['backup_failure', 'webhook', 'sent', '【緊急】バックアップ失敗: daily@db1 BKP-20260102-030405-daily'],
    ]);
    expect(rows[0]!.recipient).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/…$/);
    expect(rows[0]!.payload).toBeNull();
    expect(fixture.log.join('')).toMatch(
      /\[INFO\] \[Backup\] Failure alert sent to Slack \(http:\/\/127\.0\.0\.1:\d+\/…\)/,
    );
    store.close();
  });

  it('e-mail server down while Slack and Teams succeed: both delivered, e-mail pending', async () => {
    const slack = await scriptedServer([ok]);
    const teams = await scriptedServer([{ status: 202 }]);
    const fixture = notifyFixture({
      SLACK_WEBHOOK_URL: slack.url,
      TEAMS_WEBHOOK_URL: teams.url,
      BACKUP_ALERT_EMAIL: 'ops@example.com',
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(await closedPort()),
      BACKUP_ALERT_NOTIFY_TIMEOUT: '5s',
    });
    const store = openStore();
    const results = await dispatch(sampleAlert(), { ...fixture, journal: store, now });
    expect(Object.fromEntries(results.map((r) => [r.channel, r.status]))).toEqual({
      email: 'pending',
      slack: 'sent',
      teams: 'sent',
    });
    const email = store.notifications.list().find((r) => r.channel === 'email')!;
    expect(email.status).toBe('pending');
    expect(email.error_message).toMatch(/ECONNREFUSED/);
    expect((JSON.parse(email.payload!) as Alert).run.backupId).toBe('BKP-20260102-030405-daily');
    expect(slack.requests).toHaveLength(1);
    store.close();
  });

  it('a permanent failure is `failed`, a transient one `pending` with the alert to re-send', async () => {
    const slack = await scriptedServer([{ status: 404, body: 'no_service' }]);
    const webhook = await scriptedServer([{ status: 503 }]);
    const fixture = notifyFixture({
      SLACK_WEBHOOK_URL: slack.url,
      BACKUP_ALERT_WEBHOOK_URL: webhook.url,
      BACKUP_ALERT_NOTIFY_TIMEOUT: '3s',
    });
    const store = openStore();
    const results = await dispatch(sampleAlert(), { ...fixture, journal: store, now });
    expect(results.map((r) => [r.channel, r.status])).toEqual([
      ['slack', 'failed'],
      ['webhook', 'pending'],
    ]);
    const rows = store.notifications.list();
    expect(rows[0]!.error_message).toMatch(/^HTTP 404 from http:\/\/127\.0\.0\.1:\d+\/…: no_service$/);
    // The webhook was tried several times inside the bound (HTTP 503, backoff): still one round.
    expect(results[1]!.attempts).toBeGreaterThan(1);
    expect(rows[1]!.attempts).toBe(1);
    expect(rows[1]!.payload).toContain('"backupId":"BKP-20260102-030405-daily"');
    // The failed alert keeps its payload too: `retry --failed` re-sends it once the URL is fixed.
    expect(rows[0]!.attempts).toBe(1);
    expect(rows[0]!.payload).toContain('"backupId":"BKP-20260102-030405-daily"');
    // No token anywhere: not in logs, not in the DB's error or recipient columns.
    const everything = [fixture.log.join(''), JSON.stringify(rows)].join('\n');
    expect(everything).not.toContain(slack.token);
    expect(everything).not.toContain('XyZsecretToken123');
    expect(fixture.log.join('')).toMatch(
      /\[ERROR\] \[Backup\] Failed to send failure alert to Slack: HTTP 404/,
    );
    store.close();
  });

  it('all channels hanging: the phase ends within the bound + 2 s, all pending', async () => {
    const slack = await scriptedServer(['hang']);
    const teams = await scriptedServer(['hang']);
    const webhook = await scriptedServer(['hang']);
    const fixture = notifyFixture({
      SLACK_WEBHOOK_URL: slack.url,
      TEAMS_WEBHOOK_URL: teams.url,
      BACKUP_ALERT_WEBHOOK_URL: webhook.url,
      BACKUP_ALERT_NOTIFY_TIMEOUT: '1s',
    });
    const store = openStore();
    const started = Date.now();
    const results = await dispatch(sampleAlert(), { ...fixture, journal: store, now });
    expect(Date.now() - started).toBeLessThan(1000 + 2000);
    expect(results.every((r) => r.status === 'pending')).toBe(true);
    // Stopped by the notify timeout's abort, not by the hard cut-off a second later.
    for (const result of results)
      expect(result.error).toMatch(/^no answer from http:\/\/127\.0\.0\.1:\d+\/… within the notify timeout$/);
    expect(store.notifications.pendingCount()).toBe(3);
    store.close();
  });

  it('a channel that ignores the abort signal is still cut off', async () => {
    const fixture = notifyFixture({ BACKUP_ALERT_NOTIFY_TIMEOUT: '500ms' });
    const { deliverAll } = await import('../../src/notify/fanout.js');
    const started = Date.now();
    const results = await deliverAll(
      [{ channel: 'slack', recipient: 'x', send: () => new Promise(() => {}) }],
      sampleAlert(),
      fixture,
      500,
    );
    expect(Date.now() - started).toBeLessThan(2500);
    expect(results[0]).toMatchObject({
      status: 'pending',
      error: 'did not stop at the notify timeout; cut off 1000 ms later',
    });
  });

  it('BACKUP_ALERT_TYPES filters: a weekly failure with TYPES=daily sends nothing, says why', async () => {
    const slack = await scriptedServer([ok]);
    const fixture = notifyFixture({ SLACK_WEBHOOK_URL: slack.url, BACKUP_ALERT_TYPES: 'daily' });
    const store = openStore();
    await alertAbout(sampleAlert({ type: 'weekly' }).run, { ...fixture, journal: store, now });
    expect(slack.requests).toHaveLength(0);
    expect(store.notifications.list()).toHaveLength(0);
    expect(fixture.log.join('')).toMatch(/type weekly is not in BACKUP_ALERT_TYPES \(daily\)/);
    await alertAbout(sampleAlert().run, { ...fixture, journal: store, now });
    expect(slack.requests).toHaveLength(1);
    expect(store.notifications.list()[0]!.status).toBe('sent');
    store.close();
  });

  it('without a database the alert is still sent and nothing throws', async () => {
    const slack = await scriptedServer([ok]);
    const fixture = notifyFixture({ SLACK_WEBHOOK_URL: slack.url });
    const results = await dispatch(sampleAlert(), { ...fixture, journal: NO_JOURNAL, now });
    expect(results[0]!.status).toBe('sent');
  });
});

describe('a failed run end to end (spawned as cron would)', () => {
  const failScript = join(ROOT, 'test', 'fixtures', 'fail.sh');

  it('e-mail down, Slack and Teams up: both delivered, e-mail pending, exit code unchanged', async () => {
    const slack = await scriptedServer([ok]);
    const teams = await scriptedServer([{ status: 202 }]);
    const db = join(tempDir(), 'e2e.db');
    const result = await runCli(['run', '--type', 'daily', '--script', failScript, '--db', db], {
      env: {
        SLACK_WEBHOOK_URL: slack.url,
        TEAMS_WEBHOOK_URL: teams.url,
        BACKUP_ALERT_EMAIL: 'ops@example.com',
        SMTP_HOST: '127.0.0.1',
        SMTP_PORT: String(await closedPort()),
        BACKUP_ALERT_NOTIFY_TIMEOUT: '5s',
        NODE_ENV: 'test',
      },
    });
    expect(result.exitCode).toBe(3);
    const rows = readNotifications(db);
    expect(Object.fromEntries(rows.map((r) => [r.channel, r.status]))).toEqual({
      email: 'pending',
      slack: 'sent',
      teams: 'sent',
    });
    const alert = slack.json() as { text: string; blocks: Array<{ text?: { text: string } }> };
    expect(alert.text).toMatch(
      /^【緊急】バックアップ失敗: [\w.-]+@[\w.-]+ BKP-\d{8}-\d{6}-daily: Backup script failed with exit code 3: disk full$/,
    );
    expect(JSON.stringify(alert.blocks)).toContain('No space left on device');
    expect(result.stderr).toMatch(
      /\[INFO\] \[Backup\] Failure alert sent to Slack \(http:\/\/127\.0\.0\.1:\d+\/…\)/,
    );
    expect(result.stderr + result.stdout + JSON.stringify(rows)).not.toContain(slack.token);
  });

  it('every channel hanging: the run still ends within the notify bound + 2 s, exit code unchanged', async () => {
    const servers = await Promise.all([
      scriptedServer(['hang']),
      scriptedServer(['hang']),
      scriptedServer(['hang']),
    ]);
    const db = join(tempDir(), 'e2e.db');
    const started = Date.now();
    const result = await runCli(['run', '--type', 'daily', '--script', failScript, '--db', db], {
      env: {
        SLACK_WEBHOOK_URL: servers[0]!.url,
        TEAMS_WEBHOOK_URL: servers[1]!.url,
        BACKUP_ALERT_WEBHOOK_URL: servers[2]!.url,
        BACKUP_ALERT_NOTIFY_TIMEOUT: '2s',
      },
    });
    // Node start-up and the script are inside the measurement too.
    expect(Date.now() - started).toBeLessThan(2000 + 2000 + 1500);
    expect(result.exitCode).toBe(3);
    expect(readNotifications(db).map((r) => r.status)).toEqual(['pending', 'pending', 'pending']);
  });
});
