import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { applyRetention } from '../commands/prune.js';
import { type BackupType, isBackupType } from '../config/config.js';
import type { CommandContext } from '../context.js';
import { childEnv } from '../runner/child-env.js';
import { runScript } from '../runner/runner.js';
import { SignalLatch, type SignalSource } from '../runner/signals.js';
import { formatDuration, parseDuration } from '../shared/duration.js';
import { UsageError } from '../shared/errors.js';
import { redactText } from '../shared/redact.js';
import type { Store } from '../store/store.js';
import {
  alertAbandoned,
  alertFailure,
  alertRecoveryIfDue,
  retryPendingQuickly,
  startSmtpCheck,
} from './alerts.js';
import type { HeldLock } from './lock-file.js';
import { lockBusy, takeLock } from './lock-step.js';
import { outcomeOf } from './outcome.js';
import { finishRecord, openStoreOrWarn, reapAbandoned, runLogDir, startRecord } from './record.js';

export interface RunOptions {
  type: string;
  script?: string;
  timeout?: string;
  killAfter?: string;
  quiet?: boolean;
  /** false with --no-lock */
  lock: boolean;
  args: string[];
}

interface Plan {
  type: BackupType;
  script: string;
  timeoutMs: number | undefined;
  timeoutLabel: string | undefined;
  killAfterMs: number;
}

/** Validates what must be right before anything runs; mistakes here are usage errors (exit 2). */
function plan(options: RunOptions, ctx: CommandContext): Plan {
  if (!isBackupType(options.type)) {
    throw new UsageError(`invalid --type "${options.type}": use one of daily, weekly, monthly, manual`);
  }
  const script = options.script ?? ctx.config.script;
  if (!script) throw new UsageError('no backup script: give --script PATH or set BACKUP_ALERT_SCRIPT');
  const duration = (flag: string, text: string | undefined) => {
    if (text === undefined) return undefined;
    const ms = parseDuration(text);
    if (ms === undefined || ms <= 0) {
      throw new UsageError(`invalid ${flag} "${text}": use a duration like 90s, 15m, 4h, 7d`);
    }
    return ms;
  };
  const timeoutMs = duration('--timeout', options.timeout) ?? ctx.config.timeoutMs;
  return {
    type: options.type,
    script: resolve(ctx.cwd, script),
    timeoutMs,
    timeoutLabel: options.timeout ?? (timeoutMs !== undefined ? formatDuration(timeoutMs) : undefined),
    killAfterMs: duration('--kill-after', options.killAfter) ?? ctx.config.killAfterMs,
  };
}

/** The run pipeline: lock → record → execute → record → notify. Returns the exit code. */
export async function runCommand(
  options: RunOptions,
  ctx: CommandContext,
  signals: SignalSource,
): Promise<number> {
  const run = plan(options, ctx);
  const latch = new SignalLatch(signals);
  try {
    return await pipelineFor(run, options, ctx, latch);
  } finally {
    latch.dispose();
  }
}

async function pipelineFor(
  run: Plan,
  options: RunOptions,
  ctx: CommandContext,
  signals: SignalLatch,
): Promise<number> {
  for (const problem of ctx.problems) ctx.logger.warn('Config', `${problem.variable}: ${problem.message}`);

  const store = openStoreOrWarn(ctx);
  try {
    if (store) {
      const abandoned = reapAbandoned(store, ctx);
      if (abandoned.length > 0) await alertAbandoned(abandoned, store, ctx);
      await retryPendingQuickly(store, ctx);
    }
    const startedAt = ctx.now();
    let lock: HeldLock | undefined;
    if (options.lock) {
      const attempt = takeLock(run.script, startedAt, ctx);
      if (attempt && !attempt.acquired) return await lockBusy(attempt.holder, run, startedAt, store, ctx);
      lock = attempt?.lock;
    }
    try {
      return await execute(run, options, startedAt, store, ctx, signals, lock);
    } finally {
      lock?.release();
    }
  } finally {
    if (store) {
      applyRetention(store, ctx.config, ctx.now(), ctx.logger, ctx);
      store.close();
    }
  }
}

async function execute(
  run: Plan,
  options: RunOptions,
  startedAt: Date,
  store: Store | null,
  ctx: CommandContext,
  signals: SignalLatch,
  lock: HeldLock | undefined,
): Promise<number> {
  const { backupId, logPath } = startRecord(store, ctx, run, startedAt, runLogDir(ctx));
  lock?.setBackupId(backupId);
  const smtpCheck = startSmtpCheck(ctx);
  const result = await runScript({
    script: run.script,
    args: options.args,
    env: childEnv(ctx.processEnv, backupId, run.type),
    cwd: ctx.cwd,
    timeoutMs: run.timeoutMs,
    killAfterMs: run.killAfterMs,
    stdout: options.quiet ? null : ctx.io.stdoutStream,
    stderr: options.quiet ? null : ctx.io.stderrStream,
    logPath,
    signals,
  });
  if (result.logError) ctx.logger.warn('Backup', `Could not write log file ${logPath}: ${result.logError}`);
  const raw = outcomeOf(run.script, result, run.timeoutLabel);
  // The error quotes the script's stderr: BACKUP_ALERT_REDACT applies to it as to the tail.
  const outcome = {
    ...raw,
    errorMessage: raw.errorMessage && redactText(raw.errorMessage, ctx.config.redactPatterns),
  };
  const finishedAt = ctx.now();
  const outputTail =
    outcome.status === 'failure' ? redactText(result.outputTail, ctx.config.redactPatterns) : null;
  finishRecord(
    store,
    ctx,
    backupId,
    {
      status: outcome.status,
      finishedAt: finishedAt.toISOString(),
      durationMs: result.durationMs,
      exitCode: result.exitCode,
      signal: outcome.signal,
      errorMessage: outcome.errorMessage,
      outputTail,
    },
    run,
  );
  // On a failed run the alert itself is the SMTP test: it must not wait for the check,
  // which finishes on its own (or is cut off when we exit).
  if (outcome.status === 'success') await smtpCheck;
  if (outcome.status === 'success') {
    ctx.logger.debug('Backup', `Backup ${backupId} succeeded in ${formatDuration(result.durationMs)}`);
    await alertRecoveryIfDue(
      { backupId, type: run.type, script: run.script, logPath, durationMs: result.durationMs, finishedAt },
      store,
      ctx,
    );
    return outcome.exitCode;
  }
  if (options.quiet) await replay(logPath, result.outputTail, ctx);
  await alertFailure(
    {
      backupId,
      type: run.type,
      script: run.script,
      logPath,
      error: outcome.errorMessage ?? 'unknown error',
      exitCode: result.exitCode,
      signal: outcome.signal,
      durationMs: result.durationMs,
      outputTail: outputTail ?? '',
      finishedAt,
    },
    store,
    ctx,
  );
  return outcome.exitCode;
}

/** --quiet: cron mails only when there is output, so a failed run replays what the script printed. */
async function replay(logPath: string | null, tail: string, ctx: CommandContext): Promise<void> {
  if (logPath) {
    try {
      await pipeline(createReadStream(logPath), ctx.io.stdoutStream, { end: false });
      return;
    } catch {
      // Fall back to the tail kept in memory.
    }
  }
  ctx.io.stdout(tail);
}
