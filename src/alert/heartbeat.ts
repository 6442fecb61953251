import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PingSettings } from '../config/metrics.js';
import { type PingOptions, type PingResult, sendPing } from '../notify/ping.js';
import { PING_CHANNEL, type PingPayload, parsePingPayload, pingPayload } from '../notify/ping-payload.js';
import { formatDuration } from '../shared/duration.js';
import { errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { redactUrl } from '../shared/redact.js';
import type { RunResult } from '../shared/run-result.js';
import type { Journal } from '../store/journal.js';
import type { NotificationRow } from '../store/rows.js';
import { PING_SUPERSEDED, pingNotification, planPingResends } from './ping-rows.js';

export interface HeartbeatContext {
  settings: PingSettings;
  logger: Logger;
  /** Where the finish ping is recorded (NO_JOURNAL without a database: the ping is still sent). */
  journal: Journal;
  now: () => Date;
  /** Bound of each ping (the notify timeout). */
  timeoutMs: number;
  /** Masks secrets and BACKUP_ALERT_REDACT matches in an error before it is logged or stored. */
  safe?: (text: string) => string;
  /** Retry tuning of each ping (tests shorten the backoff). */
  ping?: PingOptions;
}

export interface Heartbeat {
  readonly rid: string;
  /** Sends the finish ping (success, or /<exit code>) for the run's result and records it; never throws. */
  finish(run: RunResult): Promise<{ payload: PingPayload; result: PingResult }>;
}

/** A start ping still in flight when the run ends gets this long before it is dropped (unref: never keeps us alive). */
const START_GRACE_MS = 2000;

/**
 * Starts a run's heartbeat: the /start ping goes out beside the script (a slow ping server
 * never delays the backup), `finish` follows it with the same rid and a body cut to the
 * Ping-Body-Limit the start's answer gave. A ping that fails says so in one [WARN] line.
 */
export function startHeartbeat(
  ctx: HeartbeatContext,
  run: { backupId: string | null; type: string },
  rid: string = randomUUID(),
): Heartbeat {
  const where = redactUrl(ctx.settings.url);
  const controller = new AbortController();
  const startSignal = AbortSignal.any([controller.signal, AbortSignal.timeout(ctx.timeoutMs)]);
  const start = sendPing(
    ctx.settings,
    pingPayload({ event: 'start', rid, backupId: run.backupId, type: run.type }),
    startSignal,
    ctx.ping,
  );
  return {
    rid,
    async finish(finished) {
      const outcome = {
        status: finished.status === 'success' ? ('success' as const) : ('failure' as const),
        exitCode: finished.exitCode ?? 1,
        durationMs: finished.durationMs ?? 0,
        message:
          finished.status === 'success'
            ? `${finished.backupId} succeeded in ${formatDuration(finished.durationMs ?? 0)}`
            : (finished.errorMessage ?? 'failed'),
        outputTail: finished.outputTail,
      };
      // One deadline for both pings from here: the run ends within the notify timeout of the
      // script's end (the README's bound), however long a hung start ping has been waiting.
      const deadline = AbortSignal.timeout(ctx.timeoutMs);
      const grace = Math.min(START_GRACE_MS, ctx.timeoutMs / 2);
      const started = await Promise.race([
        start,
        sleep(grace, undefined, { ref: false }).then(() => undefined),
      ]);
      if (!started) controller.abort();
      const payload = pingPayload({
        event: outcome.status,
        rid,
        exitCode: outcome.exitCode,
        durationMs: outcome.durationMs,
        message: outcome.message,
        outputTail: outcome.outputTail,
        ...(started?.bodyLimit ? { bodyLimit: started.bodyLimit } : {}),
        backupId: run.backupId,
        type: run.type,
      });
      const result = await sendPing(ctx.settings, payload, deadline, ctx.ping);
      const startError = started && !started.ok ? started.error : started ? undefined : 'no answer in time';
      if (!result.ok) {
        const kept = result.permanent ? '' : '; kept for `backup-alert retry`';
        ctx.logger.warn(
          'Heartbeat',
          safe(ctx, `Could not send the ${outcome.status} ping to ${where}: ${result.error}${kept}`),
        );
      } else if (startError) {
        ctx.logger.warn(
          'Heartbeat',
          safe(ctx, `The start ping to ${where} failed (${startError}); the finish was sent`),
        );
      } else {
        ctx.logger.debug('Heartbeat', `${outcome.status} ping sent to ${where}`);
      }
      record(ctx, payload, result, where);
      return { payload, result };
    },
  };
}

/** The finish ping's notification_logs row; a delivered one supersedes older pending pings. */
function record(ctx: HeartbeatContext, payload: PingPayload, result: PingResult, where: string): void {
  const store = ctx.journal;
  const sentAt = ctx.now().toISOString();
  try {
    const status = result.ok ? 'sent' : result.permanent ? 'failed' : 'pending';
    store.notifications.insert(
      pingNotification(
        payload,
        { status, error: result.ok ? null : safe(ctx, result.error), attempts: result.attempts },
        where,
        sentAt,
      ),
    );
    if (result.ok)
      supersede(store, store.notifications.pending(sentAt), sentAt, (row) => row.channel === PING_CHANNEL);
  } catch (error) {
    ctx.logger.error('Heartbeat', safe(ctx, `Could not record the ping: ${errorMessage(error)}`));
  }
}

function supersede(
  store: Journal,
  rows: readonly NotificationRow[],
  sentAt: string,
  which: (row: NotificationRow) => boolean,
): void {
  for (const row of rows.filter(which)) {
    store.notifications.update(row.id, {
      status: 'failed',
      errorMessage: PING_SUPERSEDED,
      sentAt,
      attempts: row.attempts,
    });
  }
}

export interface PingRetryItem {
  id: number;
  backupId: string | null;
  status: 'sent' | 'pending' | 'failed' | 'skipped' | 'superseded';
  error?: string;
}

export interface PingRetryOptions {
  /** Tries in total before a pending ping is `failed` for good (default 10, as alerts). */
  maxAttempts?: number;
  /** A heartbeat older than this tells nothing any more (default 7 days, as alerts). */
  maxAgeMs?: number;
}

/**
 * `retry` for pings: only the newest pending one is sent (an older one sent after it would
 * put the check back in a state that is over); the rest are marked superseded. Without a ping
 * URL configured now they stay pending. Never throws.
 */
export async function resendPendingPings(
  ctx: Omit<HeartbeatContext, 'settings'> & { settings: PingSettings | undefined },
  options: PingRetryOptions = {},
): Promise<PingRetryItem[]> {
  const store = ctx.journal;
  const { resend, superseded } = planPingResends(store.notifications.pending(ctx.now().toISOString()));
  if (!resend) return [];
  if (!ctx.settings)
    return [
      { id: resend.id, backupId: resend.backup_id, status: 'skipped', error: 'no ping URL configured' },
    ];
  const sentAt = ctx.now().toISOString();
  supersede(store, superseded, sentAt, () => true);
  // Not sent on purpose: no failure (retry's exit code, the metrics), only a line saying so.
  const items: PingRetryItem[] = superseded.map((row) => ({
    id: row.id,
    backupId: row.backup_id,
    status: 'superseded',
    error: PING_SUPERSEDED,
  }));
  const base = { id: resend.id, backupId: resend.backup_id };
  const payload = parsePingPayload(resend.payload);
  const age = ctx.now().getTime() - Date.parse(resend.created_at);
  const giveUp = !payload
    ? 'cannot re-send: the stored ping is unreadable'
    : resend.attempts >= (options.maxAttempts ?? 10)
      ? `gave up after ${resend.attempts} attempts`
      : age > (options.maxAgeMs ?? 7 * 86_400_000)
        ? 'gave up: too old to tell the heartbeat service anything'
        : undefined;
  // Claimed exclusively for the round (a lease, as alerts are: alert/resend.ts), giving up included.
  const token = randomUUID();
  const claim = (countRound: boolean) =>
    store.notifications.claim(resend.id, {
      token,
      now: sentAt,
      leaseUntil: new Date(ctx.now().getTime() + ctx.timeoutMs + 60_000).toISOString(),
      from: 'pending',
      countRound,
    });
  if (giveUp || !payload) {
    const error = giveUp ?? 'unreadable';
    if (!claim(false)) return items; // another process has it
    store.notifications.settle(resend.id, token, { status: 'failed', errorMessage: error, sentAt });
    return [...items, { ...base, status: 'failed', error }];
  }
  if (!claim(true)) return items; // another process has it
  const result = await sendPing(ctx.settings, payload, AbortSignal.timeout(ctx.timeoutMs), ctx.ping);
  // One more delivery round, however many HTTP tries it took.
  const attempts = resend.attempts + 1;
  const status = result.ok
    ? 'sent'
    : result.permanent || attempts >= (options.maxAttempts ?? 10)
      ? 'failed'
      : 'pending';
  const error = result.ok ? undefined : safe(ctx, result.error);
  store.notifications.settle(resend.id, token, { status, errorMessage: error ?? null, sentAt });
  if (error) ctx.logger.warn('Heartbeat', `Could not re-send the ${payload.event} ping: ${error}`);
  else ctx.logger.info('Heartbeat', `Late ${payload.event} ping for ${resend.backup_id ?? '-'} sent`);
  return [...items, { ...base, status, ...(error ? { error } : {}) }];
}

function safe(ctx: Pick<HeartbeatContext, 'safe' | 'logger'>, text: string): string {
  return ctx.safe ? ctx.safe(text) : ctx.logger.mask(text);
}
