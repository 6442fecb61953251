import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../shared/logger.js';
import { buildEmailContent } from './email-content.js';
import { singleLine } from './message.js';
import { withRetries } from './retry.js';
import { describeSmtpError, type SmtpErrorInfo } from './smtp-errors.js';
import { createSmtpTransport, type TranscriptSink, timeoutsFor, withAbort } from './smtp-transport.js';
import { type Alert, DeliveryError, type Notifier, type SendReport } from './types.js';
import { kindWords } from './words.js';

/** Tries per send; transient failures only. Three tries at 0.5 s and 1 s apart stay quick for a down server. */
const MAX_ATTEMPTS = 3;
const FIRST_BACKOFF_MS = 500;
/** Not worth starting an attempt with less time than this left. */
const MIN_ATTEMPT_MS = 2_000;

export interface EmailOptions {
  /** `--verbose`: the SMTP conversation, credentials masked. */
  transcript?: TranscriptSink;
}

/** The e-mail channel, or undefined when BACKUP_ALERT_EMAIL is unset (e-mail off is not an error). */
export function createEmailNotifier(
  config: Config,
  logger: Logger,
  options: EmailOptions = {},
): Notifier | undefined {
  if (config.emailRecipients.length === 0) {
    logger.debug('EmailService', 'BACKUP_ALERT_EMAIL not set: e-mail alerts off');
    return undefined;
  }
  const recipients = [...config.emailRecipients];
  return {
    channel: 'email',
    recipient: recipients.join(','),
    send: (alert, signal) => sendAlertEmail(config, logger, recipients, alert, signal, options),
  };
}

/** `{ code: "ECONNREFUSED", ... }` as runbook §9.2 shows it; JSON-quoted so nothing can break the line. */
function errorObject(info: SmtpErrorInfo, attempts: number): string {
  const fields: string[] = [`code: ${JSON.stringify(info.code)}`];
  if (info.nodemailerCode) fields.push(`nodemailerCode: ${JSON.stringify(info.nodemailerCode)}`);
  if (info.responseCode !== undefined) fields.push(`responseCode: ${info.responseCode}`);
  fields.push(`message: ${JSON.stringify(info.message)}`, `attempts: ${attempts}`);
  // What to do, in the line cron mails and the log file keeps (test-email and doctor say it too).
  fields.push(`remedy: ${JSON.stringify(info.remedy)}`);
  return `{ ${fields.join(', ')} }`;
}

/**
 * Sends one message to all recipients, retrying transient failures (network,
 * 4xx) with backoff inside the notify budget and the caller's signal.
 * Permanent ones (5xx, EAUTH, untrusted certificate) fail at once.
 */
