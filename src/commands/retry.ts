import type { AlertContext } from '../alert/dispatch.js';
import { type RetryItem, retryPending } from '../alert/resend.js';
import type { CommonOptions } from '../cli/spec.js';
import type { CommandContext } from '../context.js';
import { publishRunMetrics, shipToCentre } from '../run/observe.js';
import { formatDuration } from '../shared/duration.js';
import { errorMessage } from '../shared/errors.js';
import { ExitCode } from '../shared/exit-codes.js';
import { recordAudit } from '../store/audit.js';
import type { Store } from '../store/store.js';

export interface RetryOptions extends Pick<CommonOptions, 'silent'> {
  /** Re-send alerts that failed for good (after the operator fixed the cause). */
  failed?: boolean;
}

/**
 * `backup-alert retry`: re-sends what could not be delivered. Exit 0 when nothing failed this
 * time (all sent, or nothing to do), 1 when something is still pending or failed for good.
 * Run from cron every 15 minutes, it says nothing when there is nothing to say: cron mails
 * every line it prints. `--silent` prints errors only.
 */
export async function retryCommand(options: RetryOptions, ctx: CommandContext): Promise<number> {
  let store: Store;
  try {
    store = ctx.openStore();
  } catch (error) {
    ctx.io.stderr(`backup-alert: cannot open database ${ctx.config.dbPath}: ${errorMessage(error)}\n`);
    return ExitCode.failed;
  }
  const which = options.failed ? 'failed' : 'pending';
  try {
    const alertContext = { ...ctx, journal: store };
    const items = [
      ...(await retryPending(alertContext, { deadlineMs: ctx.config.notifyTimeoutMs, which })),
      // Pings are never "failed for good" worth a second chance: --failed is about alerts.
      ...(which === 'pending' ? await resendPings(alertContext) : []),
    ];
    if (which === 'pending' && ctx.config.alertmanager) {
      // Open incidents stay alive at Alertmanager between timer runs (alert/alertmanager-resend.ts).
      const { refreshOpenAlerts } = await import('../alert/alertmanager-resend.js');
      await refreshOpenAlerts(alertContext, ctx.hostname);
    }
    if (which === 'pending' && ctx.config.fleet) {
      // A storm whose window ended with more hosts than its summary said: one update, fleet-wide.
      const { sendStormUpdates } = await import('../alert/storm.js');
      await sendStormUpdates(alertContext);
    }
    const count = (status: RetryItem['status']) => items.filter((item) => item.status === status).length;
    if (items.length === 0) {
      ctx.logger.debug(
        'Backup',
        which === 'failed'
          ? 'Nothing to re-send: no alert failed for good in the last 7 days'
          : 'Nothing to retry: no pending notifications',
      );
    } else if (!options.silent) {
      for (const item of items) {
        const mark = item.status === 'sent' ? '✔' : item.status === 'superseded' ? '–' : '✖';
        const late = formatDuration(ctx.now().getTime() - Date.parse(item.lateSince));
        const what = `${item.backupId ?? '-'} ${item.channel} (${item.recipient ?? '-'})`;
        const detail = item.status === 'sent' ? `sent ${late} late` : `${item.status}: ${item.error ?? ''}`;
        ctx.io.stdout(`${mark} ${what}: ${detail}\n`);
      }
      ctx.io.stdout(
        `${count('sent')} sent, ${count('pending') + count('skipped')} still pending, ${count('failed')} failed for good\n`,
      );
    }
    const ok = items.every((item) => item.status === 'sent' || item.status === 'superseded');
    recordAudit(store.audit, ctx, {
      operation: 'retry',
      status: ok ? 'success' : 'failure',
      details: {
        which,
        sent: count('sent'),
        pending: count('pending') + count('skipped'),
        failed: count('failed'),
        // Which alerts the operator chose to re-send: the audit trail of `retry --failed`.
        ...(which === 'failed' ? { notifications: items.map((item) => item.id) } : {}),
      },
    });
    await Promise.all([shipToCentre(alertContext), publishRunMetrics(alertContext)]);
    return ok ? ExitCode.ok : ExitCode.failed;
  } finally {
    store.close();
  }
}

/** Pending heartbeat pings (only the newest is sent), as retry lines; loaded only when there are some. */
async function resendPings(ctx: AlertContext): Promise<RetryItem[]> {
  if (!ctx.journal.notifications.pending(ctx.now().toISOString()).some((row) => row.channel === 'ping'))
    return [];
  const { resendPendingPings } = await import('../alert/heartbeat.js');
  const items = await resendPendingPings({
    settings: ctx.config.metrics.ping,
    logger: ctx.logger,
    journal: ctx.journal,
    now: ctx.now,
    timeoutMs: ctx.config.notifyTimeoutMs,
    safe: (text) => ctx.redactor.redactOutput(text),
  });
  return items.map((item) => ({
    id: item.id,
    backupId: item.backupId,
    channel: 'ping',
    recipient: null,
    status: item.status,
    ...(item.error ? { error: item.error } : {}),
    attempts: 0,
    lateSince: ctx.now().toISOString(),
  }));
}
