import type { Config } from '../config/config.js';
import type { Logger } from '../shared/logger.js';
import type { Store } from '../store/store.js';

export const CHANNELS = ['email', 'slack', 'teams', 'webhook'] as const;

/** notification_logs.notification_type, and the generic webhook's `event`, per alert kind. */
export const NOTIFICATION_TYPES = {
  failure: 'backup_failure',
  recovery: 'backup_recovery',
  test: 'backup_test',
} as const;
export type Channel = (typeof CHANNELS)[number];

/**
 * Everything any channel says about one event. Stored as JSON in
 * notification_logs.payload so `retry` can re-send it: it holds no secrets.
 */
export interface FailureAlert {
  /** `failure` (the runbook's alert), `recovery` (opt-in), `test` (test-notify). */
  kind: 'failure' | 'recovery' | 'test';
  backupId: string;
  type: string;
  /** When the failure happened: ISO 8601 UTC with milliseconds (runbook 発生時刻). */
  timestamp: string;
  /** One-line error, e.g. `Backup script failed with exit code 1: disk full`. */
  error: string;
  exitCode: number | null;
  signal: string | null;
  host: string;
  durationMs: number | null;
  /** End of the script's output, already redacted; may be empty. */
  outputTail: string;
  script: string | null;
  logPath: string | null;
  /** Runs of this type that failed in a row, this one included. */
  consecutiveFailures: number;
  /** consecutiveFailures reached BACKUP_ALERT_ESCALATE_AFTER (runbook §13 Level 2). */
  escalate: boolean;
  /** Identical failures not re-sent inside BACKUP_ALERT_REPEAT_INTERVAL since the last alert. */
  suppressedCount?: number;
  /** Set by `retry`: this alert is late; when it was first due. Channels say so. */
  lateSince?: string;
  /** Set by `retry`: when it is being re-sent. */
  resentAt?: string;
}

export interface SendReport {
  /** Tries made inside this send (1 when the first one worked). */
  attempts: number;
  /** What to store as notification_logs.subject (e-mail subject, or a short title). */
  subject: string;
}

/** A failed delivery. `permanent` ones (HTTP 4xx but 429, SMTP 5xx, EAUTH) are not worth retrying. */
export class DeliveryError extends Error {
  readonly attempts: number;
  readonly permanent: boolean;
  readonly code: string | undefined;
  constructor(
    message: string,
    options: { attempts: number; permanent: boolean; code?: string; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.name = 'DeliveryError';
    this.attempts = options.attempts;
    this.permanent = options.permanent;
    this.code = options.code;
  }
}

/**
 * One channel. `send` must honour `signal` (abort = give up now) and must never
 * put a secret (password, webhook URL path or token) in an error message.
 */
export interface Notifier {
  readonly channel: Channel;
  /** For logs and notification_logs.recipient; secrets redacted (`https://hooks.slack.com/…`). */
  readonly recipient: string;
  send(alert: FailureAlert, signal: AbortSignal): Promise<SendReport>;
}

export interface NotifyContext {
  config: Config;
  logger: Logger;
  /** null when the database could not be opened: deliveries are then only logged. */
  store: Store | null;
  now: () => Date;
}
