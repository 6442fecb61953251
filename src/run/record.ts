import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CommandContext } from '../context.js';
import { errorMessage } from '../shared/errors.js';
import { recordAudit } from '../store/audit.js';
import { backupIdFor, type RunOutcome, type RunRow } from '../store/rows.js';
import type { Store } from '../store/store.js';
import { isProcessAlive } from './lock-file.js';

/**
 * Opens the database for a command, or returns null and says exactly why:
 * an unwritable or corrupt database must never stop a backup.
 */
export function openStoreOrWarn(ctx: CommandContext): Store | null {
  try {
    return ctx.openStore();
  } catch (error) {
    ctx.logger.error(
      'Store',
      `Cannot open database ${ctx.config.dbPath}: ${errorMessage(error)}; this run will not be recorded`,
    );
    return null;
  }
}

/** Marks rows left `running` by a wrapper on this host that has died; returns them so they can be alerted. */
export function reapAbandoned(store: Store, ctx: CommandContext): RunRow[] {
  try {
    return store.markAbandoned(
      (row) =>
        row.host === ctx.hostname && row.pid !== null && row.pid !== ctx.pid && !isProcessAlive(row.pid),
      ctx.now().toISOString(),
    );
  } catch (error) {
    ctx.logger.warn('Store', `Could not check for abandoned runs: ${errorMessage(error)}`);
    return [];
  }
}

/** Where per-run log files go: `runs/` beside the database. Null (and a warning) when it cannot be made. */
export function runLogDir(ctx: CommandContext): string | null {
  const dir = join(dirname(ctx.config.dbPath), 'runs');
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return dir;
  } catch (error) {
    ctx.logger.warn(
      'Backup',
      `Cannot create log directory ${dir}: ${errorMessage(error)}; no per-run log file`,
    );
    return null;
  }
}

export interface StartedRecord {
  backupId: string;
  logPath: string | null;
  /** false when the database could not take the row. */
  recorded: boolean;
}

/**
 * Inserts the `running` row before the script starts. Without a database the
 * ID is still allocated (the script gets BACKUP_ID either way) and the log file still written.
 */
export function startRecord(
  store: Store | null,
  ctx: CommandContext,
  run: { type: string; script: string },
  startedAt: Date,
  logDir: string | null,
): StartedRecord {
  if (store) {
    try {
      const { backupId, logPath } = store.insertRun(
        {
          type: run.type,
          startedAt: startedAt.toISOString(),
          script: run.script,
          host: ctx.hostname,
          pid: ctx.pid,
          logPathTemplate: logDir ? join(logDir, '{id}.log') : null,
        },
        startedAt,
      );
      return { backupId, logPath, recorded: true };
    } catch (error) {
      ctx.logger.error(
        'Store',
        `Could not record the start of the run in ${ctx.config.dbPath}: ${errorMessage(error)}; this run will not be recorded`,
      );
    }
  }
  const backupId = backupIdFor(startedAt, run.type, 1);
  return { backupId, logPath: logDir ? join(logDir, `${backupId}.log`) : null, recorded: false };
}

/**
 * Writes the outcome and its audit row (runbook §9.4) in one transaction; a
 * failure to do so is said on stderr and changes nothing else.
 */
export function finishRecord(
  store: Store | null,
  ctx: CommandContext,
  backupId: string,
  outcome: RunOutcome,
  audit: { type: string; script: string },
): void {
  if (!store) return;
  try {
    store.db.transaction(() => {
      store.finishRun(backupId, outcome);
      recordAudit(store, ctx, {
        operation: 'run',
        backupId,
        status: outcome.status,
        details: {
          type: audit.type,
          script: audit.script,
          exitCode: outcome.exitCode,
          signal: outcome.signal,
          durationMs: outcome.durationMs,
          error: outcome.errorMessage,
        },
      });
    })();
  } catch (error) {
    ctx.logger.error(
      'Store',
      `Could not record the outcome of ${backupId} (${outcome.status}: ${outcome.errorMessage ?? 'ok'}): ${errorMessage(error)}`,
    );
  }
}
