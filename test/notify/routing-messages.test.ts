import { describe, expect, it } from 'vitest';
import { previewAlert } from '../../src/alert/test-alert.js';
import { loadConfig } from '../../src/config/config.js';
import { renderHtml } from '../../src/notify/email-content.js';
import { alertSubject, plainTextBody } from '../../src/notify/message.js';
import { slackPayload } from '../../src/notify/slack.js';
import { adaptiveCardPayload, messageCardPayload } from '../../src/notify/teams.js';
import { webhookPayload } from '../../src/notify/webhook.js';
import { createLogger } from '../../src/shared/logger.js';
import { runbookAlert } from '../helpers/alert.js';
import { TEMPLATES } from '../helpers/cli.js';
import { readNotifications } from '../helpers/db.js';
import { scriptedServer } from '../helpers/http.js';
import { routingSetup } from '../helpers/routing.js';
import { startSmtpSink } from '../helpers/smtp.js';

const TOKYO = 'Asia/Tokyo';
const NOW = new Date('2026-02-15T03:00:15.123Z');

function config(env: Record<string, string> = {}) {
  return loadConfig(
    { BACKUP_ALERT_DB: ':memory:', BACKUP_ALERT_TEMPLATE_DIR: TEMPLATES, ...env },
    {},
    {
      cwd: '/',
      defaultTemplateDir: TEMPLATES,
    },
  ).config;
}

describe('the local-time line (BACKUP_ALERT_TIMEZONE)', () => {
  it('plain text: one line right after 発生時刻; the runbook lines untouched; none without a zone', () => {
    const with_ = plainTextBody(runbookAlert(), 'ja', undefined, TOKYO);
    expect(with_).toContain(
      '種別: daily\n発生時刻: 2026-02-15T03:00:15.123Z\n現地時刻: 2026-02-15 12:00:15 +09:00 (Asia/Tokyo)\nエラー内容: Backup script failed with exit code 1: disk full\n',
    );
    const without = plainTextBody(runbookAlert(), 'ja', undefined);
    expect(without).toBe(with_.replace('現地時刻: 2026-02-15 12:00:15 +09:00 (Asia/Tokyo)\n', ''));
    expect(plainTextBody(runbookAlert(), 'en', undefined, TOKYO)).toContain(
      'Time: 2026-02-15T03:00:15.123Z\nLocal time: 2026-02-15 12:00:15 +09:00 (Asia/Tokyo)\nError:',
    );
  });

  it('HTML, Slack, Teams (both cards) and the webhook carry it after the UTC time', async () => {
    const html = await renderHtml(
      runbookAlert(),
      config({ BACKUP_ALERT_TIMEZONE: TOKYO }),
      createLogger({ write: () => {} }),
    );
    expect(html).toMatch(
      /2026-02-15T03:00:15\.123Z<\/td>\n<\/tr>\n<tr>\n<td[^>]*>現地時刻<\/td>\n<td[^>]*>2026-02-15 12:00:15 \+09:00 \(Asia\/Tokyo\)<\/td>/,
    );
    expect(await renderHtml(runbookAlert(), config(), createLogger({ write: () => {} }))).not.toContain(
      '現地時刻',
    );

    const slack = JSON.stringify(slackPayload(runbookAlert(), 'ja', undefined, TOKYO));
    expect(slack).toContain(
      '"*発生時刻*\\n2026-02-15T03:00:15.123Z"},{"type":"mrkdwn","text":"*現地時刻*\\n2026-02-15 12:00:15 +09:00 (Asia/Tokyo)"}',
    );

    const card = JSON.stringify(adaptiveCardPayload(runbookAlert(), 'ja', undefined, '', TOKYO));
    expect(card).toContain(
      '{"title":"発生時刻","value":"2026-02-15T03:00:15.123Z"},{"title":"現地時刻","value":"2026-02-15 12:00:15 +09:00 (Asia/Tokyo)"}',
    );
    const message = JSON.stringify(messageCardPayload(runbookAlert(), 'ja', undefined, '', TOKYO));
    expect(message).toContain('{"name":"現地時刻","value":"2026-02-15 12:00:15 +09:00 (Asia/Tokyo)"}');

    const hook = webhookPayload(
      runbookAlert(),
      { lang: 'ja', systemUrl: undefined, routing: { timeZone: TOKYO } },
      NOW,
    );
    expect(hook).toMatchObject({
      timestamp: '2026-02-15T03:00:15.123Z',
      localTimestamp: '2026-02-15T12:00:15.123+09:00',
      timeZone: TOKYO,
    });
    expect(webhookPayload(runbookAlert(), { lang: 'ja', systemUrl: undefined }, NOW)).not.toHaveProperty(
      'localTimestamp',
    );
  });
});

