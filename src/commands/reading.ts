import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import { alertAbout } from '../alert/alert-run.js';
import type { CommandContext } from '../context.js';
import { reapAbandoned } from '../run/record.js';
import { ExitError, errorCode, errorMessage } from '../shared/errors.js';
import { ExitCode } from '../shared/exit-codes.js';
import type { RunView } from '../shared/run-result.js';
import { fileSystemCause, hasPendingLog } from '../store/disk-cause.js';
import { Store } from '../store/store.js';

/** A run as history/status print it in JSON (the one run view, see store/rows.ts runViewOf). */
export type RunJson = RunView;

/** An error SQLite raised (a corrupt file, a table it cannot read), as opposed to a bug of ours. */
export function isStoreError(error: unknown): boolean {
  return errorCode(error)?.startsWith('SQLITE_') === true;
}

/**
 * The database is there but cannot be read: a fact about this host, not a bug. Exit 1
 * (`status --nagios` turns it into UNKNOWN), with the reason and what to do.
 */
export function unreadableStore(path: string, error: unknown): ExitError {
  const code = errorCode(error);
  const access = code === 'EACCES' || code === 'EPERM' || code === 'SQLITE_CANTOPEN';
  const remedy =
    fileSystemCause(path) ??
    (code === 'ENOTDIR'
      ? `a parent of it is not a directory (${notADirectory(path)} is a file): set --db (or BACKUP_ALERT_DB) to a path under a directory`
      : access
        ? 'run this as the user that runs the backups (the state directory is 0700), or use sudo'
        : 'check the file (sqlite3 PATH "PRAGMA integrity_check"); a fresh one is created if you move it away');
  return new ExitError(
    `cannot read database ${path}: ${errorMessage(error)}; ${remedy.replace('PATH', path)}`,
    ExitCode.failed,
    { cause: error },
  );
}

/** The first part of the path that exists and is not a directory. */
function notADirectory(path: string): string {
  let current = dirname(path);
  let found = current;
  while (dirname(current) !== current) {
    try {
      if (!statSync(current).isDirectory()) found = current;
    } catch {
      // Not there (or not reachable): keep looking further up.
    }
    current = dirname(current);
  }
  return found;
}

/**
 * Opens the database for reading commands. Rows a dead wrapper left `running`
 * are marked and alerted here too. Falls back to read-only (an operator
 * reading root's database); returns null when there is no database yet. A database
 * that exists but cannot be read (no permission to enter its directory, a corrupt file)
 * throws unreadableStore: "no run recorded" would be a lie.
 */
export async function openForReading(ctx: CommandContext): Promise<Store | null> {
  const path = ctx.config.dbPath;
  try {
    statSync(path);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return null;
    throw unreadableStore(path, error);
  }
  let store: Store;
  try {
    store = ctx.openStore();
  } catch (error) {
    // On a read-only mount a read-only open cannot use the write-ahead log: it would show an
    // older database (even "no run recorded") as if it were the truth.
    if (hasPendingLog(path) && fileSystemCause(path) !== undefined) throw unreadableStore(path, error);
    try {
      store = Store.open(path, { readonly: true });
    } catch {
      throw unreadableStore(path, error);
    }
  }
  try {
    // Opening is lazy: a file that is not a database only fails at the first read.
    store.runs.probe();
  } catch (error) {
    store.close();
    throw unreadableStore(path, error);
  }
  for (const abandoned of reapAbandoned(store, ctx)) await alertAbout(abandoned, { ...ctx, journal: store });
  return store;
}
