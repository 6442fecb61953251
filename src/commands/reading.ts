import { existsSync } from 'node:fs';
import { alertAbout } from '../alert/alert-run.js';
import type { CommandContext } from '../context.js';
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
  /** What `run --artifact` checked, and its size in bytes; null without one. */
  artifactPath: string | null;
  artifactBytes: number | null;
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
    artifactPath: row.artifact_path ?? null,
    artifactBytes: row.artifact_bytes ?? null,
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
  for (const abandoned of reapAbandoned(store, ctx)) await alertAbout(abandoned, { ...ctx, journal: store });
  return store;
}
