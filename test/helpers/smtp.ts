import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { onTestFinished } from 'vitest';
import { makeCert, type TestCert } from './cert.js';

let certPromise: Promise<TestCert> | undefined;

/** A self-signed certificate for 127.0.0.1/localhost (CN=localhost, RSA), made once per test file. */
export function selfSignedCert(): Promise<TestCert> {
  certPromise ??= makeCert('localhost', 'rsa');
  return certPromise;
}

export interface ReceivedMail {
  from: string | undefined;
  /** Envelope recipients the server accepted. */
  rcptTo: string[];
  raw: string;
  parsed: ParsedMail;
}

export interface SmtpSinkOptions {
  /** Require AUTH PLAIN/LOGIN with these credentials. */
  auth?: { user: string; pass: string };
  /** none: plaintext only; starttls: offered on a plain port; implicit: TLS from the first byte (465). */
  tls?: 'none' | 'starttls' | 'implicit';
  /** RCPT TO for these addresses is refused with 550. */
  rejectRecipients?: string[];
  /** Every RCPT TO is refused with this reply code (e.g. 451 for a transient failure). */
  rejectAllWith?: number;
  /** AUTH mechanisms offered (default PLAIN and LOGIN). */
  authMethods?: string[];
}

export interface SmtpSink {
  port: number;
  mails: ReceivedMail[];
  /** AUTH attempts seen: user and whether they passed. */
  logins: Array<{ user: string; ok: boolean }>;
  waitForMails(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

/** A real smtp-server on 127.0.0.1, random port, closed when the test finishes. */
export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const mails: ReceivedMail[] = [];
  const logins: Array<{ user: string; ok: boolean }> = [];
  const mode = options.tls ?? 'none';
  const cert = mode === 'none' ? undefined : await selfSignedCert();
  const serverOptions: SMTPServerOptions = {
    secure: mode === 'implicit',
    ...(cert ? { key: cert.key, cert: cert.cert } : {}),
    // smtp-server offers STARTTLS with its own built-in certificate unless told not to.
    disabledCommands: mode === 'none' ? ['STARTTLS'] : [],
    authOptional: !options.auth,
    authMethods: options.authMethods ?? ['PLAIN', 'LOGIN'],
    // Do not keep a test waiting on a client that went quiet.
    closeTimeout: 500,
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      const ok = auth.username === options.auth?.user && auth.password === options.auth?.pass;
      logins.push({ user: auth.username ?? '', ok });
      if (ok) callback(null, { user: auth.username });
      else callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onRcptTo(address, _session, callback) {
      if (options.rejectAllWith) {
        callback(
          Object.assign(new Error(`Try again later (${address.address})`), {
            responseCode: options.rejectAllWith,
          }),
        );
      } else if (options.rejectRecipients?.includes(address.address)) {
        callback(Object.assign(new Error(`No such user: ${address.address}`), { responseCode: 550 }));
      } else callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        simpleParser(raw).then(
          (parsed) => {
            const mailFrom = session.envelope.mailFrom;
            mails.push({
              from: mailFrom ? mailFrom.address : undefined,
              rcptTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
              raw,
              parsed,
            });
            callback();
          },
          (error: Error) => callback(error),
        );
      });
    },
  };
  const server = new SMTPServer(serverOptions);
  // Client-side aborts and TLS rejections surface here; they are what the tests provoke.
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as { port: number }).port;
  let closed = false;
  const close = () =>
    closed
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          closed = true;
          server.close(() => resolve());
        });
  onTestFinished(close);
  return {
    port,
    mails,
    logins,
    close,
    async waitForMails(count, timeoutMs = 5_000) {
      const until = Date.now() + timeoutMs;
      while (mails.length < count) {
        if (Date.now() > until) throw new Error(`expected ${count} mail(s), got ${mails.length}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return mails;
    },
  };
}
