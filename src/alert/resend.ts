import { HARD_MARGIN_MS, sendBounded } from '../notify/fanout.js';
import { PING_CHANNEL } from '../notify/ping-payload.js';
import { type Alert, DeliveryError, type Notifier } from '../notify/types.js';
import { formatDuration } from '../shared/duration.js';
import type { NotificationRow } from '../store/rows.js';
import type { AlertContext } from './dispatch.js';
import { parseAlertPayload } from './payload.js';
import { allNotifiers } from './routing.js';

/** After this many tries in total a pending alert is `failed` for good. */
export const RETRY_MAX_ATTEMPTS = 10;
/** An alert older than this is history, not news: `failed` for good. */
export const RETRY_MAX_AGE_MS = 7 * 86_400_000;

export interface RetryOptions {
  /** The whole re-send phase ends within this (run uses a few seconds, `retry` the notify timeout). */
  deadlineMs: number;
  maxAttempts?: number;
  maxAgeMs?: number;
}

export interface RetryItem {
  id: number;
  backupId: string | null;
  channel: string;
  recipient: string | null;
  /** `skipped`: not tried this time (channel not configured now, or out of time); still pending. */
  status: 'sent' | 'pending' | 'failed' | 'skipped';
  error?: string;
  attempts: number;
  /** When the alert was first due. */
  lateSince: string;
}

/**
 * Re-sends `pending` notifications (oldest first, one channel's rows in order, channels in
 * parallel), marked late. Each row is claimed before sending, so nothing is sent twice.
 */
export async function retryPending(ctx: AlertContext, options: RetryOptions): Promise<RetryItem[]> {
  const { journal, logger } = ctx;
  const maxAttempts = options.maxAttempts ?? RETRY_MAX_ATTEMPTS;
  const maxAgeMs = options.maxAgeMs ?? RETRY_MAX_AGE_MS;
  const now = ctx.now();
  const items: RetryItem[] = [];
  const queues = new Map<Notifier, Array<{ row: NotificationRow; alert: Alert }>>();
  // Heartbeat pings have their own re-send rule (only the newest): alert/heartbeat.ts.
  const rows = journal.notifications.pending().filter((row) => row.channel !== PING_CHANNEL);
  if (rows.length === 0) return [];
  const notifiers = allNotifiers(ctx);
  for (const row of rows) {
    const base = { id: row.id, backupId: row.backup_id, channel: row.channel, recipient: row.recipient };
    const item = (status: RetryItem['status'], error?: string): RetryItem => ({
      ...base,
      status,
      attempts: row.attempts,
      lateSince: row.created_at,
      ...(error ? { error } : {}),
    });
    const age = now.getTime() - Date.parse(row.created_at);
    const alert = parseAlertPayload(row.payload);
    let giveUp: string | undefined;
    if (!alert) giveUp = 'cannot re-send: the stored alert is missing or unreadable';
    else if (row.attempts >= maxAttempts) giveUp = `gave up after ${row.attempts} attempts`;
    else if (age > maxAgeMs) giveUp = `gave up: not delivered within ${formatDuration(maxAgeMs)}`;
    if (giveUp || !alert) {
      const error = row.error_message ? `${giveUp}; last error: ${row.error_message}` : giveUp!;
      journal.notifications.update(row.id, {
        status: 'failed',
        errorMessage: error,
        sentAt: now.toISOString(),
        attempts: row.attempts,
      });
      logger.error('Backup', `Notification ${row.id} (${row.channel}, ${row.backup_id ?? '-'}) ${error}`);
      items.push(item('failed', error));
      continue;
    }
    // A registered channel's row goes back through that channel; an env one's through the env channel.
    const notifier = notifiers.find(
      (n) => n.channel === row.channel && (n.name ?? null) === (row.channel_name ?? null),
    );
    if (!notifier) {
      // Kept pending: a wrong --env-file must not turn every pending alert into a lost one.
      items.push(item('skipped', `channel ${row.channel} is not configured now`));
      continue;
    }
    const late: Alert = {
      ...alert,
      lateSince: alert.lateSince ?? row.created_at,
      resentAt: now.toISOString(),
    };
    queues.set(notifier, [...(queues.get(notifier) ?? []), { row, alert: late }]);
  }
  const signal = AbortSignal.timeout(options.deadlineMs);
  const sendQueue = async (notifier: Notifier, queue: Array<{ row: NotificationRow; alert: Alert }>) => {
    for (const { row, alert } of queue) {
      const skipped = {
        id: row.id,
        backupId: row.backup_id,
        channel: row.channel,
        recipient: row.recipient,
        attempts: row.attempts,
        lateSince: row.created_at,
      };
      if (signal.aborted) {
        items.push({ ...skipped, status: 'skipped', error: 'out of time; still pending' });
        continue;
      }
      if (!journal.notifications.claim(row.id, row.attempts)) continue; // another process has it
      items.push(await resend(ctx, notifier, row, alert, signal, options.deadlineMs, maxAttempts));
    }
  };
  await Promise.allSettled([...queues].map(([notifier, queue]) => sendQueue(notifier, queue)));
  return items;
}

async function resend(
  ctx: AlertContext,
  notifier: Notifier,
  row: NotificationRow,
  alert: Alert,
  signal: AbortSignal,
  deadlineMs: number,
  maxAttempts: number,
): Promise<RetryItem> {
  const sentAt = () => ctx.now().toISOString();
  const base = {
    id: row.id,
    backupId: row.backup_id,
    channel: row.channel,
    recipient: row.recipient,
    lateSince: row.created_at,
  };
  try {
    const report = await sendBounded(notifier, alert, signal, deadlineMs + HARD_MARGIN_MS);
    const attempts = row.attempts + report.attempts;
    ctx.journal.notifications.update(row.id, {
      status: 'sent',
      errorMessage: null,
      sentAt: sentAt(),
      attempts,
    });
    ctx.logger.info(
      'Backup',
      `Late alert for ${row.backup_id ?? '-'} sent to ${row.channel} (${notifier.recipient})`,
    );
    return { ...base, status: 'sent', attempts };
  } catch (error) {
    const attempts = row.attempts + (error instanceof DeliveryError ? Math.max(1, error.attempts) : 1);
    const message = ctx.redactor.safeError(error);
    const permanent = (error instanceof DeliveryError && error.permanent) || attempts >= maxAttempts;
    const status = permanent ? 'failed' : 'pending';
    ctx.journal.notifications.update(row.id, { status, errorMessage: message, sentAt: sentAt(), attempts });
    ctx.logger.error(
      'Backup',
      `Failed to re-send alert for ${row.backup_id ?? '-'} to ${row.channel}: ${message}`,
    );
    return { ...base, status, error: message, attempts };
  }
}
