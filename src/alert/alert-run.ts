import { errorMessage } from '../shared/errors.js';
import type { RunResult } from '../shared/run-result.js';
import { describeSizeFinding } from '../shared/size-finding.js';
import type { AlertContext } from './dispatch.js';
import { trackRun } from './incidents.js';
import { type AlertDecision, decideAlert } from './policy.js';
import { sendAlert } from './send.js';

/**
 * The alert step for a finished run (a normal one, a lock-busy one, an abandoned
 * one alike): say it failed, track its incident, ask the policy, send what it decides
 * (unless a silence holds it). Nothing it does (or throws) can change the run's
 * record or exit code.
 */
export async function alertAbout(run: RunResult, ctx: AlertContext): Promise<void> {
  if (run.isTest) return alertTest(run, ctx);
  if (run.status !== 'success') {
    ctx.logger.error(
      'Backup',
      `Backup ${run.backupId} (${whose(run)}) failed: ${run.errorMessage ?? 'unknown error'}`,
    );
  }
  const incident = trackRun(run, ctx);
  let decision: AlertDecision;
  try {
    decision = decideAlert(run, ctx.journal, ctx.config, ctx.now(), incident);
  } catch (error) {
    if (run.status === 'success') {
      ctx.logger.warn('Backup', `Could not check for recovery: ${errorMessage(error)}`);
      return;
    }
    ctx.logger.warn('Backup', `Could not read the failure history, alerting anyway: ${errorMessage(error)}`);
    decision = {
      send: true,
      alert: {
        kind: 'failure',
        run,
        consecutiveFailures: 1,
        escalate: ctx.config.escalateAfter <= 1,
        ...(incident ? { incident } : {}),
      },
    };
  }
  if (!decision.send) {
    if (decision.reason) ctx.logger.info('Backup', decision.reason);
    return;
  }
  if (run.status === 'success' && decision.alert.size) {
    // The run is a success, but stderr (cron's mail) should say what looks wrong with it.
    ctx.logger.warn(
      'Backup',
      `Backup ${run.backupId} (${whose(run)}) succeeded, but: ${describeSizeFinding(decision.alert.size)}`,
    );
  }
  let alert: typeof decision.alert | undefined = decision.alert;
  if (alert.kind === 'failure' && ctx.config.fleet) {
    // Storm control at the centre: alone, lead (the summary) or member (nothing of its own).
    const { stormVerdict } = await import('./storm.js');
    alert = await stormVerdict(alert, ctx);
    if (!alert) return;
  }
  try {
    await sendAlert(alert, ctx);
  } catch (error) {
    ctx.logger.error(
      'Backup',
      `Failed to send ${decision.alert.kind} alerts: ${ctx.redactor.safeError(error)}`,
    );
  }
}

/** The job, and its type when the job has a name of its own: `pg, daily` or just `daily`. */
function whose(run: RunResult): string {
  return run.job === run.type ? run.type : `${run.job}, ${run.type}`;
}

/**
 * `run --test` (runbook §7.3): every channel hears about it, marked as a test in the subject
 * and the first line, whatever silences, incidents and repeat suppression say: it was asked
 * for, and it must leave no lasting mark (no incident opened, no streak counted).
 */
async function alertTest(run: RunResult, ctx: AlertContext): Promise<void> {
  ctx.logger.info(
    'Backup',
    `Test run ${run.backupId} (${whose(run)}) ${run.status === 'success' ? 'succeeded' : `failed: ${run.errorMessage ?? 'unknown error'}`}; sending a test alert`,
  );
  const { dispatch } = await import('./dispatch.js');
  await dispatch(
    {
      kind: run.status === 'success' ? 'test' : 'failure',
      run,
      consecutiveFailures: 0,
      escalate: false,
      preview: true,
    },
    ctx,
  );
}
