import { existsSync } from 'node:fs';
import kleur from 'kleur';
import type { CommandContext } from '../context.js';
import { alertAbandoned } from '../run/alerts.js';
import { reapAbandoned } from '../run/record.js';
import { errorMessage } from '../shared/errors.js';
import type { RunRow } from '../store/rows.js';
import { Store } from '../store/store.js';

/** A run as history/status print it in JSON: camelCase, no internal columns. */
export interface RunJson {
  backupId: string;
  type: string;
  status: string;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  exitCode: number | null;
  signal: string | null;
  errorMessage: string | null;
  host: string | null;
  script: string | null;
  logPath: string | null;
}

export function runJson(row: RunRow): RunJson {
  return {
    backupId: row.backup_id,
    type: row.type,
    status: row.status,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    durationMs: row.duration_ms,
    exitCode: row.exit_code,
    signal: row.signal,
    errorMessage: row.error_message,
    host: row.host,
    script: row.script,
    logPath: row.log_path,
  };
}

/**
 * Opens the database for reading commands. Rows a dead wrapper left `running`
 * are marked and alerted here too. Falls back to read-only (an operator
 * reading root's database); returns null when there is no database yet.
 */
export async function openForReading(ctx: CommandContext): Promise<Store | null> {
  if (!existsSync(ctx.config.dbPath)) return null;
  let store: Store;
  try {
    store = ctx.openStore();
  } catch (error) {
    try {
      return Store.open(ctx.config.dbPath, { readonly: true });
    } catch {
      throw new Error(`cannot open database ${ctx.config.dbPath}: ${errorMessage(error)}`, { cause: error });
    }
  }
  const abandoned = reapAbandoned(store, ctx);
  if (abandoned.length > 0) await alertAbandoned(abandoned, store, ctx);
  return store;
}

export function colourStatus(status: string, color: boolean): string {
  if (!color) return status;
  if (status === 'success' || status === 'OK') return kleur.green(status);
  if (status === 'running') return kleur.cyan(status);
  return kleur.red(status);
}

/** Left-aligned columns; colour codes do not count towards width. */
export function table(rows: string[][]): string {
  const visible = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, '').length;
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, index) => {
      widths[index] = Math.max(widths[index] ?? 0, visible(cell));
    });
  }
  return rows
    .map((row) =>
      row
        .map((cell, index) =>
          index === row.length - 1 ? cell : cell + ' '.repeat((widths[index] ?? 0) - visible(cell)),
        )
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
