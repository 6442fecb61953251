import { Socket } from 'node:net';
import { format } from 'node:util';
import type nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { SmtpSettings } from '../config/config.js';

/** Receives the SMTP conversation (`--verbose`), one masked line at a time. */
export type TranscriptSink = (line: string) => void;

export type SmtpTransporter = ReturnType<typeof nodemailer.createTransport<SMTPTransport.SentMessageInfo>>;

/**
 * nodemailer's bunyan-style logger, printing the conversation with the AUTH
 * exchange blanked: nodemailer already hides the password, but the AUTH PLAIN
 * blob and the AUTH LOGIN lines still carry the user name and, with some
 * mechanisms, more.
 */
function transcriptLogger(write: TranscriptSink, mask: (text: string) => string) {
  let inAuth = false;
  const log = (entry: unknown, message: unknown, ...args: unknown[]): void => {
    const tnx = (entry as { tnx?: unknown } | undefined)?.tnx;
    // The composed message itself is long and says nothing about why delivery fails.
    if (tnx === 'message') return;
    const prefix = tnx === 'server' ? 'S: ' : tnx === 'client' ? 'C: ' : '';
    for (const raw of format(String(message), ...args).split(/\r?\n/)) {
      let line = raw ? prefix + raw : raw;
      if (/^C: AUTH /i.test(line)) {
        inAuth = true;
        line = line.replace(/^(C: AUTH \S+)\s.*$/i, '$1 ***');
      } else if (inAuth && /^C: /.test(line)) {
        line = 'C: ***';
      } else if (inAuth && /^S: (2|5)\d\d/.test(line)) {
        inAuth = false;
      }
      if (line.trim()) write(`${mask(line)}\n`);
    }
  };
  const noop = (): void => {};
  return { level: noop, trace: log, debug: log, info: log, warn: log, error: log, fatal: log };
}

export interface TransportTimeouts {
  connectionMs: number;
  greetingMs: number;
  socketMs: number;
}

/**
 * Timeouts from what is left of the notify budget, so a dead or silent server
 * ends the attempt before the budget does. The greeting gets 10-20 s when the
 * budget allows: Microsoft 365 on 587 sometimes greets slowly or never from
 * one front-end (nodemailer #1099, #1595), and a fresh connection usually
 * lands elsewhere, so leaving room for a second attempt beats waiting longer.
 */
export function timeoutsFor(remainingMs: number): TransportTimeouts {
  const remaining = Math.max(1, Math.floor(remainingMs));
  return {
    connectionMs: Math.min(remaining, 10_000),
    greetingMs: Math.min(remaining, Math.max(10_000, Math.min(20_000, Math.floor(remaining / 2)))),
    socketMs: Math.min(remaining, 30_000),
  };
}

export interface TransportHandle {
  transporter: SmtpTransporter;
  /** Ends the connection now, whatever state it is in. */
  destroy(): void;
}

/** nodemailer loads with the first connection: only a run that sends or checks e-mail pays for it. */
export async function createSmtpTransport(
  smtp: SmtpSettings,
  timeouts: TransportTimeouts,
  options: { transcript?: TranscriptSink; mask: (text: string) => string },
): Promise<TransportHandle> {
  // For plaintext/STARTTLS we hand nodemailer an unconnected socket so an abort can destroy it;
  // nodemailer exposes no handle on its connection. Implicit TLS relies on the timeouts above.
  const socket = smtp.secure ? undefined : new Socket();
  const transportOptions: SMTPTransport.Options = {
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    tls: { rejectUnauthorized: smtp.tlsRejectUnauthorized },
    connectionTimeout: timeouts.connectionMs,
    greetingTimeout: timeouts.greetingMs,
    socketTimeout: timeouts.socketMs,
    dnsTimeout: Math.min(timeouts.connectionMs, 10_000),
    ...(socket ? { socket } : {}),
    ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.password ?? '' } } : {}),
    ...(options.transcript
      ? { logger: transcriptLogger(options.transcript, options.mask), debug: true }
      : { logger: false, debug: false }),
  };
  const { default: mailer } = await import('nodemailer');
  const transporter = mailer.createTransport(transportOptions);
  let destroyed = false;
  // Destroyed while nodemailer was still resolving the host, the socket would be
  // connected anyway (net.Socket.connect revives a destroyed socket), and its greeting
  // timer would hold the process for 10-20 s: end it again as soon as it connects.
  socket?.on('connect', () => {
    if (destroyed) socket.destroy();
  });
  return {
    transporter,
    destroy: () => {
      destroyed = true;
      socket?.destroy();
      transporter.close();
    },
  };
}

/** An error nodemailer would have raised, for a give-up decided by us. */
export function abortedError(signal: AbortSignal, what: string): Error {
  const reason = signal.reason as { name?: string } | undefined;
  const timedOut = reason?.name === 'TimeoutError';
  const error = new Error(
    timedOut
      ? `${what}: no result within the time allowed (BACKUP_ALERT_NOTIFY_TIMEOUT)`
      : `${what}: cancelled`,
  );
  return Object.assign(error, { code: timedOut ? 'ETIMEDOUT' : 'ECANCELED' });
}

const QUIT_GRACE_MS = 1_000;

/** Runs one SMTP operation; an abort destroys the connection and rejects at once. */
export function withAbort<T>(
  handle: TransportHandle,
  signal: AbortSignal,
  what: string,
  run: () => Promise<T>,
) {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) {
      handle.destroy();
      reject(abortedError(signal, what));
      return;
    }
    const onAbort = () => {
      handle.destroy();
      reject(abortedError(signal, what));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    // nodemailer ends a failed connection with a half-close, which a server that never
    // answers leaves open, keeping the process (a cron job) alive: destroy it. After a
    // success, give QUIT a moment to be answered first.
    run().then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        setTimeout(handle.destroy, QUIT_GRACE_MS).unref();
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        handle.destroy();
        reject(error);
      },
    );
  });
}
