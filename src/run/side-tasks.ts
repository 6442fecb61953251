import type { AlertContext } from '../alert/dispatch.js';
import type { Config } from '../config/config.js';
import type { CommandContext } from '../context.js';
import { formatDuration } from '../shared/duration.js';
import { errorMessage } from '../shared/errors.js';
import { recordAudit } from '../store/audit.js';
import { describePrune, type PruneResult, pruneSummary } from '../store/prune.js';
import { replayFile } from './replay.js';

/**
 * The work `run` does around the backup, each bounded and none able to change
 * the run's outcome: re-sending old alerts, the SMTP check, the quiet replay, retention.
 */

/** How long a `run` spends re-sending old pending alerts before its own work. */
const QUICK_RETRY_MS = 3_000;

/** Every run first gives undelivered alerts a quick second chance (loading retry code only when there are some). */
export async function retryPendingQuickly(ctx: AlertContext): Promise<void> {
  try {
    if (!ctx.journal.notifications.hasPending()) return;
    const { retryPending } = await import('../alert/resend.js');
    await retryPending(ctx, { deadlineMs: Math.min(QUICK_RETRY_MS, ctx.config.notifyTimeoutMs) });
  } catch (error) {
    ctx.logger.warn('Backup', `Could not re-send pending alerts: ${errorMessage(error)}`);
  }
}

/** --quiet: cron mails only when there is output, so a failed run replays what the script printed. */
export async function replayOutput(logPath: string | null, tail: string, ctx: CommandContext): Promise<void> {
  // No log file (or none readable): the tail kept in memory is what there is.
  if (logPath && (await replayFile(logPath, ctx.io.stdoutStream))) return;
  ctx.io.stdout(tail);
}

/**
 * BACKUP_ALERT_RETENTION after every run: what `prune` does, audited the same way.
 * A failed clean-up is logged; the run is recorded regardless.
 */
export function applyRetention(
  ctx: Pick<AlertContext, 'journal' | 'logger' | 'now'> & {
    config: Pick<Config, 'retentionMs'>;
    username: string;
    hostname: string;
  },
): PruneResult | null {
  const { retentionMs } = ctx.config;
  if (retentionMs === undefined || !ctx.journal.recording) return null;
  try {
    const result = ctx.journal.prune(new Date(ctx.now().getTime() - retentionMs));
    if (result.runs + result.notifications + result.auditRows > 0) {
      ctx.logger.info(
        'Prune',
        `Retention ${formatDuration(retentionMs)}: removed ${describePrune(result)} older than ${result.cutoff}`,
      );
    }
    for (const problem of result.logFileErrors)
      ctx.logger.warn('Prune', `Could not delete log file ${problem}`);
    recordAudit(ctx.journal.audit, ctx, {
      operation: 'prune',
      status: 'success',
      details: { automatic: true, ...pruneSummary(result) },
    });
    return result;
  } catch (error) {
    ctx.logger.warn('Prune', `Retention clean-up failed (the run is recorded): ${errorMessage(error)}`);
    return null;
  }
}