export async function sendAlertEmail(
  config: Config,
  logger: Logger,
  recipients: readonly string[],
  alert: Alert,
  signal: AbortSignal,
  options: EmailOptions = {},
): Promise<SendReport> {
  const clock = () => performance.now();
  const deadline = clock() + config.notifyTimeoutMs;
  const bound = AbortSignal.any([signal, AbortSignal.timeout(config.notifyTimeoutMs)]);
  const name = kindWords(config.lang, alert.kind).logName;
  const content = await buildEmailContent(alert, config, logger);
  const message = {
    from: config.smtp.from,
    to: [...recipients],
    subject: content.subject,
    text: content.text,
    ...(content.html !== undefined ? { html: content.html } : {}),
    headers: {
      // Stops out-of-office replies; lets mail rules file alerts by run.
      'Auto-Submitted': 'auto-generated',
      'X-Backup-Alert-Id': singleLine(alert.run.backupId),
    },
    ...(alert.kind === 'failure' ? { priority: 'high' as const } : {}),
  };
  let lastFailure: { info: SmtpErrorInfo; cause: unknown } | undefined;
  try {
    const { value: info, attempts } = await withRetries<SMTPTransport.SentMessageInfo>(
      {
        maxAttempts: MAX_ATTEMPTS,
        firstDelayMs: FIRST_BACKOFF_MS,
        signal: bound,
        remainingMs: () => deadline - clock(),
        minAttemptMs: MIN_ATTEMPT_MS,
        onRetry: (failure, attempt, waitMs) =>
          logger.warn(
            'EmailService',
            `Attempt ${attempt} failed (${failure.code}: ${failure.retry}); retrying in ${waitMs} ms`,
          ),
      },
      async (attempt) => {
        const handle = await createSmtpTransport(config.smtp, timeoutsFor(deadline - clock()), {
          mask: logger.mask,
          ...(options.transcript ? { transcript: options.transcript } : {}),
        });
        try {
          return {
            done: await withAbort(handle, bound, 'Sending e-mail', () =>
              handle.transporter.sendMail(message),
            ),
          };
        } catch (error) {
          const info = describeSmtpError(error, config.smtp);
          info.message = logger.mask(info.message);
          lastFailure = { info, cause: error };
          if (info.permanent || bound.aborted) {
            throw new DeliveryError(info.message, {
              attempts: attempt,
              permanent: info.permanent,
              code: info.code,
            });
          }
          return { retry: info.message, code: info.code };
        }
      },
    );
    const accepted = info.accepted.map(addressOf);
    // nodemailer adds rejectedErrors (one per refused RCPT, with `recipient`) beyond its typings.
    const reasons = (info as { rejectedErrors?: Array<{ recipient?: string; message?: string }> })
      .rejectedErrors;
    for (const rejected of info.rejected.map(addressOf)) {
      const reason = reasons?.find((entry) => entry.recipient === rejected)?.message;
      logger.warn(
        'EmailService',
        `Recipient rejected by the server: ${rejected}${reason ? ` (${logger.mask(singleLine(reason))})` : ''}`,
      );
    }
    logger.info('Backup', `${capitalised(name)} email sent to ${accepted.join(',')}`);
    logger.info(
      'EmailService',
      `Email sent successfully: { messageId: ${JSON.stringify(info.messageId)}, to: ${JSON.stringify(
        accepted.join(','),
      )}, subject: ${JSON.stringify(content.subject)} }`,
    );
    return { attempts, subject: content.subject };
  } catch (error) {
    const info = lastFailure?.info ?? describeSmtpError(error, config.smtp);
    const attempts = error instanceof DeliveryError ? error.attempts : 1;
    logger.error('Backup', `Failed to send ${name} email: ${info.message}`);
    logger.error('EmailService', `Error sending email: ${errorObject(info, attempts)}`);
    throw new DeliveryError(
      info.message.includes(info.code) ? info.message : `${info.message} (${info.code})`,
      {
        attempts,
        permanent: info.permanent,
        code: info.code,
        cause: lastFailure?.cause ?? error,
      },
    );
  }
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function addressOf(entry: string | { address: string }): string {
  return typeof entry === 'string' ? entry : entry.address;
}

export type VerifyResult = { ok: true } | { ok: false; error: SmtpErrorInfo };

/**
 * Checks connection, TLS and login without sending (transporter.verify) and
 * logs the runbook §6 Step 5 lines. For `test-email` and `doctor`.
 */
export async function verifySmtp(
  config: Config,
  logger: Logger,
  options: {
    timeoutMs: number;
    transcript?: TranscriptSink;
    signal?: AbortSignal;
    /**
     * `run` checks in the background: a healthy server must not break cron's silence on
     * success, and a broken one is reported with what to do (nobody runs test-email at 3 am).
     */
    readyAtDebug?: boolean;
  },
): Promise<VerifyResult> {
  const handle = await createSmtpTransport(config.smtp, timeoutsFor(options.timeoutMs), {
    mask: logger.mask,
    ...(options.transcript ? { transcript: options.transcript } : {}),
  });
  const bound = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, bound]) : bound;
  try {
    await withAbort(handle, signal, 'SMTP verify', () => handle.transporter.verify());
    (options.readyAtDebug ? logger.debug : logger.info)(
      'EmailService',
      'SMTP server is ready to send emails',
    );
    return { ok: true };
  } catch (error) {
    const info = describeSmtpError(error, config.smtp);
    info.message = logger.mask(info.message);
    // Called off by the caller: not a connection error worth reporting.
    if (!options.signal?.aborted) {
      const remedy = options.readyAtDebug ? `; ${info.remedy}` : '';
      logger.error('EmailService', `SMTP connection error: ${info.message} (${info.code})${remedy}`);
    }
    return { ok: false, error: info };
  }
}
