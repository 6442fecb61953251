import { describe, expect, it } from 'vitest';
import { describeSmtpError } from '../../src/notify/smtp-errors.js';
import { createSmtpTransport } from '../../src/notify/smtp-transport.js';
import { DeliveryError } from '../../src/notify/types.js';
import { closedPort } from '../helpers/net.js';
import { startSmtpSink } from '../helpers/smtp.js';

/** An error shaped as nodemailer raises it: its own code over Node's, Node's text kept. */
function smtpError(message: string, code: string, responseCode?: number): Error {
  return Object.assign(new Error(message), { code, ...(responseCode ? { responseCode } : {}) });
}

describe('describeSmtpError: nodemailer errors → code and runbook §10.1 remedy', () => {
  it.each([
    [
      'connect ECONNREFUSED 127.0.0.1:587',
      'ESOCKET',
      undefined,
      'ECONNREFUSED',
      false,
      /SMTP_HOST and SMTP_PORT/,
    ],
    ['getaddrinfo ENOTFOUND smtp.example.invalid', 'EDNS', undefined, 'ENOTFOUND', true, /does not resolve/],
    [
      'Invalid login: 535 5.7.8 Authentication failed',
      'EAUTH',
      535,
      'EAUTH',
      true,
      /SMTP_USER and SMTP_PASSWORD/,
    ],
    ['Greeting never received', 'ETIMEDOUT', undefined, 'ETIMEDOUT', false, /firewall/],
    ['Connection timeout', 'ETIMEDOUT', undefined, 'ETIMEDOUT', false, /firewall/],
    ['Unexpected socket close', 'ECONNECTION', undefined, 'ECONNECTION', false, /firewall/],
    ['ssl3_get_record:wrong version number', 'ESOCKET', undefined, 'ESOCKET', true, /SMTP_SECURE/],
    ['self-signed certificate', 'ESOCKET', undefined, 'DEPTH_ZERO_SELF_SIGNED_CERT', true, /SMTP_TLS_REJECT/],
    [
      'unable to verify the first certificate',
      'ETLS',
      undefined,
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      true,
      /CA/,
    ],
    [
      "Can't send mail - all recipients were rejected: 550 No such user",
      'EENVELOPE',
      550,
      'EENVELOPE',
      true,
      /BACKUP_ALERT_EMAIL/,
    ],
    ['Data command failed: 451 Try again later', 'EMESSAGE', 451, 'EMESSAGE', false, /temporarily/],
    ['Mailbox unavailable: 452 Too many recipients', 'EENVELOPE', 452, 'EENVELOPE', false, /SMTP_FROM/],
  ] as const)('%s (%s)', (message, code, responseCode, expectedCode, permanent, remedy) => {
    const info = describeSmtpError(smtpError(message, code, responseCode));
    expect(info.code).toBe(expectedCode);
    expect(info.permanent).toBe(permanent);
    expect(info.remedy).toMatch(remedy);
    expect(info.responseCode).toBe(responseCode);
  });

  it('looks through a DeliveryError to the nodemailer error it wraps', () => {
    const cause = smtpError('connect ECONNREFUSED 10.0.0.1:25', 'ESOCKET');
    const info = describeSmtpError(new DeliveryError('x', { attempts: 3, permanent: false, cause }));
    expect(info).toMatchObject({ code: 'ECONNREFUSED', nodemailerCode: 'ESOCKET' });
  });

  it('keeps the message on one line', () => {
    expect(describeSmtpError(smtpError('bad\r\nX-Injected: 1', 'EPROTOCOL')).message).toBe(
      'bad X-Injected: 1',
    );
  });

  it('port 465 with nothing listening: first the refused remedy, then the setting (a real ECONNREFUSED)', async () => {
    // A closed port stands in for "nothing on 465": the machine's own mail server may listen on 465.
    const handle = await createSmtpTransport(
      {
        host: '127.0.0.1',
        port: await closedPort(),
        secure: false,
        from: 'a@b.c',
        tlsRejectUnauthorized: false,
      },
      { connectionMs: 2_000, greetingMs: 500, socketMs: 2_000 },
      { mask: (text) => text },
    );
    const error = await handle.transporter.verify().then(
      () => undefined,
      (reason: unknown) => reason,
    );
    handle.destroy();
    const refused =
      'Nothing accepts connections there: check SMTP_HOST and SMTP_PORT (runbook §10.1: ホスト名・ポート番号を確認).';
    expect(describeSmtpError(error).remedy).toBe(refused);
    const info = describeSmtpError(error, { port: 465, secure: false });
    expect(info).toMatchObject({ code: 'ECONNREFUSED', permanent: false });
    expect(info.remedy).toBe(
      `${refused} Then: Port 465 is implicit TLS: set SMTP_SECURE=true (SMTP_SECURE の値を確認); 587 and 25 use STARTTLS with SMTP_SECURE=false.`,
    );
    expect(describeSmtpError(error, { port: 465, secure: true }).remedy).toBe(refused);
  });

  it('port 465 spoken to without TLS: the settings, not the firewall (a real greeting timeout)', async () => {
    // An implicit-TLS server waits for a TLS hello; a plaintext client waits for its greeting.
    const sink = await startSmtpSink({ tls: 'implicit' });
    const handle = await createSmtpTransport(
      { host: '127.0.0.1', port: sink.port, secure: false, from: 'a@b.c', tlsRejectUnauthorized: false },
      { connectionMs: 2_000, greetingMs: 500, socketMs: 2_000 },
      { mask: (text) => text },
    );
    const error = await handle.transporter.verify().then(
      () => undefined,
      (reason: unknown) => reason,
    );
    handle.destroy();
    expect(describeSmtpError(error).remedy).toMatch(/firewall/);
    const info = describeSmtpError(error, { port: 465, secure: false });
    expect(info.remedy).toBe(
      'Port 465 is implicit TLS: set SMTP_SECURE=true (SMTP_SECURE の値を確認); 587 and 25 use STARTTLS with SMTP_SECURE=false.',
    );
    expect(info.permanent).toBe(true);
    // Right settings: no such advice.
    expect(describeSmtpError(error, { port: 465, secure: true }).remedy).toMatch(/firewall/);
  });
});

describe('an invalid SMTP_PORT', () => {
  it('is named first in every SMTP error: the default port was used, whatever the server then said', () => {
    const error = Object.assign(new Error('self-signed certificate'), { code: 'ESOCKET' });
    const info = describeSmtpError(error, { port: 587, secure: false, invalidPort: '25x' });
    expect(info.remedy).toMatch(
      /^SMTP_PORT "25x" is not a port number, so the default 587 was used instead: fix SMTP_PORT first\. Then, if it still fails: /,
    );
  });
});
