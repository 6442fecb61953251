import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runCli, runMain } from '../helpers/cli.js';
import { closedPort, startSilentServer } from '../helpers/net.js';
import { startSmtpSink } from '../helpers/smtp.js';
import { tempDir } from '../helpers/tmp.js';

const USER = 'itsm-alerts@company.com';
const PASSWORD = 'hunter2-Secret!';

function env(port: number, extra: Record<string, string> = {}): Record<string, string> {
  const dir = tempDir();
  return {
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(port),
    BACKUP_ALERT_EMAIL: 'admin@company.com',
    BACKUP_ALERT_DB: join(dir, 'backup-alert.db'),
    ...extra,
  };
}

function expectNoPassword(text: string): void {
  expect(text).not.toContain(PASSWORD);
  expect(text).not.toContain(Buffer.from(PASSWORD).toString('base64'));
  expect(text).not.toContain(Buffer.from(`\u0000${USER}\u0000${PASSWORD}`).toString('base64'));
}

describe('test-email', () => {
  it('verifies, sends a clearly-marked test message, exits 0 and writes an audit row', async () => {
    const sink = await startSmtpSink({ auth: { user: USER, pass: PASSWORD } });
    const settings = env(sink.port, { SMTP_USER: USER, SMTP_PASSWORD: PASSWORD });
    const result = await runMain(['test-email'], { env: settings });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('✔ SMTP server is ready to send emails');
    expect(result.stdout).toContain('✔ Test e-mail sent to admin@company.com');
    expect(result.stderr).toContain('[INFO] [EmailService] SMTP server is ready to send emails\n');
    const [mail] = await sink.waitForMails(1);
    expect(mail?.parsed.subject).toBe('【テスト】バックアップアラート通知テスト: test@test-host');
    expect(mail?.parsed.text).toContain('【テスト】これはバックアップアラートのテスト通知です');
    const db = new Database(settings.BACKUP_ALERT_DB, { readonly: true });
    const rows = db.prepare('SELECT operation, status, username FROM backup_audit_logs').all();
    db.close();
    expect(rows).toEqual([{ operation: 'test-email', status: 'success', username: 'tester' }]);
    expectNoPassword(result.stdout + result.stderr);
  });

  it('--to overrides BACKUP_ALERT_EMAIL; invalid addresses are reported and skipped', async () => {
    const sink = await startSmtpSink();
    const result = await runMain(
      ['test-email', '--to', 'ops@company.com, not-an-address ,boss@company.com'],
      {
        env: env(sink.port),
      },
    );
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/⚠ --to: "not-an-address" is not a valid e-mail address/);
    const [mail] = await sink.waitForMails(1);
    expect(mail?.rcptTo).toEqual(['ops@company.com', 'boss@company.com']);
  });

  it('without any recipient says what to set and exits 1', async () => {
    const result = await runMain(['test-email'], { env: { ...env(1), BACKUP_ALERT_EMAIL: '' } });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('✖ No recipients: set BACKUP_ALERT_EMAIL');
  });

  it('--verify-only checks the login and sends nothing', async () => {
    const sink = await startSmtpSink({ auth: { user: USER, pass: PASSWORD } });
    const result = await runMain(['test-email', '--verify-only'], {
      env: env(sink.port, { SMTP_USER: USER, SMTP_PASSWORD: PASSWORD }),
    });
    expect(result.exitCode).toBe(0);
    expect(sink.logins).toEqual([{ user: USER, ok: true }]);
    expect(sink.mails).toEqual([]);
  });

  it('--verbose prints the SMTP conversation with the credentials masked', async () => {
    const sink = await startSmtpSink({ auth: { user: USER, pass: PASSWORD }, authMethods: ['LOGIN'] });
    const result = await runMain(['test-email', '--verbose'], {
      env: env(sink.port, { SMTP_USER: USER, SMTP_PASSWORD: PASSWORD }),
    });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toMatch(/C: EHLO /);
    expect(result.stderr).toMatch(/C: AUTH LOGIN/);
    expect(result.stderr).toMatch(/S: 235/);
    expect(result.stderr).not.toContain(Buffer.from(USER).toString('base64'));
    expectNoPassword(result.stdout + result.stderr);
  });
});

