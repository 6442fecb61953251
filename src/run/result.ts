import type { RunnerResult } from '../runner/runner.js';
import { ExitCode } from '../shared/exit-codes.js';
import type { Redactor } from '../shared/redact.js';
import type { RunResult } from '../shared/run-result.js';
import { oneLineSafe } from '../shared/terminal-text.js';
import type { SuccessVerdict } from './artifact/verdict.js';
import { type Outcome, outcomeOf } from './outcome.js';
import type { RunPlan } from './plan.js';
import type { StartedRun } from './record.js';

/**
 * The run's result, built once from what the script did and, when it said it succeeded,
 * what its artifacts and duration say (`verdict`: a problem there makes it a failure, exit
 * 65). What the script printed (the output tail, the stderr line the error quotes) is
 * redacted here, once, before the store, the alert policy or any channel sees it.
 */
export function resultOfScript(
  plan: RunPlan,
  started: StartedRun,
  runner: RunnerResult,
  finishedAt: Date,
  host: string,
  redactor: Redactor,
  verdict?: SuccessVerdict,
): RunResult {
  const outcome = falseSuccess(outcomeOf(plan.script, runner, plan.timeoutLabel), verdict);
  return {
    backupId: started.backupId,
    job: plan.job,
    type: plan.type,
    ...(plan.isTest ? { isTest: true } : {}),
    host,
    script: plan.script,
    logPath: started.logPath,
    status: outcome.status,
    startedAt: started.startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: runner.durationMs,
    exitCode: outcome.exitCode,
    signal: outcome.signal,
    // Stored with controls visible: history, status and every reader show it as it is stored.
    errorMessage:
      outcome.errorMessage === null ? null : oneLineSafe(redactor.redactOutput(outcome.errorMessage)),
    // The tail is kept for failures only: a success's output is in its log file.
    outputTail: outcome.status === 'failure' ? redactor.redactOutput(runner.outputTail) : '',
    // Measured before redaction, which changes lengths: what the script printed, not what we show.
    outputCutBytes: Math.max(0, runner.outputBytes - Buffer.byteLength(runner.outputTail, 'utf8')),
    // The path is named in the error too: BACKUP_ALERT_REDACT masks it the same way in both.
    artifactPath: verdict?.artifactPath ? redactor.redactOutput(verdict.artifactPath) : null,
    artifactBytes: verdict?.artifactBytes ?? null,
  };
}

/** The script exited 0 but the data says no: sysexits EX_DATAERR. */
function falseSuccess(outcome: Outcome, verdict: SuccessVerdict | undefined): Outcome {
  if (outcome.status !== 'success' || verdict?.problem === undefined) return outcome;
  return { status: 'failure', errorMessage: verdict.problem, exitCode: ExitCode.dataError, signal: null };
}
