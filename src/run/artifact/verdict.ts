import { sizeFindingOf } from '../../alert/size-check.js';
import type { Config } from '../../config/config.js';
import type { RunnerResult } from '../../runner/runner.js';
import { formatDuration } from '../../shared/duration.js';
import { errorMessage } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { describeSizeFinding } from '../../shared/size-finding.js';
import type { Journal } from '../../store/journal.js';
import { outcomeOf } from '../outcome.js';
import type { RunPlan } from '../plan.js';
import type { StartedRun } from '../record.js';
import { type CheckReport, checkArtifacts } from './check.js';
import type { OutputChecks } from './plan.js';

/** However slow the filesystem (a hung NFS mount), the checks give up after this. */
export const CHECK_TIMEOUT_MS = 60_000;

/** What the run's result takes from the checks. */
export interface SuccessVerdict {
  artifactPath: string | null;
  artifactBytes: number | null;
  /** Why the script's exit 0 does not stand (the run's error message); undefined when it stands. */
  problem: string | undefined;
}

export interface VerdictContext {
  config: Pick<Config, 'falseSuccess'>;
  journal: Pick<Journal, 'runs'>;
  logger: Logger;
}

/**
 * The false-success step of `run` (DESIGN.md "False success"), between the script's exit
 * and the result: when the script says it succeeded, do its artifacts and its duration
 * agree? With `--on-suspect fail`, a size far from the type's usual one is a problem too.
 * Undefined when the script failed anyway (nothing to second-guess).
 */
export async function judgeSuccess(
  plan: RunPlan & { checks: OutputChecks },
  started: StartedRun,
  runner: RunnerResult,
  ctx: VerdictContext,
  timeoutMs = CHECK_TIMEOUT_MS,
): Promise<SuccessVerdict | undefined> {
  if (outcomeOf(plan.script, runner, plan.timeoutLabel).status !== 'success') return undefined;
  const { checks } = plan;
  let report: CheckReport;
  try {
    report = await bounded(
      checkArtifacts(checks, { startedAt: started.startedAt, durationMs: runner.durationMs }, ctx.logger),
      timeoutMs,
      checks,
    );
  } catch (error) {
    // A fault of ours is no evidence against the backup: the script's word stands.
    ctx.logger.error('Backup', `Could not check the backup's artifacts (a bug): ${errorMessage(error)}`);
    return undefined;
  }
  const [problem, ...more] = report.problems;
  // The first problem is the run's error; the others would otherwise go unseen.
  for (const other of more) ctx.logger.error('Backup', `Also: ${other}`);
  if (problem === undefined && checks.onSuspect === 'fail') {
    const suspect = findSizeProblem(plan, started, report, ctx);
    if (suspect) return { ...facts(report), problem: suspect };
  }
  return { ...facts(report), problem };
}

function facts(report: CheckReport): Omit<SuccessVerdict, 'problem'> {
  return { artifactPath: report.artifactPath, artifactBytes: report.artifactBytes };
}

function findSizeProblem(
  plan: RunPlan,
  started: StartedRun,
  report: CheckReport,
  ctx: VerdictContext,
): string | undefined {
  try {
    const finding = sizeFindingOf(
      { job: plan.job, backupId: started.backupId, ...facts(report) },
      ctx.journal,
      ctx.config.falseSuccess,
    );
    return finding ? describeSizeFinding(finding) : undefined;
  } catch (error) {
    ctx.logger.warn(
      'Backup',
      `Could not compare the artifact size with earlier runs: ${errorMessage(error)}`,
    );
    return undefined;
  }
}

/** The report, or after `timeoutMs` a failure saying the artifacts could not be examined. */
async function bounded(
  work: Promise<CheckReport>,
  timeoutMs: number,
  checks: OutputChecks,
): Promise<CheckReport> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckReport>((resolve) => {
    timer = setTimeout(
      () =>
        resolve({
          artifactPath: checks.artifacts.join(', '),
          artifactBytes: null,
          problems: [
            `Backup artifact unreadable: ${checks.artifacts.join(', ')} (no answer within ${formatDuration(timeoutMs)})`,
          ],
        }),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
