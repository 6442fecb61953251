import { PING_CHANNEL, type PingPayload } from '../notify/ping-payload.js';
import type { NewNotification, NotificationRow } from '../store/rows.js';

/**
 * The notification_logs row for a finish ping (start pings are never stored: sent late, a start
 * would show the check as running again). `pending` rows are re-sent by `retry`.
 */
export function pingNotification(
  payload: PingPayload,
  outcome: { status: 'sent' | 'pending' | 'failed'; error: string | null; attempts: number },
  recipient: string,
  sentAt: string,
): NewNotification {
  return {
    notificationType: payload.event === 'success' ? 'backup_ping_success' : 'backup_ping_failure',
    channel: PING_CHANNEL,
    recipient,
    subject: payload.message || (payload.event === 'success' ? 'success' : 'failure'),
    status: outcome.status,
    errorMessage: outcome.error,
    sentAt,
    attempts: outcome.attempts,
    payload: JSON.stringify(payload),
    backupId: payload.backupId,
  };
}

/**
 * Which pending pings `retry` should send: only the newest. An older one sent after it would
 * turn the check back to a state that is no longer true (a failure after the recovery).
 * The others are superseded: mark them `failed` with `PING_SUPERSEDED`.
 */
export function planPingResends(pending: readonly NotificationRow[]): {
  resend: NotificationRow | undefined;
  superseded: NotificationRow[];
} {
  const pings = pending.filter((row) => row.channel === PING_CHANNEL).sort((a, b) => a.id - b.id);
  return { resend: pings.at(-1), superseded: pings.slice(0, -1) };
}

export const PING_SUPERSEDED = 'superseded by a newer heartbeat; not sent';
