import type { ConfigProblem } from '../config/values.js';
import type { Alert } from '../notify/types.js';
import type { RunResult } from '../shared/run-result.js';
import { claimConfigNotices } from '../store/config-notices.js';
import type { AlertContext } from './dispatch.js';
import { sendAlert } from './send.js';

/**
 * An invalid setting never stops the backup (it runs on the default), but a `[WARN]` line
 * under cron is read by nobody: after the run is recorded, the problems go through the
 * alert channels as one `config_problem` notice, at most once a day per setting. Without a
 * database there is no "sent today" to check, so nothing is sent. Never throws.
 */
export async function noticeConfigProblems(
  problems: readonly ConfigProblem[],
  run: RunResult,
  ctx: AlertContext,
): Promise<void> {
  const db = ctx.journal.db;
  if (problems.length === 0 || !db) return;
  try {
    // Nobody to tell: the [WARN] line is all there is, and the day stays unclaimed so the
    // notice goes out once a channel is configured. (Loaded only when a setting is wrong.)
    const { notifiersFor } = await import('./routing.js');
    const probe: Alert = { kind: 'config-problem', run, consecutiveFailures: 0, escalate: false };
    if (notifiersFor(probe, ctx).length === 0) return;
    const claimed = claimConfigNotices(
      db,
      ctx.config.host,
      problems.map((problem) => problem.variable),
      ctx.now(),
    );
    if (claimed.length === 0) return;
    const where = ctx.config.envFile ?? 'the environment';
    const text = problems
      .filter((problem) => claimed.includes(problem.variable))
      .map((problem) => `${problem.variable} ${problem.message}`)
      .join('; ');
    const alert: Alert = {
      kind: 'config-problem',
      run: { ...run, errorMessage: `${text} (in ${where})`, outputTail: '' },
      consecutiveFailures: 0,
      escalate: false,
    };
    await sendAlert(alert, ctx);
  } catch (error) {
    ctx.logger.warn('Config', `Could not send the settings-problem notice: ${ctx.redactor.safeError(error)}`);
  }
}
