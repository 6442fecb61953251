import type { RunResult } from '../shared/run-result.js';
import type { SizeFinding } from '../shared/size-finding.js';

export const CHANNELS = ['email', 'slack', 'teams', 'webhook', 'apprise', 'alertmanager'] as const;
export type Channel = (typeof CHANNELS)[number];

export const ALERT_KINDS = [
  'failure',
  'recovery',
  'test',
  'suspect',
  'suspect-growth',
  'missing',
  'slow',
  'reminder',
  'config-problem',
] as const;
/**
 * `failure` (the runbook's alert), `recovery` (opt-in), `test` (test-notify, test-email, doctor --send),
 * `suspect` / `suspect-growth`: a success whose artifact is far below / above its usual size
 * (DESIGN.md "False success"; two kinds because the subject says which),
 * `missing` (watch: no success within the max age), `slow` (run --warn-after), `reminder` (an open incident),
 * `config-problem` (an invalid setting the run fell back from; once a day per setting).
 */
export type AlertKind = (typeof ALERT_KINDS)[number];

/** notification_logs.notification_type, and the generic webhook's `event`, per alert kind. */
export const NOTIFICATION_TYPES = {
  failure: 'backup_failure',
  recovery: 'backup_recovery',
  test: 'backup_test',
  suspect: 'backup_suspect',
  'suspect-growth': 'backup_suspect',
  missing: 'backup_missing',
  slow: 'backup_slow',
  reminder: 'backup_reminder',
  'config-problem': 'config_problem',
} as const satisfies Record<AlertKind, string>;

/** The incident an alert belongs to: since when, and how many runs failed in it. */
export interface IncidentFacts {
  id: number;
  cause: 'failure' | 'missing';
  openedAt: string;
  failedRuns: number;
  /** For a reminder: which one (1, 2, …). */
  reminder?: number;
  /** For a recovery: when it closed. */
  closedAt?: string;
}

/** What `watch` found for a missing backup. */
export interface MissingFacts {
  maxAgeMs: number;
  /** The latest success, or null when the type never succeeded here. */
  lastSuccessAt: string | null;
  /** How long past the max age (null when it never succeeded). */
  overdueMs: number | null;
  /** The latest run of the type, whatever its status. */
  lastRunId: string | null;
  lastRunStatus: string | null;
}

/** What `run --warn-after` saw: the script still running. */
export interface SlowFacts {
  runningForMs: number;
  warnAfterMs: number;
}

/**
 * One alert: the run it is about and what the policy adds to it. Stored as JSON
 * in notification_logs.payload so `retry` can re-send it: it holds no secrets
 * (the run's error and output tail were redacted when the run's result was built).
 */
export interface Alert {
  kind: AlertKind;
  /** The run (for a test, a stand-in); its finishedAt is the runbook's 発生時刻. */
  run: RunResult;
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
  /** The artifact's size against its type's usual one, when the policy found it far off. */
  size?: SizeFinding;
  /** The incident it is about (failure, reminder, missing, recovery). */
  incident?: IncidentFacts;
  /** kind `missing`: the last success and how overdue. */
  missing?: MissingFacts;
  /** kind `slow`: how long the script has been running. */
  slow?: SlowFacts;
  /** Alerts of this type held by silences that have ended since; said once, in the first alert after. */
  heldBySilence?: number;
  /** test-notify --kind: a marked preview of this kind (never queued for retry). */
  preview?: boolean;
  /**
   * `alertmanager`: only the Alertmanager channels take it (a recovery without
   * BACKUP_ALERT_NOTIFY_RECOVERY: Alertmanager needs the end, people did not ask for it).
   */
  audience?: 'alertmanager';
  /** A storm summary (storm control at the centre): this alert speaks for every host in it. */
  storm?: StormFacts;
}

/** What a storm summary says: how many hosts, on what, and (for the update) which. */
export interface StormFacts {
  id: number;
  hostCount: number;
  kind: 'target' | 'error';
  label: string;
  /** The end-of-window update (the final count), not the first summary. */
  final?: boolean;
  /** Some of the hosts, for the update. */
  hosts?: string[];
  /** A storm's reminder: hostCount is how many hosts still fail. */
  stillFailing?: boolean;
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
  /** A registered channel's name (notification_channels.channel_name); absent for the env ones. */
  readonly name?: string;
  send(alert: Alert, signal: AbortSignal): Promise<SendReport>;
}
