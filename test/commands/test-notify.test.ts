import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMain } from '../helpers/cli.js';
import { readNotifications } from '../helpers/db.js';
import { ok, scriptedServer } from '../helpers/http.js';
import { tempDir } from '../helpers/tmp.js';

const now = () => new Date('2026-01-02T03:04:05.000Z');

describe('backup-alert test-notify', () => {
  it('sends a clearly-marked test through each configured channel: one ✔ line each, exit 0', async () => {
    const slack = await scriptedServer([ok]);
    const webhook = await scriptedServer([{ status: 204 }]);
    const db = join(tempDir(), 'tn.db');
    const result = await runMain(['test-notify'], {
      env: { SLACK_WEBHOOK_URL: slack.url, BACKUP_ALERT_WEBHOOK_URL: webhook.url, BACKUP_ALERT_DB: db },
      now,
    });
    expect(result.exitCode).toBe(0);
    expect(result.stdout.replace(/127\.0\.0\.1:\d+/g, 'HOST')).toMatchInlineSnapshot(`
      "✔ slack (http://HOST/…): sent (1 attempt)
      ✔ webhook (http://HOST/…): sent (1 attempt)
      "
    `);
    expect(slack.requests[0]!.body).toContain('【テスト】');
    expect((webhook.json() as { event: string }).event).toBe('backup_test');
    expect(readNotifications(db).map((row) => [row.notification_type, row.channel, row.status])).toEqual([
      ['backup_test', 'slack', 'sent'],
      ['backup_test', 'webhook', 'sent'],
    ]);
  });

  it('a refused channel: ✖ with the reason, token redacted, exit 1, not queued for retry', async () => {
    const slack = await scriptedServer([{ status: 403, body: 'invalid_token' }]);
    const db = join(tempDir(), 'tn.db');
    const result = await runMain(['test-notify', '--channel', 'slack'], {
      env: { SLACK_WEBHOOK_URL: slack.url, BACKUP_ALERT_DB: db },
      now,
    });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(
      /^✖ slack \(http:\/\/127\.0\.0\.1:\d+\/…\): HTTP 403 from http:\/\/127\.0\.0\.1:\d+\/…: invalid_token \(1 attempt\)\n$/,
    );
    expect(result.stdout + result.stderr).not.toContain(slack.token);
    expect(readNotifications(db)[0]).toMatchObject({ status: 'failed', payload: null });
  });

  it('a transient failure of a test is reported as failed, never left pending', async () => {
    const webhook = await scriptedServer(['hang']);
    const db = join(tempDir(), 'tn.db');
    const result = await runMain(['test-notify', '--channel', 'webhook'], {
      env: { BACKUP_ALERT_WEBHOOK_URL: webhook.url, BACKUP_ALERT_DB: db, BACKUP_ALERT_NOTIFY_TIMEOUT: '1s' },
      now,
    });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/✖ webhook .*no answer .*within the notify timeout/);
    expect(readNotifications(db)[0]!.status).toBe('failed');
  });

  it('the chosen channel is not configured: ✖ naming the variable, exit 1', async () => {
    const result = await runMain(['test-notify', '--channel', 'teams'], {
      env: { BACKUP_ALERT_DB: join(tempDir(), 'tn.db') },
      now,
    });
    expect(result).toMatchObject({
      exitCode: 1,
      stdout: '✖ teams: not configured (set TEAMS_WEBHOOK_URL)\n',
    });
  });

  it('an invalid URL is reported with its variable, never echoed', async () => {
    const result = await runMain(['test-notify', '--channel', 'slack'], {
      env: {
        SLACK_WEBHOOK_URL: 'ftp://hooks.example.com/T0/B0/secretTOKEN',
        BACKUP_ALERT_DB: join(tempDir(), 'tn.db'),
      },
      now,
    });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/^✖ slack: SLACK_WEBHOOK_URL must be an http:\/\/ or https:\/\/ URL/);
    expect(result.stdout + result.stderr).not.toContain('secretTOKEN');
  });

  it('nothing configured at all: exit 1', async () => {
    const result = await runMain(['test-notify'], {
      env: { BACKUP_ALERT_DB: join(tempDir(), 'tn.db') },
      now,
    });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('no notification channel is configured');
  });
});
