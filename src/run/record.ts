import { dirname, join } from 'node:path';
import type { CommandContext } from '../context.js';
import { errorMessage } from '../shared/errors.js';
import { makeDirectoryLikeParent } from '../shared/owner.js';
import type { RunResult } from '../shared/run-result.js';
import { recordAudit } from '../store/audit.js';
import { type Journal, NO_JOURNAL } from '../store/journal.js';
import { runResultOf } from '../store/rows.js';
import { isProcessAlive } from './lock-file.js';
import type { RunPlan } from './plan.js';

/** Recording steps of `run`. None of them throws: an unwritable database never stops a backup. */

/** The database, or NO_JOURNAL and a line saying exactly why it could not be opened. */
export function openJournal(ctx: CommandContext): Journal & { close(): void } {
  try {
    return ctx.openStore();
  } catch (error) {
    ctx.logger.error(
      'Store',
      `Cannot open database ${ctx.config.dbPath}: ${errorMessage(error)}; this run will not be recorded`,
    );
    return { ...NO_JOURNAL, close: () => {} };
  }
}

/** Marks rows left `running` by a wrapper on this host that has died; returns them so they can be alerted. */
export function reapAbandoned(journal: Journal, ctx: CommandContext): RunResult[] {
  try {
    return journal.runs
      .markAbandoned(
        (row) =>
          row.host === ctx.hostname && row.pid !== null && row.pid !== ctx.pid && !isProcessAlive(row.pid),
        ctx.now().toISOString(),
      )
      .map((row) => runResultOf(row, ctx.hostname));
  } catch (error) {
    ctx.logger.warn('Store', `Could not check for abandoned runs: ${errorMessage(error)}`);
    return [];
  }
}

/** Where per-run log files go: `runs/` beside the database. Null (and a warning) when it cannot be made. */
export function runLogDir(ctx: CommandContext): string | null {
  const dir = join(dirname(ctx.config.dbPath), 'runs');
  try {
    makeDirectoryLikeParent(dir);
    return dir;
  } catch (error) {
    ctx.logger.warn(
      'Backup',
      `Cannot create log directory ${dir}: ${errorMessage(error)}; no per-run log file`,
    );
    return null;
  }
}

export interface StartedRun {
  backupId: string;
  startedAt: Date;
  logPath: string | null;
}

/**
 * Inserts the `running` row before the script starts. Without a database the ID is
 * still allocated (the script gets BACKUP_ID either way) and the log file still written.
 */
export function recordStart(
  journal: Journal,
  plan: RunPlan,
  startedAt: Date,
  logDir: string | null,
  ctx: CommandContext,
): StartedRun {
  const run = {
    job: plan.job,
    type: plan.type,
    isTest: plan.isTest === true,
    startedAt: startedAt.toISOString(),
    script: plan.script,
    host: ctx.hostname,
    pid: ctx.pid,
    logPathTemplate: logDir ? join(logDir, '{id}.log') : null,
  };
  try {
    return { ...journal.runs.insert(run, startedAt), startedAt };
  } catch (error) {
    ctx.logger.error(
      'Store',
      `Could not record the start of the run in ${ctx.config.dbPath}: ${errorMessage(error)}; this run will not be recorded`,
    );
    return { ...NO_JOURNAL.runs.insert(run, startedAt), startedAt };
  }
}

/** Writes the run's result and its audit row (runbook §9.4) in one transaction. */
export function recordFinish(journal: Journal, result: RunResult, ctx: CommandContext): void {
  try {
    journal.transaction(() => {
      journal.runs.finish(result);
      recordAudit(journal.audit, ctx, {
        operation: 'run',
        backupId: result.backupId,
        status: result.status,
        details: {
          type: result.type,
          script: result.script,
          exitCode: result.exitCode,
          signal: result.signal,
          durationMs: result.durationMs,
          error: result.errorMessage,
        },
      });
    });
  } catch (error) {
    ctx.logger.error(
      'Store',
      `Could not record the outcome of ${result.backupId} (${result.status}: ${result.errorMessage ?? 'ok'}): ${errorMessage(error)}`,
    );
  }
}
