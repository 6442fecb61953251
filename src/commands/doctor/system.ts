import { accessSync, constants, statSync } from 'node:fs';
import { RETRY_MAX_AGE_MS } from '../../alert/resend.js';
import type { Config } from '../../config/config.js';
import type { CommandContext } from '../../context.js';
import { formatDuration } from '../../shared/duration.js';
import { errorCode, errorMessage } from '../../shared/errors.js';
import { fileSystemCause } from '../../store/disk-cause.js';
import type { NotificationRow } from '../../store/rows.js';
import { bad, type Check, mode, ok, skip } from './checks.js';

// The host side of `doctor`: database, its directory, the backup script.

/** The database opens, takes a write (rolled back), and has nothing stuck undelivered. */
export function checkDatabase(ctx: CommandContext): Check[] {
  const path = ctx.config.dbPath;
  const base = { id: 'database', title: 'Database' } as const;
  let store: ReturnType<CommandContext['openStore']>;
  try {
    store = ctx.openStore();
  } catch (error) {
    return [
      {
        ...base,
        status: 'fail',
        detail: `${path}: ${errorMessage(error)}`,
        remedy:
          fileSystemCause(path) ??
          'set BACKUP_ALERT_DB (or --db) to a file in a directory this user can write',
      },
    ];
  }
  try {
    store.audit.probeWrite(ctx.now().toISOString());
    const runs = store.runs.count();
    const pending = store.notifications.pendingCount();
    const failed = store.notifications.failedSince(
      new Date(ctx.now().getTime() - RETRY_MAX_AGE_MS).toISOString(),
    );
    const checks: Check[] = [
      { ...base, status: 'ok', detail: `${path} writable (${runs} runs recorded)`, remedy: null },
      undeliveredCheck(pending, failed),
    ];
    return checks;
  } catch (error) {
    return [
      {
        ...base,
        status: 'fail',
        detail: `${path} cannot be written: ${errorMessage(error)}`,
        remedy: fileSystemCause(path) ?? `make ${path} and its directory writable by this user (chown/chmod)`,
      },
    ];
  } finally {
    store.close();
  }
}

/**
 * Alerts still waiting for `retry` (a warning: they go out once the channel works) and
 * alerts that failed for good within the retry window (a failure: nobody was told, and
 * nothing will try again until the operator says so with `retry --failed`).
 */
function undeliveredCheck(pending: number, failed: readonly NotificationRow[]): Check {
  const base = { id: 'pending', title: 'Undelivered alerts' } as const;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (failed.length > 0) {
    const latest = failed[failed.length - 1]!;
    const waiting = pending > 0 ? `; ${plural(pending, 'more')} waiting to be re-sent` : '';
    return {
      ...base,
      status: 'fail',
      detail:
        `${plural(failed.length, 'alert')} failed for good in the last ${formatDuration(RETRY_MAX_AGE_MS)} ` +
        `(latest: ${latest.backup_id ?? '-'} ${latest.channel}: ${latest.error_message ?? 'unknown error'})${waiting}`,
      remedy:
        'fix the cause (the error above: certificate, login, URL…), then re-send them: backup-alert retry --failed',
    };
  }
  if (pending > 0) {
    return {
      ...base,
      status: 'warn',
      detail: `${plural(pending, 'notification')} waiting to be re-sent`,
      remedy: 'fix the channel (see the lines above), then run: backup-alert retry',
    };
  }
  return { ...base, status: 'ok', detail: 'none', remedy: null };
}

/** The backup script exists, is a file and is executable by this user. */
export function checkScript(config: Config): Check {
  const title = 'Backup script';
  const script = config.script;
  if (!script) return skip('script', title, 'BACKUP_ALERT_SCRIPT unset: every run must pass --script');
  const remedy = 'set BACKUP_ALERT_SCRIPT to the absolute path of the backup script';
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(script);
  } catch (error) {
    const code = errorCode(error);
    return bad(
      'fail',
      'script',
      title,
      code === 'ENOENT' ? `Backup script not found: ${script}` : `${script}: ${code}`,
      remedy,
    );
  }
  if (!stat.isFile()) return bad('fail', 'script', title, `${script} is not a regular file`, remedy);
  try {
    accessSync(script, constants.X_OK);
  } catch {
    return bad('fail', 'script', title, `Backup script is not executable: ${script}`, `chmod +x ${script}`);
  }
  if (stat.mode & 0o002) {
    return bad(
      'warn',
      'script',
      title,
      `${script} is world-writable (${mode(stat.mode)})`,
      `chmod o-w ${script}`,
    );
  }
  return ok('script', title, `${script} (executable)`);
}

/** The database directory keeps others out: the database holds error text and output tails. */
export function checkStateDir(dir: string, dbPath: string): Check {
  const title = 'State directory';
  let dirMode: number;
  try {
    dirMode = statSync(dir).mode;
  } catch (error) {
    return skip('state-dir', title, `${dir}: ${errorCode(error) ?? errorMessage(error)}`);
  }
  if (dirMode & 0o002) {
    return bad('fail', 'state-dir', title, `${dir} is world-writable (${mode(dirMode)})`, `chmod 700 ${dir}`);
  }
  let fileMode = 0o600;
  try {
    fileMode = statSync(dbPath).mode;
  } catch {
    // No database file yet: the directory is what matters.
  }
  if (dirMode & 0o077 || fileMode & 0o077) {
    return bad(
      'warn',
      'state-dir',
      title,
      `${dir} is ${mode(dirMode)}, database ${mode(fileMode)}: others may read run history`,
      `chmod 700 ${dir} && chmod 600 ${dbPath}*`,
    );
  }
  return ok('state-dir', title, `${dir} (${mode(dirMode)})`);
}
