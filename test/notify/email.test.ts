import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Config, loadConfig } from '../../src/config/config.js';
import { createEmailNotifier } from '../../src/notify/email.js';
import { DeliveryError, type Notifier } from '../../src/notify/types.js';
import { createLogger, type Logger } from '../../src/shared/logger.js';
import { Redactor } from '../../src/shared/redact.js';
import { runbookAlert } from '../helpers/alert.js';
import { TEMPLATES } from '../helpers/cli.js';
import { startSmtpSink } from '../helpers/smtp.js';
import { tempDir } from '../helpers/tmp.js';

const alert = runbookAlert;

function setup(env: Record<string, string>, templateDir = TEMPLATES) {
  const { config, problems } = loadConfig(
    { BACKUP_ALERT_TEMPLATE_DIR: templateDir, ...env },
    {},
    { cwd: '/', defaultTemplateDir: TEMPLATES },
  );
  expect(problems).toEqual([]);
  let output = '';
  const redactor = new Redactor(config.secrets, config.redactPatterns);
  const logger: Logger = createLogger({ write: (line) => (output += line), level: 'debug', redactor });
  return { config, logger, output: () => output };
}

function notifier(config: Config, logger: Logger): Notifier {
  const created = createEmailNotifier(config, logger);
  if (!created) throw new Error('expected an e-mail notifier');
  return created;
}

const NO_ABORT = new AbortController().signal;

