import type { AlertContext } from '../alert/dispatch.js';
import { typeAlerts } from '../alert/policy.js';
import { sendAlert } from '../alert/send.js';
import type { Alert } from '../notify/types.js';
import { formatDuration } from '../shared/duration.js';
import { setLongTimeout } from '../shared/long-timer.js';
import type { RunPlan } from './plan.js';
import type { StartedRun } from './record.js';

export interface SlowRunWatch {
  /** The script has ended: no warning from now on; waits for one already going out (bounded by the notify timeout). */
  stop(): Promise<void>;
}

const NOTHING: SlowRunWatch = { stop: async () => {} };

/**
 * `run --warn-after DUR`: one backup_slow alert while the script is still running, then it
 * runs on to --timeout. A timer beside the script: it never delays or touches the script,
 * and what it sends cannot change the run's outcome.
 */
export function watchForSlowRun(
  plan: Pick<RunPlan, 'warnAfterMs' | 'job' | 'type' | 'script' | 'isTest'>,
  started: StartedRun,
  ctx: AlertContext & { hostname: string },
): SlowRunWatch {
  const warnAfterMs = plan.warnAfterMs;
  if (warnAfterMs === undefined) return NOTHING;
  let sending: Promise<unknown> | undefined;
  // A long timer: `--warn-after 30d` must not fire after 1 ms (Node's 24.8-day timer limit).
  const timer = setLongTimeout(() => {
    const now = ctx.now();
    const runningForMs = Math.max(0, now.getTime() - started.startedAt.getTime());
    const error = `Backup script still running after ${formatDuration(runningForMs)} (--warn-after ${formatDuration(warnAfterMs)})`;
    ctx.logger.warn('Backup', `Backup ${started.backupId} (${plan.type}): ${error}`);
    if (!typeAlerts(ctx.config, plan.type)) return;
    const alert: Alert = {
      kind: 'slow',
      run: {
        backupId: started.backupId,
        job: plan.job,
        type: plan.type,
        ...(plan.isTest ? { isTest: true } : {}),
        host: ctx.hostname,
        script: plan.script,
        logPath: started.logPath,
        status: 'failure',
        startedAt: started.startedAt.toISOString(),
        // The runbook's 発生時刻 is when this was noticed.
        finishedAt: now.toISOString(),
        durationMs: runningForMs,
        exitCode: null,
        signal: null,
        errorMessage: error,
        outputTail: '',
        artifactPath: null,
        artifactBytes: null,
      },
      consecutiveFailures: 0,
      escalate: false,
      slow: { runningForMs, warnAfterMs },
    };
    sending = sendAlert(alert, ctx).catch((failure: unknown) =>
      ctx.logger.warn('Backup', `Could not send the slow-run warning: ${ctx.redactor.safeError(failure)}`),
    );
  }, warnAfterMs);
  return {
    async stop() {
      timer.clear();
      await sending;
    },
  };
}
