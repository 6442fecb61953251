import { randomUUID } from 'node:crypto';
import { HARD_MARGIN_MS, sendBounded } from '../notify/fanout.js';
import { PING_CHANNEL } from '../notify/ping-payload.js';
import { type Alert, DeliveryError, type Notifier } from '../notify/types.js';
import { formatDuration } from '../shared/duration.js';
import type { NotificationRow } from '../store/rows.js';
import type { AlertContext } from './dispatch.js';
import { parseAlertPayload } from './payload.js';
import { allNotifiers } from './routing.js';

/** After this many delivery rounds (the first send included) a pending alert is `failed` for good. */
export const RETRY_MAX_ATTEMPTS = 10;
/** An alert older than this is history, not news: `failed` for good. */
export const RETRY_MAX_AGE_MS = 7 * 86_400_000;
/**
 * A claim outlives the round it was taken for by this much: long enough that a live sender
 * never loses its row, short enough that a crashed sender's alert is pending again soon.
 */
const LEASE_SLACK_MS = 60_000;

export interface RetryOptions {
  /** The whole re-send phase ends within this (run uses a few seconds, `retry` the notify timeout). */
  deadlineMs: number;
  maxAttempts?: number;
  maxAgeMs?: number;
  /**
   * `failed`: re-send alerts that failed for good within maxAgeMs (`retry --failed`, once the
   * operator has fixed the cause), one round each, whatever their attempt count.
   */
  which?: 'pending' | 'failed';
}

export interface RetryItem {
  id: number;
  backupId: string | null;
  channel: string;
  recipient: string | null;
  /** `skipped`: not tried this time (channel not configured now, or out of time); still pending. */
  /** superseded: a heartbeat ping a newer one replaced; not sent, on purpose (not a failure). */
  status: 'sent' | 'pending' | 'failed' | 'skipped' | 'superseded';
  error?: string;
  /** Delivery rounds so far, this one included. */
  attempts: number;
  /** When the alert was first due: when the run it is about finished. */
  lateSince: string;
}

interface Queued {
  row: NotificationRow;
  alert: Alert;
}

/**
 * Re-sends `pending` notifications (oldest first, one channel's rows in order, channels in
 * parallel), marked late. Each row is claimed exclusively for the round (a lease), so two
 * `retry` processes, or a `retry` racing a `run`, never send one alert twice.
 */
