import type { CommandContext } from '../context.js';
import { checkDuration, parseDuration } from '../shared/duration.js';
import { errorMessage, UsageError } from '../shared/errors.js';
import { ExitCode } from '../shared/exit-codes.js';
import { recordAudit } from '../store/audit.js';
import { describePrune, type PruneResult, pruneSummary } from '../store/prune.js';

/** 100 years: older than that, the cut-off date (now minus the age) stops being a date at all. */
export const MAX_PRUNE_AGE_MS = 36_500 * 86_400_000;

/** `prune --older-than DUR [--dry-run]` */
export async function pruneCommand(
  options: { olderThan: string; dryRun?: boolean },
  ctx: CommandContext,
): Promise<number> {
  const checked = checkDuration(options.olderThan, { maxMs: MAX_PRUNE_AGE_MS });
  if (!checked.ok) {
    // Zero would mean "everything that has finished": say so rather than call it a non-duration.
    const zero = parseDuration(options.olderThan) === 0;
    throw new UsageError(
      zero
        ? `--older-than "${options.olderThan}" would delete every finished run: give an age longer than 0, e.g. 90d`
        : `--older-than ${checked.problem}`,
    );
  }
  const ms = checked.ms;
  const now = ctx.now();
  const store = ctx.openStore();
  try {
    let result: PruneResult;
    try {
      result = store.prune(new Date(now.getTime() - ms), { dryRun: options.dryRun === true });
    } catch (error) {
      recordAudit(store.audit, ctx, {
        operation: 'prune',
        status: 'failure',
        details: { olderThan: options.olderThan, error: errorMessage(error) },
      });
      throw error;
    }
    const verb = result.dryRun ? 'Would remove' : 'Removed';
    ctx.io.stdout(
      `${verb} ${describePrune(result)} older than ${options.olderThan} (before ${result.cutoff})\n`,
    );
    for (const problem of result.logFileErrors)
      ctx.logger.warn('Prune', `Could not delete log file ${problem}`);
    if (!result.dryRun) {
      recordAudit(store.audit, ctx, {
        operation: 'prune',
        status: result.logFileErrors.length > 0 ? 'partial' : 'success',
        details: { olderThan: options.olderThan, ...pruneSummary(result) },
      });
    }
    return result.logFileErrors.length > 0 ? ExitCode.failed : ExitCode.ok;
  } finally {
    store.close();
  }
}
