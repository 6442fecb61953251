import type { RunnerResult } from '../runner/runner.js';
import type { Redactor } from '../shared/redact.js';
import type { RunResult } from '../shared/run-result.js';
import { outcomeOf } from './outcome.js';
import type { RunPlan } from './plan.js';
import type { StartedRun } from './record.js';

/**
 * The run's result, built once from what the script did. What the script printed
 * (the output tail, the stderr line the error quotes) is redacted here, once,
 * before the store, the alert policy or any channel sees it.
 */
export function resultOfScript(
  plan: RunPlan,
  started: StartedRun,
  runner: RunnerResult,
  finishedAt: Date,
  host: string,
  redactor: Redactor,
): RunResult {
  const outcome = outcomeOf(plan.script, runner, plan.timeoutLabel);
  return {
    backupId: started.backupId,
    type: plan.type,
    host,
    script: plan.script,
    logPath: started.logPath,
    status: outcome.status,
    startedAt: started.startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: runner.durationMs,
    exitCode: outcome.exitCode,
    signal: outcome.signal,
    errorMessage: outcome.errorMessage === null ? null : redactor.redactOutput(outcome.errorMessage),
    // The tail is kept for failures only: a success's output is in its log file.
    outputTail: outcome.status === 'failure' ? redactor.redactOutput(runner.outputTail) : '',
    // Measured before redaction, which changes lengths: what the script printed, not what we show.
    outputCutBytes: Math.max(0, runner.outputBytes - Buffer.byteLength(runner.outputTail, 'utf8')),
  };
}