describe('e-mail content', () => {
  it('sends the runbook subject and plain body, decoded, to one recipient', async () => {
    const sink = await startSmtpSink();
    const { config, logger, output } = setup({
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(sink.port),
      BACKUP_ALERT_EMAIL: 'admin@company.com',
      SYSTEM_URL: 'https://192.168.0.187:5050',
    });
    const report = await notifier(config, logger).send(alert(), NO_ABORT);
    expect(report).toEqual({
      attempts: 1,
      subject: '【緊急】バックアップ失敗: daily@db01 BKP-20260215-030000-daily',
    });
    const [mail] = await sink.waitForMails(1);
    expect(mail?.parsed.subject).toBe('【緊急】バックアップ失敗: daily@db01 BKP-20260215-030000-daily');
    expect(mail?.parsed.from?.value).toEqual([{ name: 'ITSM-Sec Nexus', address: 'noreply@itsm.local' }]);
    expect(mail?.rcptTo).toEqual(['admin@company.com']);
    expect(mail?.parsed.headers.get('auto-submitted')).toBe('auto-generated');
    expect(mail?.parsed.text).toBe(
      [
        '【緊急】バックアップ処理が失敗しました: daily@db01',
        '',
        'バックアップID: BKP-20260215-030000-daily',
        '種別: daily',
        '発生時刻: 2026-02-15T03:00:15.123Z',
        'エラー内容: Backup script failed with exit code 1: disk full',
        'ジョブ: daily',
        'ホスト: db01',
        '終了コード: 1',
        '実行時間: 15s',
        '連続失敗回数: 1',
        '',
        '出力の末尾:',
        'tar: /backup/db.tar: No space left on device',
        '',
        '速やかに原因を確認し、手動バックアップの実行を検討してください。',
        '',
        'システムURL: https://192.168.0.187:5050',
        '',
        '---',
        'ITSM-Sec Nexus バックアップアラート',
        '',
      ].join('\n'),
    );
    expect(output()).toContain('[INFO] [Backup] Failure alert email sent to admin@company.com\n');
    expect(output()).toMatch(
      /\[INFO\] \[EmailService\] Email sent successfully: \{ messageId: ".+", to: "admin@company.com", subject: "【緊急】バックアップ失敗: [\w.-]+@[\w.-]+ BKP-20260215-030000-daily" \}\n/,
    );
  });

  it('sends HTML with every value escaped, and a CR/LF in the error cannot add a header', async () => {
    const sink = await startSmtpSink();
    const { config, logger } = setup({
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(sink.port),
      BACKUP_ALERT_EMAIL: 'admin@company.com',
      SYSTEM_URL: 'https://backup.example.com/?a=1&b=2',
    });
    await notifier(config, logger).send(
      alert({
        backupId: 'BKP-1\r\nBcc: victim@evil.test',
        error: '<script>alert(1)</script>\r\nX-Injected: yes',
        outputTail: '<img src=x onerror=alert(2)> & done',
      }),
      NO_ABORT,
    );
    const [mail] = await sink.waitForMails(1);
    const html = String(mail?.parsed.html);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;img src&#x3D;x onerror&#x3D;alert(2)&gt; &amp; done');
    expect(html).toContain('href="https://backup.example.com/?a&#x3D;1&amp;b&#x3D;2"');
    expect(html).toContain('BKP-1 Bcc: victim@evil.test');
    expect(html).toMatch(/<td[^>]*>ホスト<\/td>\s*<td[^>]*>db01<\/td>/);
    expect(html).toMatch(/<pre[^>]*>&lt;img/);
    expect(html).not.toContain('<!--');
    expect(mail?.parsed.subject).toBe('【緊急】バックアップ失敗: daily@db01 BKP-1 Bcc: victim@evil.test');
    expect(mail?.parsed.headers.has('x-injected')).toBe(false);
    expect(mail?.parsed.bcc).toBeUndefined();
    expect(mail?.rcptTo).toEqual(['admin@company.com']);
  });

  it('reads the template at every send: an edit changes the next mail', async () => {
    const sink = await startSmtpSink();
    const dir = tempDir();
    const template = join(dir, 'backup-failure.hbs');
    writeFileSync(template, '<p>v1 {{backupInfo.backupId}}</p>');
    const { config, logger } = setup(
      { SMTP_HOST: '127.0.0.1', SMTP_PORT: String(sink.port), BACKUP_ALERT_EMAIL: 'a@x.test' },
      dir,
    );
    const email = notifier(config, logger);
    await email.send(alert(), NO_ABORT);
    writeFileSync(template, '<p>v2 {{backupInfo.type}} {{systemUrl}}</p>');
    await email.send(alert(), NO_ABORT);
    const mails = await sink.waitForMails(2);
    expect(String(mails[0]?.parsed.html)).toContain('<p>v1 BKP-20260215-030000-daily</p>');
    expect(String(mails[1]?.parsed.html)).toContain('<p>v2 daily </p>');
  });

  it.each([
    ['broken', '<p>{{#if backupInfo.error}}unclosed</p>', /template .* is broken/],
    ['missing', undefined, /template .* not found/],
  ])('falls back to plain text with a WARN when the template is %s', async (_name, source, warning) => {
    const sink = await startSmtpSink();
    const dir = tempDir();
    if (source) writeFileSync(join(dir, 'backup-failure.hbs'), source);
    const { config, logger, output } = setup(
      { SMTP_HOST: '127.0.0.1', SMTP_PORT: String(sink.port), BACKUP_ALERT_EMAIL: 'a@x.test' },
      dir,
    );
    await notifier(config, logger).send(alert(), NO_ABORT);
    const [mail] = await sink.waitForMails(1);
    expect(mail?.parsed.html).toBe(false);
    expect(mail?.parsed.text).toContain('エラー内容: Backup script failed with exit code 1: disk full');
    expect(output()).toMatch(/\[WARN\] \[EmailService\] HTML/);
    expect(output()).toMatch(warning);
  });

  it('speaks English with BACKUP_ALERT_LANG=en', async () => {
    const sink = await startSmtpSink();
    const { config, logger } = setup({
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(sink.port),
      BACKUP_ALERT_EMAIL: 'a@x.test',
      BACKUP_ALERT_LANG: 'en',
    });
    await notifier(config, logger).send(alert(), NO_ABORT);
    const [mail] = await sink.waitForMails(1);
    expect(mail?.parsed.subject).toBe('[URGENT] Backup failed: daily@db01 BKP-20260215-030000-daily');
    expect(mail?.parsed.text).toContain('Error: Backup script failed with exit code 1: disk full');
    expect(String(mail?.parsed.html)).toContain('<html lang="en">');
  });
});

