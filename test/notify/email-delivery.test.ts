import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createEmailNotifier, verifySmtp } from '../../src/notify/email.js';
import type { Alert, DeliveryError, Notifier } from '../../src/notify/types.js';
import { createLogger, type Logger } from '../../src/shared/logger.js';
import { Redactor } from '../../src/shared/redact.js';
import { runbookAlert } from '../helpers/alert.js';
import { TEMPLATES } from '../helpers/cli.js';
import { closedPort, startSilentServer } from '../helpers/net.js';
import { startSmtpSink } from '../helpers/smtp.js';

const USER = 'itsm-alerts@company.com';
const PASSWORD = 'hunter2-Secret!';
const NO_ABORT = new AbortController().signal;

const ALERT: Alert = runbookAlert({ durationMs: 1_000, outputTail: '', script: null });

function setup(env: Record<string, string>) {
  const { config, problems } = loadConfig(
    { SMTP_HOST: '127.0.0.1', BACKUP_ALERT_EMAIL: 'admin@company.com', ...env },
    {},
    { cwd: '/', defaultTemplateDir: TEMPLATES },
  );
  expect(problems).toEqual([]);
  let output = '';
  const redactor = new Redactor(config.secrets, config.redactPatterns);
  const logger: Logger = createLogger({ write: (line) => (output += line), level: 'debug', redactor });
  const email = createEmailNotifier(config, logger) as Notifier;
  return { config, logger, email, output: () => output };
}

/** Every form the password could leak in: plain and the AUTH PLAIN/LOGIN base64 encodings. */
function expectNoPassword(text: string): void {
  expect(text).not.toContain(PASSWORD);
  expect(text).not.toContain(Buffer.from(PASSWORD).toString('base64'));
  expect(text).not.toContain(Buffer.from(`\u0000${USER}\u0000${PASSWORD}`).toString('base64'));
}

async function failure(promise: Promise<unknown>): Promise<DeliveryError> {
  return promise.then(
    () => {
      throw new Error('expected the send to fail');
    },
    (error: DeliveryError) => error,
  );
}

describe('SMTP authentication', () => {
  it.each(['PLAIN', 'LOGIN'])('logs in with AUTH %s and the right password', async (method) => {
    const sink = await startSmtpSink({ auth: { user: USER, pass: PASSWORD }, authMethods: [method] });
    const { email, output } = setup({
      SMTP_PORT: String(sink.port),
      SMTP_USER: USER,
      SMTP_PASSWORD: PASSWORD,
    });
    await email.send(ALERT, NO_ABORT);
    await sink.waitForMails(1);
    expect(sink.logins).toEqual([{ user: USER, ok: true }]);
    expectNoPassword(output());
  });

  it('a wrong password is EAUTH, permanent, tried once, and never printed', async () => {
    const sink = await startSmtpSink({ auth: { user: USER, pass: 'the-real-one' } });
    const { email, output } = setup({
      SMTP_PORT: String(sink.port),
      SMTP_USER: USER,
      SMTP_PASSWORD: PASSWORD,
    });
    const error = await failure(email.send(ALERT, NO_ABORT));
    expect(error).toMatchObject({ code: 'EAUTH', permanent: true, attempts: 1 });
    expect(sink.logins).toEqual([{ user: USER, ok: false }]);
    expect(output()).toMatch(/\[ERROR\] \[Backup\] Failed to send failure alert email: Invalid login/);
    expect(output()).toMatch(
      /\[ERROR\] \[EmailService\] Error sending email: \{ code: "EAUTH", responseCode: 535/,
    );
    expectNoPassword(`${output()}\n${error.message}\n${String(error.stack)}`);
  });

  it('sends without AUTH when SMTP_USER is empty (the MailHog example)', async () => {
    const sink = await startSmtpSink();
    const { email } = setup({ SMTP_PORT: String(sink.port), SMTP_USER: '', SMTP_PASSWORD: '' });
    await email.send(ALERT, NO_ABORT);
    await sink.waitForMails(1);
    expect(sink.logins).toEqual([]);
  });
});

describe('TLS with a self-signed certificate', () => {
  it.each([
    ['STARTTLS', 'starttls', 'false'],
    ['implicit TLS', 'implicit', 'true'],
  ] as const)(
    '%s: rejected by default, accepted with SMTP_TLS_REJECT_UNAUTHORIZED=false',
    async (_name, tls, secure) => {
      const sink = await startSmtpSink({ tls, auth: { user: USER, pass: PASSWORD } });
      const env = {
        SMTP_PORT: String(sink.port),
        SMTP_SECURE: secure,
        SMTP_USER: USER,
        SMTP_PASSWORD: PASSWORD,
      };
      const strict = setup(env);
      const error = await failure(strict.email.send(ALERT, NO_ABORT));
      expect(error).toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT', permanent: true, attempts: 1 });
      expect(sink.logins).toEqual([]);

      const relaxed = setup({ ...env, SMTP_TLS_REJECT_UNAUTHORIZED: 'false' });
      await relaxed.email.send(ALERT, NO_ABORT);
      await sink.waitForMails(1);
      expect(sink.logins).toEqual([{ user: USER, ok: true }]);
    },
  );

  it('SMTP_SECURE=true against a plaintext port fails fast with the SMTP_SECURE remedy', async () => {
    const sink = await startSmtpSink();
    const { config, logger, output } = setup({ SMTP_PORT: String(sink.port), SMTP_SECURE: 'true' });
    const started = Date.now();
    const result = await verifySmtp(config, logger, { timeoutMs: 5_000 });
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.remedy).toMatch(/SMTP_SECURE/);
    expect(output()).toMatch(/\[ERROR\] \[EmailService\] SMTP connection error: /);
  });
});

