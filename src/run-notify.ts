import type { CommandContext } from './context.js';
import { errorMessage } from './errors.js';
import type { FailureAlert, NotifyContext } from './notify/types.js';
import type { RunRow, Store } from './store.js';

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

function notifyContext(store: Store | null, ctx: CommandContext): NotifyContext {
  return { config: ctx.config, logger: ctx.logger, store, now: ctx.now };
}

function consecutiveFailures(store: Store | null, type: string): number {
  try {
    return store ? Math.max(1, store.consecutiveFailures(type)) : 1;
  } catch {
    return 1;
  }
}

export function alertFor(run: FailedRun, store: Store | null, ctx: CommandContext): FailureAlert {
  const consecutive = consecutiveFailures(store, run.type);
  return {
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
    consecutiveFailures: consecutive,
    escalate: consecutive >= ctx.config.escalateAfter,
  };
}

/**
 * The failure hook. Notification code loads only here, on the failure path, and
 * nothing it does (or throws) can change the run's record or exit code.
 */
export async function alertFailure(run: FailedRun, store: Store | null, ctx: CommandContext): Promise<void> {
  ctx.logger.error('Backup', `Backup ${run.backupId} (${run.type}) failed: ${run.error}`);
  try {
    const { notifyFailure } = await import('./notify/index.js');
    await notifyFailure(alertFor(run, store, ctx), notifyContext(store, ctx));
  } catch (error) {
    ctx.logger.error('Backup', `Failed to send failure alerts: ${errorMessage(error)}`);
  }
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