describe('test-email failures: the code and the runbook §10.1 remedy', () => {
  it('ECONNREFUSED: check SMTP_HOST and SMTP_PORT', async () => {
    const result = await runMain(['test-email'], { env: env(await closedPort()) });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('✖ SMTP connection failed: connect ECONNREFUSED');
    expect(result.stdout).toContain('  code: ECONNREFUSED');
    expect(result.stdout).toMatch(/remedy: .*check SMTP_HOST and SMTP_PORT/);
    expect(result.stderr).toMatch(/\[ERROR\] \[EmailService\] SMTP connection error: connect ECONNREFUSED/);
  });

  it('EAUTH: check SMTP_USER and SMTP_PASSWORD, password never shown', async () => {
    const sink = await startSmtpSink({ auth: { user: USER, pass: 'the-real-one' } });
    const result = await runMain(['test-email', '--verbose'], {
      env: env(sink.port, { SMTP_USER: USER, SMTP_PASSWORD: PASSWORD }),
    });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('  code: EAUTH (SMTP reply 535)');
    expect(result.stdout).toMatch(/remedy: .*check SMTP_USER and SMTP_PASSWORD/);
    expectNoPassword(result.stdout + result.stderr);
  });

  it('ESOCKET: SMTP_SECURE=true against a plaintext port, check SMTP_SECURE', async () => {
    const sink = await startSmtpSink();
    const result = await runMain(['test-email'], { env: env(sink.port, { SMTP_SECURE: 'true' }) });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/code: (ESOCKET|ETLS)/);
    expect(result.stdout).toMatch(/remedy: .*SMTP_SECURE/);
  });

  it('ETIMEDOUT: a silent server, check the firewall', async () => {
    const silent = await startSilentServer();
    const result = await runMain(['test-email'], {
      env: env(silent.port, { BACKUP_ALERT_NOTIFY_TIMEOUT: '2s' }),
    });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('  code: ETIMEDOUT');
    expect(result.stdout).toMatch(/remedy: .*firewall/);
  });

  it('a self-signed certificate: check it or set SMTP_TLS_REJECT_UNAUTHORIZED=false', async () => {
    const sink = await startSmtpSink({ tls: 'starttls' });
    const result = await runMain(['test-email'], { env: env(sink.port) });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('  code: DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(result.stdout).toMatch(/remedy: .*SMTP_TLS_REJECT_UNAUTHORIZED=false/);
  });

  it('EENVELOPE: every recipient refused, check the addresses', async () => {
    const sink = await startSmtpSink({ rejectRecipients: ['gone@company.com'] });
    const result = await runMain(['test-email', '--to', 'gone@company.com'], { env: env(sink.port) });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('✖ Sending the test e-mail failed');
    expect(result.stdout).toContain('  code: EENVELOPE');
    expect(result.stdout).toMatch(/remedy: .*BACKUP_ALERT_EMAIL and SMTP_FROM/);
  });
});

// Needs the bundle: `npm test` builds first (run `npm run build` before vitest alone).
describe('test-email, the built CLI as cron would run it', () => {
  it('exits 0 after sending, 1 with the remedy when the server is down', async () => {
    const sink = await startSmtpSink();
    const ok = await runCli(['test-email'], { env: env(sink.port) });
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout).toContain('✔ Test e-mail sent to admin@company.com');
    await sink.waitForMails(1);

    const down = await runCli(['test-email'], { env: env(await closedPort()) });
    expect(down.exitCode).toBe(1);
    expect(down.stdout).toContain('  code: ECONNREFUSED');
  });

  it('the process ends soon after the timeout when the server never answers (no lingering socket)', async () => {
    const silent = await startSilentServer();
    const started = Date.now();
    const result = await runCli(['test-email'], {
      env: env(silent.port, { BACKUP_ALERT_NOTIFY_TIMEOUT: '2s' }),
    });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('  code: ETIMEDOUT');
    expect(Date.now() - started).toBeLessThan(6_000);
  });
});
