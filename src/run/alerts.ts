import { decideFailureAlert, shouldSendRecovery } from '../alert/policy.js';
import type { CommandContext } from '../context.js';
import type { FailureAlert, NotifyContext } from '../notify/types.js';
import { errorMessage } from '../shared/errors.js';
import type { RunRow } from '../store/rows.js';
import type { Store } from '../store/store.js';

/** What the pipeline knows about a failed run when it alerts. */
export interface FailedRun {
  backupId: string;
  type: string;
  script: string | null;
  logPath: string | null;
  error: string;
  exitCode: number | null;
  signal: string | null;
  durationMs: number | null;
  outputTail: string;
  finishedAt: Date;
}

/** How long a `run` spends re-sending old pending alerts before its own work. */
const QUICK_RETRY_MS = 3_000;

function notifyContext(store: Store | null, ctx: CommandContext): NotifyContext {
  return { config: ctx.config, logger: ctx.logger, store, now: ctx.now };
}

async function send(alert: FailureAlert, store: Store | null, ctx: CommandContext): Promise<void> {
  try {
    // Notification code loads only here: the success path never pays for nodemailer or handlebars.
    const { notifyFailure } = await import('../notify/index.js');
    await notifyFailure(alert, notifyContext(store, ctx));
  } catch (error) {
    ctx.logger.error('Backup', `Failed to send ${alert.kind} alerts: ${errorMessage(error)}`);
  }
}

/**
 * The failure hook. Nothing it does (or throws) can change the run's record or
 * exit code. The alert policy may hold back an identical repeat (BACKUP_ALERT_REPEAT_INTERVAL).
 */
export async function alertFailure(run: FailedRun, store: Store | null, ctx: CommandContext): Promise<void> {
  ctx.logger.error('Backup', `Backup ${run.backupId} (${run.type}) failed: ${run.error}`);
  let decision = {
    send: true,
    suppressedCount: 0,
    consecutiveFailures: 1,
    escalate: ctx.config.escalateAfter <= 1,
  };
  if (store) {
    try {
      decision = decideFailureAlert(store, run, ctx.config, ctx.now());
    } catch (error) {
      ctx.logger.warn(
        'Backup',
        `Could not read the failure history, alerting anyway: ${errorMessage(error)}`,
      );
    }
  }
  if (!decision.send) {
    ctx.logger.info(
      'Backup',
      `Alert for ${run.backupId} held back: same failure as the last alert inside BACKUP_ALERT_REPEAT_INTERVAL (${decision.suppressedCount} held back so far)`,
    );
    return;
  }
  const alert: FailureAlert = {
    kind: 'failure',
    backupId: run.backupId,
    type: run.type,
    timestamp: run.finishedAt.toISOString(),
    error: run.error,
    exitCode: run.exitCode,
    signal: run.signal,
    host: ctx.hostname,
    durationMs: run.durationMs,
    outputTail: run.outputTail,
    script: run.script,
    logPath: run.logPath,
    consecutiveFailures: decision.consecutiveFailures,
    escalate: decision.escalate,
    ...(decision.suppressedCount > 0 ? { suppressedCount: decision.suppressedCount } : {}),
  };
  await send(alert, store, ctx);
}

/** BACKUP_ALERT_NOTIFY_RECOVERY: one message when a type succeeds after failing. */
export async function alertRecoveryIfDue(
  run: {
    backupId: string;
    type: string;
    script: string;
    logPath: string | null;
    durationMs: number;
    finishedAt: Date;
  },
  store: Store | null,
  ctx: CommandContext,
): Promise<void> {
  if (!store || !ctx.config.notifyRecovery) return;
  let due = false;
  try {
    due = shouldSendRecovery(store, run, ctx.config);
  } catch (error) {
    ctx.logger.warn('Backup', `Could not check for recovery: ${errorMessage(error)}`);
  }
  if (!due) return;
  await send(
    {
      kind: 'recovery',
      backupId: run.backupId,
      type: run.type,
      timestamp: run.finishedAt.toISOString(),
      error: '',
      exitCode: 0,
      signal: null,
      host: ctx.hostname,
      durationMs: run.durationMs,
      outputTail: '',
      script: run.script,
      logPath: run.logPath,
      consecutiveFailures: 0,
      escalate: false,
    },
    store,
    ctx,
  );
}

/** Rows a dead wrapper left `running` are failures nobody heard about: alert them. */
export async function alertAbandoned(rows: RunRow[], store: Store, ctx: CommandContext): Promise<void> {
  for (const row of rows) {
    await alertFailure(
      {
        backupId: row.backup_id,
        type: row.type,
        script: row.script,
        logPath: row.log_path,
        error: row.error_message ?? 'Backup wrapper died before the run finished',
        exitCode: null,
        signal: null,
        durationMs: null,
        outputTail: '',
        finishedAt: new Date(row.finished_at ?? ctx.now().toISOString()),
      },
      store,
      ctx,
    );
  }
}

/** How long the background SMTP check at the start of a run may take. */
const SMTP_CHECK_MS = 10_000;

/**
 * The runbook checks the SMTP connection at start (§6 Step 5; skipped with NODE_ENV=test).
 * It runs beside the backup, so it costs the backup nothing, and a broken mail
 * setup is reported even on nights when the backup succeeds, before it is needed.
 */
export function startSmtpCheck(ctx: CommandContext): Promise<void> | undefined {
  const { config } = ctx;
  if (config.emailRecipients.length === 0 || config.skipSmtpVerify) return undefined;
  return (async () => {
    try {
      const { verifySmtp } = await import('../notify/email.js');
      await verifySmtp(config, ctx.logger, {
        timeoutMs: Math.min(SMTP_CHECK_MS, config.notifyTimeoutMs),
        readyAtDebug: true,
      });
    } catch (error) {
      ctx.logger.warn('EmailService', `SMTP check failed: ${errorMessage(error)}`);
    }
  })();
}

/** Every run first gives undelivered alerts a quick second chance (loading retry code only when there are some). */
export async function retryPendingQuickly(store: Store, ctx: CommandContext): Promise<void> {
  try {
    if (!store.hasPendingNotifications()) return;
    const { retryPending } = await import('../commands/retry.js');
    await retryPending(notifyContext(store, ctx), {
      deadlineMs: Math.min(QUICK_RETRY_MS, ctx.config.notifyTimeoutMs),
    });
  } catch (error) {
    ctx.logger.warn('Backup', `Could not re-send pending alerts: ${errorMessage(error)}`);
  }
}