describe('recipients', () => {
  it('is off, with one debug line, when BACKUP_ALERT_EMAIL is unset', () => {
    const { config, logger, output } = setup({});
    expect(createEmailNotifier(config, logger)).toBeUndefined();
    expect(output()).toBe('[DEBUG] [EmailService] BACKUP_ALERT_EMAIL not set: e-mail alerts off\n');
  });

  it('sends one message to three recipients given with spaces', async () => {
    const sink = await startSmtpSink();
    const { config, logger, output } = setup({
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(sink.port),
      BACKUP_ALERT_EMAIL: ' admin@company.com , ops-team@company.com,manager@company.com ',
    });
    const email = notifier(config, logger);
    expect(email.recipient).toBe('admin@company.com,ops-team@company.com,manager@company.com');
    await email.send(alert(), NO_ABORT);
    const mails = await sink.waitForMails(1);
    expect(mails).toHaveLength(1);
    expect(mails[0]?.rcptTo).toEqual(['admin@company.com', 'ops-team@company.com', 'manager@company.com']);
    expect(output()).toContain(
      '[INFO] [Backup] Failure alert email sent to admin@company.com,ops-team@company.com,manager@company.com\n',
    );
  });

  it('still delivers to the others when the server rejects one recipient, and logs it', async () => {
    const sink = await startSmtpSink({ rejectRecipients: ['gone@company.com'] });
    const { config, logger, output } = setup({
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(sink.port),
      BACKUP_ALERT_EMAIL: 'admin@company.com,gone@company.com,ops@company.com',
    });
    await notifier(config, logger).send(alert(), NO_ABORT);
    const [mail] = await sink.waitForMails(1);
    expect(mail?.rcptTo).toEqual(['admin@company.com', 'ops@company.com']);
    expect(output()).toMatch(
      /\[WARN\] \[EmailService\] Recipient rejected by the server: gone@company.com \(.*550/,
    );
    expect(output()).toContain(
      '[INFO] [Backup] Failure alert email sent to admin@company.com,ops@company.com\n',
    );
  });

  it('fails permanently when every recipient is rejected', async () => {
    const sink = await startSmtpSink({ rejectRecipients: ['gone@company.com'] });
    const { config, logger } = setup({
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(sink.port),
      BACKUP_ALERT_EMAIL: 'gone@company.com',
    });
    const error = await notifier(config, logger)
      .send(alert(), NO_ABORT)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    expect(error).toMatchObject({ code: 'EENVELOPE', permanent: true, attempts: 1 });
  });

  it('shows control characters from the script visibly in the text and HTML parts, newlines and tabs kept', async () => {
    const sink = await startSmtpSink();
    const { config, logger } = setup({
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(sink.port),
      BACKUP_ALERT_EMAIL: 'admin@company.com',
    });
    const output = 'step\t1\r\n\u001b[31mERROR\u001b[0m disk \u0001\u0002 full\u009b2J\nlast line\n';
    await notifier(config, logger).send(
      alert({ outputTail: output, error: 'Backup script failed with exit code 1: \u001b[31mERROR\u001b[0m' }),
      NO_ABORT,
    );
    const [mail] = await sink.waitForMails(1);
    const text = mail!.parsed.text ?? '';
    const html = String(mail!.parsed.html);
    expect(text).toContain('step\t1\n␛[31mERROR␛[0m disk ␁␂ full\\x9b2J\nlast line');
    expect(text).toContain('エラー内容: Backup script failed with exit code 1: ␛[31mERROR␛[0m\n');
    expect(html).toContain('␛[31mERROR␛[0m disk ␁␂ full');
    for (const part of [mail!.raw, text, html])
      expect(part).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/);
  });
});
