import type { Config } from '../config/config.js';
import type { Logger } from '../shared/logger.js';
import type { Redactor } from '../shared/redact.js';
import { createAppriseNotifier } from './apprise.js';
import { createEmailNotifier } from './email.js';
import { alertSubject } from './message.js';
import { createSlackNotifier } from './slack.js';
import { createTeamsNotifier } from './teams.js';
import type { Alert, Channel, Notifier, SendReport } from './types.js';
import { DeliveryError } from './types.js';
import { createWebhookNotifier } from './webhook.js';
import { kindWords } from './words.js';

/** What happened to one channel for one alert; one notification_logs row each. */
export interface DeliveryResult {
  channel: Channel;
  /** Redacted: `https://hooks.slack.com/…`, or the e-mail addresses; a registered channel's name first. */
  recipient: string;
  /** The registered channel (notification_channels.channel_name); absent for the env ones. */
  name?: string;
  /** notification_logs.status: `failed` is for good, `pending` waits for `retry`. */
  status: 'sent' | 'pending' | 'failed';
  error?: string;
  attempts: number;
  subject: string;
}

/** What delivery needs around the alert. */
export interface DeliveryContext {
  config: Config;
  logger: Logger;
  redactor: Redactor;
  now: () => Date;
  /**
   * Aborted when we are told to stop (SIGTERM after the script ended): deliveries end now as
   * `pending`, kept for `retry`, instead of holding the stop for the whole notify timeout.
   */
  stop?: AbortSignal;
}

/** A channel that ignores the abort signal is still cut off this long after the bound. */
export const HARD_MARGIN_MS = 1000;

const CHANNEL_NAMES: Record<Channel, string> = {
  email: 'e-mail',
  slack: 'Slack',
  teams: 'Microsoft Teams',
  webhook: 'webhook',
  apprise: 'Apprise',
  alertmanager: 'Alertmanager',
};

/** Every configured channel, in the runbook §8.3 order (email is the audit record). */
export function buildNotifiers(ctx: DeliveryContext): Notifier[] {
  const { config, logger } = ctx;
  return [
    createEmailNotifier(config, logger),
    createSlackNotifier(config),
    createTeamsNotifier(config, logger),
    createWebhookNotifier(config, ctx.now),
    createAppriseNotifier(config, logger),
  ].filter((notifier): notifier is Notifier => notifier !== undefined);
}

/** Resolves with the channel's report, or rejects; never later than `hardMs`, whatever the channel does. */
export async function sendBounded(
  notifier: Notifier,
  alert: Alert,
  signal: AbortSignal,
  hardMs: number,
): Promise<SendReport> {
  let timer: NodeJS.Timeout | undefined;
  const cutOff = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new DeliveryError(`did not stop at the notify timeout; cut off ${HARD_MARGIN_MS} ms later`, {
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
  alert: Alert,
  ctx: DeliveryContext,
  timeoutMs: number,
): Promise<DeliveryResult[]> {
  const bound = AbortSignal.timeout(timeoutMs);
  const signal = ctx.stop ? AbortSignal.any([bound, ctx.stop]) : bound;
  const settled = await Promise.allSettled(
    notifiers.map((notifier) => sendBounded(notifier, alert, signal, timeoutMs + HARD_MARGIN_MS)),
  );
  return settled.map((outcome, index) => {
    const notifier = notifiers[index]!;
    const base = {
      channel: notifier.channel,
      recipient: notifier.recipient,
      ...(notifier.name ? { name: notifier.name } : {}),
    };
    if (outcome.status === 'fulfilled') {
      logDelivery(ctx, alert, notifier, undefined);
      return { ...base, status: 'sent', attempts: outcome.value.attempts, subject: outcome.value.subject };
    }
    const reason: unknown = outcome.reason;
    const error = ctx.redactor.safeError(reason);
    const permanent = reason instanceof DeliveryError && reason.permanent;
    logDelivery(ctx, alert, notifier, error);
    return {
      ...base,
      // A test that failed is reported, not queued: nobody wants yesterday's test tomorrow.
      status: permanent || alert.kind === 'test' || alert.preview ? 'failed' : 'pending',
      error,
      attempts: reason instanceof DeliveryError ? reason.attempts : 1,
      subject: alertSubject(alert, ctx.config.lang),
    };
  });
}

function logDelivery(
  ctx: DeliveryContext,
  alert: Alert,
  notifier: Notifier,
  error: string | undefined,
): void {
  // email.ts writes the runbook §9.2 lines itself ("Failure alert email sent to a@b").
  if (notifier.channel === 'email') return;
  const what = kindWords(ctx.config.lang, alert.kind).logName;
  const name = CHANNEL_NAMES[notifier.channel];
  if (error === undefined) {
    ctx.logger.info(
      'Backup',
      `${what[0]!.toUpperCase()}${what.slice(1)} sent to ${name} (${notifier.recipient})`,
    );
  } else {
    ctx.logger.error('Backup', `Failed to send ${what} to ${name}: ${error}`);
  }
}