export async function retryPending(ctx: AlertContext, options: RetryOptions): Promise<RetryItem[]> {
  const { journal, logger } = ctx;
  const maxAttempts = options.maxAttempts ?? RETRY_MAX_ATTEMPTS;
  const maxAgeMs = options.maxAgeMs ?? RETRY_MAX_AGE_MS;
  const which = options.which ?? 'pending';
  const now = ctx.now();
  const token = randomUUID();
  const claim = (row: NotificationRow, countRound: boolean) =>
    journal.notifications.claim(row.id, {
      token,
      now: ctx.now().toISOString(),
      leaseUntil: new Date(
        ctx.now().getTime() + options.deadlineMs + HARD_MARGIN_MS + LEASE_SLACK_MS,
      ).toISOString(),
      from: which,
      countRound,
    });
  const rows = (
    which === 'failed'
      ? journal.notifications.failedSince(new Date(now.getTime() - maxAgeMs).toISOString())
      : journal.notifications.pending(now.toISOString())
  )
    // Heartbeat pings have their own re-send rule (only the newest): alert/heartbeat.ts.
    .filter((row) => row.channel !== PING_CHANNEL);
  if (rows.length === 0) return [];
  const items: RetryItem[] = [];
  const queues = new Map<Notifier, Queued[]>();
  const notifiers = allNotifiers(ctx);
  for (const row of rows) {
    const alert = parseAlertPayload(row.payload);
    const item = (status: RetryItem['status'], error?: string): RetryItem => ({
      ...itemBase(row, alert),
      status,
      attempts: row.attempts,
      ...(error ? { error } : {}),
    });
    if (!alert && which === 'failed') {
      items.push(item('failed', 'cannot re-send: no stored alert (recorded before it was kept)'));
      continue;
    }
    const giveUp =
      (which === 'pending' ? giveUpReason(row, alert, now, maxAttempts, maxAgeMs) : undefined) ??
      endedAtAlertmanager(row, alert, ctx);
    if (giveUp || !alert) {
      const error = giveUp ?? 'cannot re-send: the stored alert is missing or unreadable';
      // Giving up is a write like any other: only with the row claimed, so a process
      // delivering it right now is never overruled by a `failed`.
      if (!claim(row, false)) continue;
      journal.notifications.settle(row.id, token, {
        status: 'failed',
        errorMessage: error,
        sentAt: ctx.now().toISOString(),
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
    const late: Alert = { ...alert, lateSince: lateSinceOf(alert), resentAt: now.toISOString() };
    queues.set(notifier, [...(queues.get(notifier) ?? []), { row, alert: late }]);
  }
  const signal = AbortSignal.timeout(options.deadlineMs);
  const sendQueue = async (notifier: Notifier, queue: Queued[]) => {
    for (const { row, alert } of queue) {
      if (signal.aborted) {
        items.push({
          ...itemBase(row, alert),
          status: 'skipped',
          attempts: row.attempts,
          error: 'out of time; still pending',
        });
        continue;
      }
      if (!claim(row, true)) continue; // another process is sending it
      const attempts = which === 'failed' ? 1 : row.attempts + 1;
      items.push(
        await resend(
          ctx,
          notifier,
          { row, alert },
          { token, attempts, signal, maxAttempts, deadlineMs: options.deadlineMs },
        ),
      );
    }
  };
  await Promise.allSettled([...queues].map(([notifier, queue]) => sendQueue(notifier, queue)));
  return items;
}

/** Why a pending row is not worth another round, if it is not. */
function giveUpReason(
  row: NotificationRow,
  alert: Alert | undefined,
  now: Date,
  maxAttempts: number,
  maxAgeMs: number,
): string | undefined {
  let reason: string | undefined;
  if (!alert) reason = 'cannot re-send: the stored alert is missing or unreadable';
  else if (row.attempts >= maxAttempts) reason = `gave up after ${row.attempts} attempts`;
  else if (now.getTime() - Date.parse(row.created_at) > maxAgeMs)
    reason = `gave up: not delivered within ${formatDuration(maxAgeMs)}`;
  if (reason === undefined) return undefined;
  return row.error_message ? `${reason}; last error: ${row.error_message}` : reason;
}

/**
 * A firing alert for Alertmanager whose incident has closed since: re-sending it would
 * re-open what the recovery's endsAt ended. Never re-sent after the close.
 */
function endedAtAlertmanager(
  row: NotificationRow,
  alert: Alert | undefined,
  ctx: AlertContext,
): string | undefined {
  if (row.channel !== 'alertmanager' || !alert?.incident || alert.kind === 'recovery') return undefined;
  const incident = ctx.journal.incidents.get(alert.incident.id);
  return incident?.closed_at
    ? `not re-sent: incident #${incident.id} closed at ${incident.closed_at}`
    : undefined;
}

/** Late since the failure itself (the run's end), not since the notification row was written. */
function lateSinceOf(alert: Alert): string {
  return alert.lateSince ?? alert.run.finishedAt;
}

function itemBase(row: NotificationRow, alert: Alert | undefined) {
  return {
    id: row.id,
    backupId: row.backup_id,
    channel: row.channel,
    recipient: row.recipient,
    lateSince: alert ? lateSinceOf(alert) : row.created_at,
  };
}

async function resend(
  ctx: AlertContext,
  notifier: Notifier,
  { row, alert }: Queued,
  round: { token: string; attempts: number; signal: AbortSignal; maxAttempts: number; deadlineMs: number },
): Promise<RetryItem> {
  const base = itemBase(row, alert);
  const { attempts } = round;
  const settle = (status: 'sent' | 'pending' | 'failed', errorMessage: string | null) => {
    if (!ctx.journal.notifications.settle(row.id, round.token, { status, errorMessage, sentAt: now() })) {
      ctx.logger.warn('Backup', `Notification ${row.id}: the claim ran out before the outcome was recorded`);
    }
  };
  const now = () => ctx.now().toISOString();
  try {
    // However many HTTP or SMTP tries the channel makes inside the bound, this is one round.
    await sendBounded(notifier, alert, round.signal, round.deadlineMs + HARD_MARGIN_MS);
    settle('sent', null);
    ctx.logger.info(
      'Backup',
      `Late alert for ${row.backup_id ?? '-'} sent to ${row.channel} (${notifier.recipient})`,
    );
    return { ...base, status: 'sent', attempts };
  } catch (error) {
    const message = ctx.redactor.safeError(error);
    const permanent = (error instanceof DeliveryError && error.permanent) || attempts >= round.maxAttempts;
    const status = permanent ? 'failed' : 'pending';
    settle(status, message);
    ctx.logger.error(
      'Backup',
      `Failed to re-send alert for ${row.backup_id ?? '-'} to ${row.channel}: ${message}`,
    );
    return { ...base, status, error: message, attempts };
  }
}
