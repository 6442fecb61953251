import type { Config } from '../config/config.js';
import { errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { redactText } from '../shared/redact.js';
import type { NotificationStatus } from '../store/rows.js';
import { createEmailNotifier } from './email.js';
import { alertSubject } from './message.js';
import { createSlackNotifier } from './slack.js';
import { createTeamsNotifier } from './teams.js';
import type { Channel, FailureAlert, Notifier, NotifyContext, SendReport } from './types.js';
import { DeliveryError, NOTIFICATION_TYPES } from './types.js';
import { createWebhookNotifier } from './webhook.js';

/** What happened to one channel for one alert; one notification_logs row each. */
export interface DeliveryResult {
  channel: Channel;
  /** Redacted: `https://hooks.slack.com/…`, or the e-mail addresses. */
  recipient: string;
  status: NotificationStatus;
  error?: string;
  attempts: number;
  subject: string;
}

/** A channel that ignores the abort signal is still cut off this long after the bound. */
export const HARD_MARGIN_MS = 1000;

const CHANNEL_NAMES: Record<Exclude<Channel, 'email'>, string> = {
  slack: 'Slack',
  teams: 'Microsoft Teams',
  webhook: 'webhook',
};

/** Every configured channel, in the runbook §8.3 order (email is the audit record). */
export function buildNotifiers(config: Config, logger: Logger, now: () => Date): Notifier[] {
  return [
    createEmailNotifier(config, logger),
    createSlackNotifier(config),
    createTeamsNotifier(config, logger),
    createWebhookNotifier(config, now),
  ].filter((notifier): notifier is Notifier => notifier !== undefined);
}

/** The alert as it may leave the host: BACKUP_ALERT_REDACT applied to what the script printed. */
export function redactAlert(alert: FailureAlert, config: Config): FailureAlert {
  return {
    ...alert,
    error: redactText(alert.error, config.redactPatterns),
    outputTail: redactText(alert.outputTail, config.redactPatterns),
  };
}

/** An error fit for a log line or the DB: secrets and redact patterns masked, one line. */
export function safeError(error: unknown, config: Config, logger: Logger): string {
  return logger.mask(redactText(errorMessage(error), config.redactPatterns)).replace(/\s*\n\s*/g, ' ');
}

/** Resolves with the channel's report, or rejects; never later than `hardMs`, whatever the channel does. */
export async function sendBounded(
  notifier: Notifier,
  alert: FailureAlert,
  signal: AbortSignal,
  hardMs: number,
): Promise<SendReport> {
  let timer: NodeJS.Timeout | undefined;
  const cutOff = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new DeliveryError('no answer within the notify timeout', {
            attempts: 1,
            permanent: false,
            code: 'ETIMEDOUT',
          }),
        ),
      hardMs,
    );
  });
  try {
    // .then() turns a synchronous throw inside send() into a rejection like any other.
    return await Promise.race([Promise.resolve().then(() => notifier.send(alert, signal)), cutOff]);
  } finally {
    clearTimeout(timer);
  }
}

/** Sends through every notifier in parallel under one bound; one channel never affects another. */
export async function deliverAll(
  notifiers: readonly Notifier[],
  alert: FailureAlert,
  ctx: Pick<NotifyContext, 'config' | 'logger'>,
  timeoutMs: number,
): Promise<DeliveryResult[]> {
  const signal = AbortSignal.timeout(timeoutMs);
  const settled = await Promise.allSettled(
    notifiers.map((notifier) => sendBounded(notifier, alert, signal, timeoutMs + HARD_MARGIN_MS)),
  );
  return settled.map((outcome, index) => {
    const notifier = notifiers[index]!;
    const base = { channel: notifier.channel, recipient: notifier.recipient };
    if (outcome.status === 'fulfilled') {
      logDelivery(ctx.logger, alert, notifier, undefined);
      return { ...base, status: 'sent', attempts: outcome.value.attempts, subject: outcome.value.subject };
    }
    const reason: unknown = outcome.reason;
    const error = safeError(reason, ctx.config, ctx.logger);
    const permanent = reason instanceof DeliveryError && reason.permanent;
    logDelivery(ctx.logger, alert, notifier, error);
    return {
      ...base,
      // A test that failed is reported, not queued: nobody wants yesterday's test tomorrow.
      status: permanent || alert.kind === 'test' ? 'failed' : 'pending',
      error,
      attempts: reason instanceof DeliveryError ? reason.attempts : 1,
      subject: alertSubject(alert, ctx.config.lang),
    };
  });
}

function logDelivery(
  logger: Logger,
  alert: FailureAlert,
  notifier: Notifier,
  error: string | undefined,
): void {
  // email.ts writes the runbook §9.2 lines itself ("Failure alert email sent to a@b").
  if (notifier.channel === 'email') return;
  const what =
    alert.kind === 'failure' ? 'failure alert' : alert.kind === 'recovery' ? 'recovery notice' : 'test alert';
  const name = CHANNEL_NAMES[notifier.channel];
  if (error === undefined) {
    logger.info(
      'Backup',
      `${what[0]!.toUpperCase()}${what.slice(1)} sent to ${name} (${notifier.recipient})`,
    );
  } else {
    logger.error('Backup', `Failed to send ${what} to ${name}: ${error}`);
  }
}

/**
 * Alerts every configured channel about a failed run (run.ts calls this after the run's
 * row is final). Never throws: delivery problems are logged and recorded, not raised.
 */
export async function notifyFailure(alert: FailureAlert, ctx: NotifyContext): Promise<DeliveryResult[]> {
  const { config, logger } = ctx;
  if (alert.kind !== 'test' && !(config.alertTypes as readonly string[]).includes(alert.type)) {
    logger.info(
      'Backup',
      `No alert for ${alert.backupId}: type ${alert.type} is not in BACKUP_ALERT_TYPES (${config.alertTypes.join(', ')}); the run is recorded`,
    );
    return [];
  }
  let notifiers: Notifier[];
  try {
    notifiers = buildNotifiers(config, logger, ctx.now);
  } catch (error) {
    logger.error('Backup', `Cannot prepare notifications: ${safeError(error, config, logger)}`);
    return [];
  }
  if (notifiers.length === 0) {
    logger.warn('Backup', `No notification channel is configured; ${alert.backupId} is only recorded`);
    return [];
  }
  const safe = redactAlert(alert, config);
  const results = await deliverAll(notifiers, safe, ctx, config.notifyTimeoutMs);
  recordResults(results, safe, ctx);
  return results;
}

/** One notification_logs row per channel; a broken DB only costs the record, never the alert. */
export function recordResults(
  results: readonly DeliveryResult[],
  alert: FailureAlert,
  ctx: NotifyContext,
): void {
  if (!ctx.store) return;
  const sentAt = ctx.now().toISOString();
  for (const result of results) {
    try {
      ctx.store.insertNotification({
        notificationType: NOTIFICATION_TYPES[alert.kind],
        channel: result.channel,
        recipient: result.recipient,
        subject: result.subject,
        status: result.status,
        errorMessage: result.error ?? null,
        sentAt,
        attempts: result.attempts,
        // The FailureAlert holds no secrets (already redacted); retry needs it to re-send.
        payload: result.status === 'pending' ? JSON.stringify(alert) : null,
        backupId: alert.backupId,
      });
    } catch (error) {
      ctx.logger.error(
        'Backup',
        `Could not record the ${result.channel} notification for ${alert.backupId}: ${safeError(error, ctx.config, ctx.logger)}`,
      );
    }
  }
}
