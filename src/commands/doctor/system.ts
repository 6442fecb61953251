import { accessSync, constants, statSync } from 'node:fs';
import type { Config } from '../../config/config.js';
import type { CommandContext } from '../../context.js';
import { errorCode, errorMessage } from '../../shared/errors.js';
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
        remedy: 'set BACKUP_ALERT_DB (or --db) to a file in a directory this user can write',
      },
    ];
  }
  try {
    store.audit.probeWrite(ctx.now().toISOString());
    const runs = store.runs.count();
    const pending = store.notifications.pending().length;
    const checks: Check[] = [
      { ...base, status: 'ok', detail: `${path} writable (${runs} runs recorded)`, remedy: null },
    ];
    checks.push(
      pending > 0
        ? {
            id: 'pending',
            title: 'Undelivered alerts',
            status: 'warn',
            detail: `${pending} notification${pending === 1 ? '' : 's'} waiting to be re-sent`,
            remedy: 'fix the channel (see the lines above), then run: backup-alert retry',
          }
        : { id: 'pending', title: 'Undelivered alerts', status: 'ok', detail: 'none', remedy: null },
    );
    return checks;
  } catch (error) {
    return [
      {
        ...base,
        status: 'fail',
        detail: `${path} cannot be written: ${errorMessage(error)}`,
        remedy: `make ${path} and its directory writable by this user (chown/chmod)`,
      },
    ];
  } finally {
    store.close();
  }
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