describe('the new kinds in words', () => {
  it.each([
    ['missing', 'ja', '【警告】バックアップ未実行: daily@db1'],
    ['missing', 'en', '[WARNING] Backup not run: daily@db1'],
    ['slow', 'ja', '【注意】バックアップ実行中: daily@db1 BKP-20260215-030015-daily'],
    ['slow', 'en', '[NOTICE] Backup still running: daily@db1 BKP-20260215-030015-daily'],
    ['reminder', 'ja', '【再通知】バックアップ障害継続中: daily@db1'],
    ['reminder', 'en', '[REMINDER] Backup still failing: daily@db1'],
  ] as const)('%s (%s): %s', (kind, lang, subject) => {
    const alert = { ...previewAlert(kind, NOW, 'db1'), preview: false };
    expect(alertSubject(alert, lang)).toBe(subject);
  });

  it('each kind names its facts in both languages', () => {
    const missing = plainTextBody(previewAlert('missing', NOW, 'db1'), 'en', undefined);
    expect(missing).toMatch(
      /^\[TEST\] \[WARNING\] A backup has not run as expected: daily@db1\n\nBackup ID: -\nType: daily\n/,
    );
    expect(missing).toContain(
      'Last success: 2026-02-14T00:00:15.123Z\nMax age: 1d 2h\nOverdue by: 1h\nLast run: BKP-20260214-000015-daily (success)\n',
    );
    const slow = plainTextBody(previewAlert('slow', NOW, 'db1'), 'ja', undefined);
    expect(slow).toContain('経過時間: 2h\n警告しきい値: 2h\n');
    const reminder = plainTextBody(previewAlert('reminder', NOW, 'db1'), 'ja', undefined);
    expect(reminder).toContain(
      '障害発生時刻: 2026-02-14T01:00:15.123Z\n障害中に失敗した実行: 2\n再通知: 1回目\n',
    );
  });
});

describe('test-notify --kind: a marked preview of each kind through every channel', () => {
  it('e-mail, Slack, Teams, the webhook: same subject, marked 【テスト】, never queued', async () => {
    const smtp = await startSmtpSink();
    const slack = await scriptedServer([{ status: 200, body: 'ok' }]);
    const teams = await scriptedServer([{ status: 202 }]);
    const s = await routingSetup({
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(smtp.port),
      BACKUP_ALERT_EMAIL: 'ops@example.com',
      SLACK_WEBHOOK_URL: slack.url,
      TEAMS_WEBHOOK_URL: teams.url,
    });
    for (const kind of ['missing', 'slow', 'reminder'] as const) {
      const result = await s.cli(['test-notify', '--kind', kind]);
      expect(result.exitCode, result.stdout).toBe(0);
    }
    const subjects = [
      '【テスト】【警告】バックアップ未実行: daily@test-host',
      expect.stringMatching(/^【テスト】【注意】バックアップ実行中: daily@test-host BKP-\d{8}-\d{6}-daily$/),
      '【テスト】【再通知】バックアップ障害継続中: daily@test-host',
    ];
    const mails = await smtp.waitForMails(3);
    expect(mails.map((m) => m.parsed.subject)).toEqual(subjects);
    expect(
      slack.requests.map(
        (r) => (JSON.parse(r.body) as { blocks: Array<{ text?: { text: string } }> }).blocks[0]!.text!.text,
      ),
    ).toEqual(subjects);
    expect(teams.requests.map((r) => JSON.stringify(JSON.parse(r.body)))).toEqual([
      expect.stringContaining('【テスト】【警告】バックアップ未実行: daily@test-host'),
      expect.stringContaining('【テスト】【注意】バックアップ実行中'),
      expect.stringContaining('"color":"Accent"'),
    ]);
    expect(s.events().map((e) => e.event)).toEqual(['backup_missing', 'backup_slow', 'backup_reminder']);
    expect(s.events().every((e) => (e as { preview?: boolean }).preview === true)).toBe(true);
    const rows = readNotifications(s.db);
    expect(rows).toHaveLength(12);
    expect(rows.every((row) => row.notification_type === 'backup_test' && row.status === 'sent')).toBe(true);
  });
});