describe('dead and silent servers', () => {
  it('server down: ECONNREFUSED, retried briefly, logged as the runbook shows, quick', async () => {
    const { email, output } = setup({ SMTP_PORT: String(await closedPort()) });
    const started = Date.now();
    const error = await failure(email.send(ALERT, NO_ABORT));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error).toMatchObject({ code: 'ECONNREFUSED', permanent: false, attempts: 3 });
    expect(output()).toMatch(/\[ERROR\] \[Backup\] Failed to send failure alert email: connect ECONNREFUSED/);
    expect(output()).toMatch(/\[ERROR\] \[EmailService\] Error sending email: \{ code: "ECONNREFUSED", /);
  });

  it('a server that never answers is bounded by the abort signal, and the socket is closed', async () => {
    const silent = await startSilentServer();
    const { email } = setup({ SMTP_PORT: String(silent.port), BACKUP_ALERT_NOTIFY_TIMEOUT: '30s' });
    const started = Date.now();
    const error = await failure(email.send(ALERT, AbortSignal.timeout(1_500)));
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(error).toMatchObject({ code: 'ETIMEDOUT', permanent: false });
    await expect.poll(() => silent.closedByClient, { timeout: 2_000 }).toBe(silent.connections);
  });

  it('a server that never answers is bounded by BACKUP_ALERT_NOTIFY_TIMEOUT on its own', async () => {
    const silent = await startSilentServer();
    const { email, output } = setup({ SMTP_PORT: String(silent.port), BACKUP_ALERT_NOTIFY_TIMEOUT: '2s' });
    const started = Date.now();
    const error = await failure(email.send(ALERT, NO_ABORT));
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(error.code).toBe('ETIMEDOUT');
    expect(output()).toMatch(/Error sending email: \{ code: "ETIMEDOUT"/);
  });

  it('4xx replies are transient: retried, then reported as not permanent', async () => {
    const sink = await startSmtpSink({ rejectAllWith: 451 });
    const { email, output } = setup({ SMTP_PORT: String(sink.port) });
    const error = await failure(email.send(ALERT, NO_ABORT));
    expect(error).toMatchObject({ permanent: false, attempts: 3 });
    expect(output()).toMatch(/\[WARN\] \[EmailService\] Attempt 1 failed .*retrying in 500 ms/);
  });
});
