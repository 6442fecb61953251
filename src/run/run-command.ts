import { alertAbout } from '../alert/alert-run.js';
import { noticeConfigProblems } from '../alert/config-problem.js';
import type { AlertContext } from '../alert/dispatch.js';
import { sendDueReminders } from '../alert/incidents.js';
import type { CommandContext } from '../context.js';
import { childEnv } from '../runner/child-env.js';
import { runScript } from '../runner/runner.js';
import { SignalLatch } from '../runner/signals.js';
import { formatDuration } from '../shared/duration.js';
import type { RunResult } from '../shared/run-result.js';
import { type LockStep, lockBusyResult, takeLock } from './lock.js';
import { preloadShip, publishRunMetrics, shipToCentre, startHeartbeatIfWanted } from './observe.js';
import { planRun, type RunOptions, type RunPlan } from './plan.js';
import {
  openJournal,
  reapAbandoned,
  recordFinish,
  recordStart,
  runLogDir,
  type StartedRun,
} from './record.js';
import { resultOfScript } from './result.js';
import { applyRetention, replayOutput, retryPendingQuickly } from './side-tasks.js';
import { watchForSlowRun } from './slow-run.js';
import { startSmtpCheck } from './smtp-check.js';

export type { RunOptions } from './plan.js';

type RunContext = CommandContext & AlertContext;

/**
 * `backup-alert run`, one straight line: lock → record the start → execute →
 * record the result → alert → retention. The lock-busy and abandoned runs go
 * through the same record-and-alert steps. Returns the exit code.
 */
export async function runCommand(options: RunOptions, command: CommandContext): Promise<number> {
  const plan = planRun(options, command);
  // Signals are caught from the very start: one arriving mid-spawn must still be recorded.
  const signals = new SignalLatch(command.signals);
  for (const problem of command.problems)
    command.logger.warn('Config', `${problem.variable}: ${problem.message}`);
  const journal = openJournal(command);
  const ctx: RunContext = { ...command, journal };
  try {
    for (const abandoned of reapAbandoned(journal, ctx)) await alertAbout(abandoned, ctx);
    await retryPendingQuickly(ctx);

    const startedAt = ctx.now();
    const lock = takeLock(plan, startedAt, ctx);
    try {
      const started = recordStart(journal, plan, startedAt, lock.busy ? null : runLogDir(ctx), ctx);
      const heartbeat = startHeartbeatIfWanted(started, plan, ctx);
      if (!lock.busy) startSmtpCheck(ctx);
      const result = lock.busy
        ? lockBusyResult(plan, started, lock, ctx.now(), ctx.hostname)
        : await execute(plan, started, lock, signals, ctx);
      recordFinish(journal, result, ctx);
      // The script has ended: a stop signal from now on (systemd stopping the unit) cuts the
      // deliveries short; what did not go out stays pending for `retry`.
      const stop = new AbortController();
      signals.onSignal((signal) => {
        if (stop.signal.aborted) return;
        ctx.logger.warn(
          'Backup',
          `${signal} received while alerting: stopping now; undelivered alerts stay pending for backup-alert retry`,
        );
        stop.abort();
      });
      const alerting = { ...ctx, stop: stop.signal };
      if (result.status === 'success') {
        ctx.logger.debug(
          'Backup',
          `Backup ${result.backupId} succeeded in ${formatDuration(result.durationMs ?? 0)}`,
        );
      } else if (plan.quiet) {
        await replayOutput(result.logPath, result.outputTail, ctx);
      }
      await Promise.all([
        alertAbout(result, alerting),
        heartbeat?.finish(result),
        noticeConfigProblems(ctx.problems, result, alerting),
      ]);
      // Open incidents (this type's or another's) whose BACKUP_ALERT_REMIND reminder is due.
      if (!stop.signal.aborted) await sendDueReminders(alerting, ctx.hostname);
      return result.exitCode ?? 0;
    } finally {
      if (!lock.busy) lock.release();
    }
  } finally {
    signals.dispose();
    applyRetention(ctx);
    await Promise.all([shipToCentre(ctx), publishRunMetrics(ctx)]);
    journal.close();
  }
}

/** Runs the script and builds the run's result. */
async function execute(
  plan: RunPlan,
  started: StartedRun,
  lock: Extract<LockStep, { busy: false }>,
  signals: SignalLatch,
  ctx: RunContext,
): Promise<RunResult> {
  lock.setBackupId(started.backupId);
  const slow = watchForSlowRun(plan, started, ctx);
  const runner = await runScript({
    script: plan.script,
    args: plan.args,
    env: childEnv(ctx.processEnv, started.backupId, plan.type),
    cwd: ctx.cwd,
    timeoutMs: plan.timeoutMs,
    killAfterMs: plan.killAfterMs,
    stdout: plan.quiet ? null : ctx.io.stdoutStream,
    stderr: plan.quiet ? null : ctx.io.stderrStream,
    logPath: started.logPath,
    // The log file is kept like the database: what BACKUP_ALERT_REDACT masks there is masked here.
    ...(ctx.redactor.masksOutput ? { redactLog: (text: string) => ctx.redactor.redactOutput(text) } : {}),
    signals,
    onSpawn: (pid) => {
      lock.setScriptGroup(pid);
      preloadShip(ctx);
    },
  });
  await slow.stop();
  if (runner.logError)
    ctx.logger.warn('Backup', `Could not write log file ${started.logPath}: ${runner.logError}`);
  const finishedAt = ctx.now();
  const { checks } = plan;
  // Loaded only when there is something to check: a plain run pays nothing for it.
  const verdict = checks
    ? await (await import('./artifact/verdict.js')).judgeSuccess({ ...plan, checks }, started, runner, ctx)
    : undefined;
  return resultOfScript(plan, started, runner, finishedAt, ctx.hostname, ctx.redactor, verdict);
}
