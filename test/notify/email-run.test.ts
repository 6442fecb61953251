import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runMain } from '../helpers/cli.js';
import { readNotifications, readRuns } from '../helpers/db.js';
import { closedPort, startSilentServer } from '../helpers/net.js';
import { startSmtpSink } from '../helpers/smtp.js';
import { tempDir } from '../helpers/tmp.js';

const FAIL = join(ROOT, 'test', 'fixtures', 'fail.sh');
const OK = join(ROOT, 'test', 'fixtures', 'ok.sh');
const USER = 'itsm-alerts@company.com';
const PASSWORD = 'hunter2-Secret!';
const NOW = new Date('2026-02-15T03:00:15.123Z');

function settings(port: number, extra: Record<string, string> = {}) {
  const dir = tempDir();
  const db = join(dir, 'backup-alert.db');
  return {
    db,
    env: {
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(port),
      BACKUP_ALERT_EMAIL: 'admin@company.com',
      BACKUP_ALERT_DB: db,
      XDG_STATE_HOME: dir,
      NODE_ENV: 'test',
      ...extra,
    },
  };
}

describe('e-mail from `run` (the failure hook)', () => {
  it('a failed backup sends the alert; the run and the notification are recorded', async () => {
    const sink = await startSmtpSink();
    const { db, env } = settings(sink.port);
    const result = await runMain(['run', '--type', 'daily', '--script', FAIL], { env, now: () => NOW });
    expect(result.exitCode).toBe(3);
    const [mail] = await sink.waitForMails(1);
    expect(mail?.parsed.subject).toBe(
      `【緊急】バックアップ失敗: daily@test-host ${readRuns(db)[0]?.backup_id}`,
    );
    expect(mail?.parsed.text).toContain('エラー内容: Backup script failed with exit code 3: disk full');
    expect(result.stderr).toContain('[INFO] [Backup] Failure alert email sent to admin@company.com\n');
    expect(readNotifications(db)).toMatchObject([
      {
        notification_type: 'backup_failure',
        channel: 'email',
        recipient: 'admin@company.com',
        status: 'sent',
      },
    ]);
  });

  it('a successful backup sends nothing (runbook §1.2)', async () => {
    const sink = await startSmtpSink();
    const { db, env } = settings(sink.port);
    const result = await runMain(['run', '--type', 'daily', '--script', OK], { env });
    expect(result.exitCode).toBe(0);
    expect(sink.mails).toEqual([]);
    expect(readNotifications(db)).toEqual([]);
  });

  it('server down: run still recorded, exit code still the script’s, error logged, quick', async () => {
    const { db, env } = settings(await closedPort());
    const started = Date.now();
    const result = await runMain(['run', '--type', 'daily', '--script', FAIL], { env });
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(result.exitCode).toBe(3);
    expect(readRuns(db)).toMatchObject([{ status: 'failure', exit_code: 3 }]);
    expect(result.stderr).toMatch(
      /\[ERROR\] \[Backup\] Failed to send failure alert email: connect ECONNREFUSED/,
    );
    expect(result.stderr).toMatch(/\[ERROR\] \[EmailService\] Error sending email: \{ code: "ECONNREFUSED"/);
    const [row] = readNotifications(db);
    expect(row).toMatchObject({ channel: 'email' });
    expect(row?.status).not.toBe('sent');
    expect(row?.error_message).toMatch(/ECONNREFUSED/);
  });

  it('a server that accepts TCP and never answers is cut off by BACKUP_ALERT_NOTIFY_TIMEOUT', async () => {
    const silent = await startSilentServer();
    const { db, env } = settings(silent.port, { BACKUP_ALERT_NOTIFY_TIMEOUT: '2s' });
    const started = Date.now();
    const result = await runMain(['run', '--type', 'daily', '--script', FAIL], { env });
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(result.exitCode).toBe(3);
    expect(readRuns(db)).toMatchObject([{ status: 'failure' }]);
    expect(result.stderr).toMatch(/Failed to send failure alert email/);
  });

  it('the SMTP password never appears in any output or in the database', async () => {
    const sink = await startSmtpSink({ auth: { user: USER, pass: 'the-real-one' } });
    const { db, env } = settings(sink.port, { SMTP_USER: USER, SMTP_PASSWORD: PASSWORD });
    const result = await runMain(['run', '--type', 'daily', '--script', FAIL, '--verbose'], { env });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toMatch(/Error sending email: \{ code: "EAUTH"/);
    // WAL mode: recent rows may still be in the -wal file, so read both.
    const files = [db, `${db}-wal`].filter((path) => existsSync(path));
    const stored = files.map((path) => readFileSync(path).toString('latin1')).join('\n');
    expect(stored).toContain('EAUTH');
    const everything = `${result.stdout}\n${result.stderr}\n${stored}`;
    for (const form of [
      PASSWORD,
      Buffer.from(PASSWORD).toString('base64'),
      Buffer.from(`\u0000${USER}\u0000${PASSWORD}`).toString('base64'),
    ]) {
      expect(everything).not.toContain(form);
    }
  });
});

describe('what `run` says to do when the alert e-mail fails', () => {
  it('nothing listening: the alert e-mail error names the remedy (check SMTP_HOST and SMTP_PORT)', async () => {
    // A port found closed, not 465: a machine's own mail server may listen there. What
    // port 465 with SMTP_SECURE=false adds to the remedy is in smtp-errors.test.ts.
    const { env } = settings(await closedPort());
    const result = await runMain(['run', '--type', 'daily', '--script', FAIL], { env });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toMatch(
      /\[ERROR\] \[EmailService\] Error sending email: \{ code: "ECONNREFUSED", .*remedy: "Nothing accepts connections there: check SMTP_HOST and SMTP_PORT/,
    );
  });

  it('an untrusted certificate names the remedy: NODE_EXTRA_CA_CERTS or SMTP_TLS_REJECT_UNAUTHORIZED=false', async () => {
    const sink = await startSmtpSink({ tls: 'starttls' });
    const { env } = settings(sink.port);
    const result = await runMain(['run', '--type', 'daily', '--script', FAIL], { env });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toMatch(
      /Error sending email: \{ code: "DEPTH_ZERO_SELF_SIGNED_CERT", .*remedy: ".*NODE_EXTRA_CA_CERTS=\/path\/ca\.pem or set SMTP_TLS_REJECT_UNAUTHORIZED=false/,
    );
    expect(sink.mails).toEqual([]);
  });

  it('the SMTP check beside a successful run says what to do too', async () => {
    const { env } = settings(await closedPort(), { NODE_ENV: '' });
    const result = await runMain(['run', '--type', 'daily', '--quiet', '--script', OK], { env });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toMatch(
      /\[ERROR\] \[EmailService\] SMTP connection error: .*ECONNREFUSED.*Nothing accepts connections there: check SMTP_HOST and SMTP_PORT/,
    );
  });
});
