import type { RunnerResult } from '../runner/runner.js';
import { signalNumber } from '../runner/runner.js';
import { ExitCode } from '../shared/exit-codes.js';
import type { RunResult } from '../shared/run-result.js';

/** How the run ended, as the run's result records it (DESIGN.md's one-line messages). */
export type Outcome = Pick<RunResult, 'status' | 'errorMessage' | 'exitCode' | 'signal'>;

/** Maps what happened to the script onto the record and our exit code (DESIGN.md "run" 5 and 8). */
export function outcomeOf(script: string, result: RunnerResult, timeoutLabel: string | undefined): Outcome {
  const failure = (errorMessage: string, exitCode: number, signal: string | null = null): Outcome => ({
    status: 'failure',
    errorMessage,
    exitCode,
    signal,
  });
  switch (result.startError) {
    case 'not-found':
      return failure(`Backup script not found: ${script}${noShellHint(script)}`, ExitCode.notFound);
    case 'not-executable':
      return failure(`Backup script is not executable: ${script}`, ExitCode.notExecutable);
    case 'interpreter-not-found':
      return failure(
        `Backup script's interpreter not found: ${result.startErrorDetail ?? '?'} (the #! line of ${script})`,
        ExitCode.notFound,
      );
    case 'interpreter-not-executable':
      return failure(
        `Backup script's interpreter is not executable: ${result.startErrorDetail ?? '?'} (the #! line of ${script})`,
        ExitCode.notExecutable,
      );
    case 'spawn-failed':
      return failure(
        `Backup script could not be started: ${result.startErrorDetail ?? 'unknown error'}`,
        ExitCode.notExecutable,
      );
    default:
      break;
  }
  if (result.timedOut) {
    return failure(`Backup script timed out after ${timeoutLabel ?? '?'}`, ExitCode.timedOut, result.signal);
  }
  if (result.interruptedBy) {
    return failure(
      `Backup script was interrupted by ${result.interruptedBy}`,
      ExitCode.signalBase + signalNumber(result.interruptedBy),
      result.signal ?? result.interruptedBy,
    );
  }
  if (result.signal) {
    return failure(
      `Backup script was killed by ${result.signal}`,
      ExitCode.signalBase + signalNumber(result.signal),
      result.signal,
    );
  }
  const code = result.exitCode ?? ExitCode.internal;
  if (code === 0) return { status: 'success', errorMessage: null, exitCode: 0, signal: null };
  const line = result.lastStderrLine;
  return failure(`Backup script failed with exit code ${code}${line ? `: ${line}` : ''}`, code);
}

/**
 * `--script "pg_dump app > x"` is looked up as one file name: no shell reads it. When a
 * missing path looks like a command line (spaces, shell characters), say so.
 */
function noShellHint(script: string): string {
  if (!/[\s|&;<>()$`*?"']/.test(script)) return '';
  return ' (no shell is used: --script names one executable file; put the command line in a script and give its path)';
}
