import { createHmac } from 'node:crypto';
import type { Config } from '../config/config.js';
import { localIsoTimestamp } from '../shared/local-time.js';
import { redactUrl } from '../shared/redact.js';
import type { RunResult } from '../shared/run-result.js';
import type { SizeFinding } from '../shared/size-finding.js';
import { postJson } from './http-post.js';
import { alertErrorText, alertSubject, tailOf } from './message.js';
import {
  type Alert,
  type IncidentFacts,
  type MissingFacts,
  NOTIFICATION_TYPES,
  type Notifier,
  type SendReport,
  type SlowFacts,
} from './types.js';

/** Bump only on a breaking change; receivers switch on it. Adding fields is not breaking. */
export const WEBHOOK_VERSION = 1;
export const SIGNATURE_HEADER = 'X-Backup-Alert-Signature';
export const EVENT_HEADER = 'X-Backup-Alert-Event';
/** Generic receivers (ntfy, Alertmanager bridges) often cap bodies near 64 KB. */
export const WEBHOOK_TAIL_MAX = 16_000;

/** The event names are the notification types the database records. */
export const WEBHOOK_EVENTS = NOTIFICATION_TYPES;

/**
 * Version 1 of the generic webhook body (documented in the README): the run's facts
 * under their own names, and what a receiver needs around them.
 */
export interface WebhookPayload
  extends Pick<
      RunResult,
      | 'backupId'
      | 'job'
      | 'type'
      | 'exitCode'
      | 'signal'
      | 'host'
      | 'durationMs'
      | 'outputTail'
      | 'artifactPath'
      | 'artifactBytes'
    >,
    Pick<Alert, 'consecutiveFailures' | 'escalate'> {
  version: typeof WEBHOOK_VERSION;
  event: (typeof WEBHOOK_EVENTS)[Alert['kind']];
  /** Stable per backup and event: receivers can de-duplicate a late re-send with it. */
  id: string;
  subject: string;
  /** When it happened (the run's end): the runbook's 発生時刻. */
  timestamp: string;
  /** The one-line error ('' for a recovery; for a size warning, what is wrong with the size). */
  error: string;
  /** A size far from the usual one (`backup_suspect`, or a failure it caused): size, median, recent sizes. */
  size: SizeFinding | null;
  /** Identical failures held back by BACKUP_ALERT_REPEAT_INTERVAL since the last alert sent. */
  suppressedCount: number;
  systemUrl: string | null;
  /** true when `retry` re-sends it; `lateSince` is when it was first due. */
  late: boolean;
  lateSince: string | null;
  /** When this body was sent; covered by the signature, so receivers can refuse stale replays. */
  sentAt: string;
  /** With BACKUP_ALERT_TIMEZONE: `timestamp` in that zone (ISO 8601 with its offset), and the zone. */
  localTimestamp?: string;
  timeZone?: string;
  /** The incident (failure, missing, reminder, recovery): since when, how many runs failed. */
  incident?: IncidentFacts;
  /** backup_missing: the last success and how overdue. */
  missing?: MissingFacts;
  /** backup_slow: how long the script has been running. */
  slow?: SlowFacts;
  /** Alerts held by a silence that has ended since; sent once, in the first alert after it. */
  heldBySilence?: number;
  /** test-notify --kind: a test showing what this event looks like; nothing happened. */
  preview?: true;
}

/**
 * Stable per event, so a receiver can drop a late duplicate: the run and the event, or for
 * what has no run of its own (missing, reminder) the incident (and which reminder).
 */
function eventId(alert: Alert, event: string): string {
  const { incident, run } = alert;
  if (alert.kind === 'missing' && incident) return `incident-${incident.id}:${event}`;
  if (alert.kind === 'reminder' && incident)
    return `incident-${incident.id}:${event}:${incident.reminder ?? 0}`;
  return `${run.backupId}:${event}`;
}

export function webhookPayload(
  alert: Alert,
  config: Pick<Config, 'lang' | 'systemUrl'> & { routing?: Pick<Config['routing'], 'timeZone'> },
  sentAt: Date,
): WebhookPayload {
  const event = WEBHOOK_EVENTS[alert.kind];
  const { run } = alert;
  const timeZone = config.routing?.timeZone;
  const localTimestamp = timeZone ? localIsoTimestamp(run.finishedAt, timeZone) : undefined;
  return {
    version: WEBHOOK_VERSION,
    event,
    id: eventId(alert, event),
    subject: alertSubject(alert, config.lang),
    backupId: run.backupId,
    job: run.job ?? run.type,
    type: run.type,
    timestamp: run.finishedAt,
    error: alertErrorText(alert),
    exitCode: run.exitCode,
    signal: run.signal,
    host: run.host,
    durationMs: run.durationMs,
    consecutiveFailures: alert.consecutiveFailures,
    escalate: alert.escalate,
    suppressedCount: alert.suppressedCount ?? 0,
    outputTail: run.outputTail ? tailOf(run.outputTail, WEBHOOK_TAIL_MAX, run.outputCutBytes) : '',
    artifactPath: run.artifactPath ?? null,
    artifactBytes: run.artifactBytes ?? null,
    size: alert.size ?? null,
    systemUrl: config.systemUrl ?? null,
    late: alert.lateSince !== undefined,
    lateSince: alert.lateSince ?? null,
    sentAt: sentAt.toISOString(),
    // Added only when they say something: receivers of version 1 see no change otherwise.
    ...(localTimestamp && timeZone ? { localTimestamp, timeZone } : {}),
    ...(alert.incident ? { incident: alert.incident } : {}),
    ...(alert.missing ? { missing: alert.missing } : {}),
    ...(alert.slow ? { slow: alert.slow } : {}),
    ...(alert.heldBySilence ? { heldBySilence: alert.heldBySilence } : {}),
    ...(alert.preview ? { preview: true as const } : {}),
  };
}

/** `sha256=<hex>` over the exact body bytes, as GitHub's X-Hub-Signature-256. */
export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/**
 * Generic JSON webhook (BACKUP_ALERT_WEBHOOK_URL, or a registered channel's URL, which is
 * not signed: the secret belongs to the configured webhook); undefined when not configured.
 */
export function createWebhookNotifier(
  config: Config,
  now: () => Date,
  url: string | undefined = config.webhookUrl,
  secret: string | undefined = config.webhookSecret,
): Notifier | undefined {
  if (!url) return undefined;
  return {
    channel: 'webhook',
    recipient: redactUrl(url),
    async send(alert: Alert, signal: AbortSignal): Promise<SendReport> {
      const payload = webhookPayload(alert, config, now());
      const body = JSON.stringify(payload);
      const headers: Record<string, string> = { [EVENT_HEADER]: payload.event };
      if (secret) headers[SIGNATURE_HEADER] = signBody(body, secret);
      const result = await postJson({ url, body, headers, signal });
      return { attempts: result.attempts, subject: payload.subject };
    },
  };
}
