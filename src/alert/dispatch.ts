import { type DeliveryContext, type DeliveryResult, deliverAll } from '../notify/fanout.js';
import { type Alert, NOTIFICATION_TYPES, type Notifier } from '../notify/types.js';
import type { Journal } from '../store/journal.js';
import { notifiersFor } from './routing.js';
import { NO_BACKUP_ID } from './stand-in.js';

/** What sending needs: delivery's context plus the journal the outcome is recorded in. */
export interface AlertContext extends DeliveryContext {
  journal: Journal;
}

/**
 * Sends one alert through every channel that takes it (env + registry) and records one
 * notification_logs row per channel. Never throws: delivery problems are
 * logged and recorded (pending ones are kept for `retry`), never raised.
 */
export async function dispatch(
  alert: Alert,
  ctx: AlertContext,
  notifiers?: readonly Notifier[],
): Promise<DeliveryResult[]> {
  let chosen: readonly Notifier[];
  try {
    chosen = notifiers ?? notifiersFor(alert, ctx);
  } catch (error) {
    ctx.logger.error('Backup', `Cannot prepare notifications: ${ctx.redactor.safeError(error)}`);
    return [];
  }
  if (chosen.length === 0) {
    ctx.logger.warn(
      'Backup',
      `No notification channel is configured for this alert; ${alert.kind === 'failure' ? alert.run.backupId : `the ${alert.kind} alert (${alert.run.type})`} is only recorded`,
    );
    return [];
  }
  const results = await deliverAll(chosen, alert, ctx, ctx.config.notifyTimeoutMs);
  recordDeliveries(results, alert, ctx);
  return results;
}

/** One notification_logs row per channel; a broken database only costs the record, never the alert. */
export function recordDeliveries(results: readonly DeliveryResult[], alert: Alert, ctx: AlertContext): void {
  const sentAt = ctx.now().toISOString();
  for (const result of results) {
    try {
      ctx.journal.notifications.insert({
        // A preview (test-notify --kind) is a test, whatever kind it shows.
        notificationType: alert.preview ? NOTIFICATION_TYPES.test : NOTIFICATION_TYPES[alert.kind],
        channel: result.channel,
        recipient: result.recipient,
        subject: result.subject,
        status: result.status,
        errorMessage: result.error ?? null,
        sentAt,
        // One delivery round, however many HTTP or SMTP tries it took: the retry budget
        // counts rounds, so one outage-long `run` does not use up most of it.
        attempts: 1,
        // The alert holds no secrets (the run's text was redacted when it was built). `retry`
        // needs it for a pending row, `retry --failed` for a failed one; tests are never re-sent.
        payload:
          result.status !== 'sent' && alert.kind !== 'test' && !alert.preview ? JSON.stringify(alert) : null,
        backupId: alertBackupId(alert),
        channelName: result.name ?? null,
        incidentId: alert.incident?.id ?? null,
      });
    } catch (error) {
      ctx.logger.error(
        'Backup',
        `Could not record the ${result.channel} notification for ${alert.run.backupId}: ${ctx.redactor.safeError(error)}`,
      );
    }
  }
}

/** The stand-in ID of an alert about no run (a missing backup) is not a backup ID: recorded as none. */

function alertBackupId(alert: Alert): string | null {
  return alert.run.backupId === NO_BACKUP_ID ? null : alert.run.backupId;
}
