import type { CommandContext } from '../context.js';
import { formatBytes } from '../shared/bytes.js';
import { formatDuration } from '../shared/duration.js';
import { UsageError } from '../shared/errors.js';
import { ExitCode } from '../shared/exit-codes.js';
import { checkInteger, LIMIT_BOUNDS } from '../shared/numbers.js';
import type { RunStatus } from '../shared/run-result.js';
import { colourStatus, table } from '../shared/table.js';
import { oneLineSafe } from '../shared/terminal-text.js';
import { type RunRow, runViewOf } from '../store/rows.js';
import { isStoreError, openForReading, unreadableStore } from './reading.js';

export interface HistoryOptions {
  status?: string;
  type?: string;
  job?: string;
  limit: string;
  json?: boolean;
}

/** Recorded runs, newest first: a table for people, `--json` an array for tools. */
export async function historyCommand(options: HistoryOptions, ctx: CommandContext): Promise<number> {
  const checked = checkInteger(options.limit, LIMIT_BOUNDS);
  if (!checked.ok) throw new UsageError(`invalid --limit ${checked.problem}`);
  const limit = checked.value;
  const store = await openForReading(ctx);
  try {
    let rows: RunRow[];
    try {
      rows = store
        ? store.runs.list({
            limit,
            ...(options.status ? { status: options.status as RunStatus } : {}),
            ...(options.type ? { type: options.type } : {}),
            ...(options.job ? { job: options.job } : {}),
          })
        : [];
    } catch (error) {
      throw isStoreError(error) ? unreadableStore(ctx.config.dbPath, error) : error;
    }
    if (options.json) {
      ctx.io.stdout(`${JSON.stringify(rows.map(runViewOf), null, 2)}\n`);
      return ExitCode.ok;
    }
    if (rows.length === 0) {
      ctx.io.stdout(
        store ? 'No runs match.\n' : `No runs recorded yet (${ctx.config.dbPath} does not exist).\n`,
      );
      return ExitCode.ok;
    }
    const lines = [
      ['BACKUP ID', 'JOB', 'TYPE', 'STATUS', 'STARTED (UTC)', 'DURATION', 'SIZE', 'EXIT', 'ERROR'],
    ];
    for (const row of rows) {
      lines.push([
        row.backup_id,
        row.job || row.type,
        row.type,
        // A test run (run --test) is history, not health: shown, and marked.
        `${colourStatus(row.status, ctx.io.color)}${row.is_test ? ' (test)' : ''}`,
        row.started_at.replace('T', ' ').slice(0, 19),
        row.duration_ms === null ? '-' : formatDuration(row.duration_ms),
        row.artifact_bytes === null || row.artifact_bytes === undefined
          ? '-'
          : formatBytes(row.artifact_bytes),
        row.exit_code === null ? (row.signal ?? '-') : String(row.exit_code),
        oneLineSafe(row.error_message ?? ''),
      ]);
    }
    ctx.io.stdout(`${await table(lines)}\n`);
    return ExitCode.ok;
  } finally {
    store?.close();
  }
}
