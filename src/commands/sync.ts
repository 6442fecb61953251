import type { FleetConfig } from '../config/fleet.js';
import type { CommandContext } from '../context.js';
import { logSyncResult, syncOnce } from '../fleet/sync.js';
import { parseDuration } from '../shared/duration.js';
import { errorMessage, UsageError } from '../shared/errors.js';
import { ExitCode } from '../shared/exit-codes.js';
import { VERSION } from '../shared/version.js';
import type { Store } from '../store/store.js';

export interface SyncCommandOptions {
  /** Random delay before connecting, up to this (default BACKUP_ALERT_SYNC_JITTER). */
  jitter?: string;
  /** Bound of this sync (default BACKUP_ALERT_SYNC_TIMEOUT). */
  timeout?: string;
  /** This installation replaces the one that shipped under this host name before. */
  takeOver?: boolean;
}

export function requireFleet(fleet: FleetConfig | undefined): FleetConfig {
  if (fleet) return fleet;
  throw new UsageError(
    'no centre configured: set BACKUP_ALERT_DATABASE_URL (or BACKUP_ALERT_DATABASE_URL_FILE) to a valid postgres:// URL',
  );
}

function duration(flag: string, value: string | undefined, allowZero: boolean): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDuration(value);
  if (ms === undefined || ms < 0 || (!allowZero && ms === 0)) {
    throw new UsageError(`invalid ${flag} "${value}": use a duration like 30s, 5m`);
  }
  return ms;
}

/**
 * `backup-alert sync`: ships what the centre has not acknowledged. Exit 0 when nothing is
 * left to ship, 1 otherwise. Quiet when all went well (it runs from cron and timers); the
 * summary is printed on a terminal, and one line on stderr when something is left.
 */
export async function syncCommand(
  options: SyncCommandOptions,
  ctx: CommandContext,
  fleetConfig: FleetConfig | undefined,
): Promise<number> {
  const fleet = requireFleet(fleetConfig);
  const jitterMs = duration('--jitter', options.jitter, true) ?? fleet.syncJitterMs;
  const timeoutMs = duration('--timeout', options.timeout, false) ?? fleet.syncTimeoutMs;
  let store: Store;
  try {
    store = ctx.openStore();
  } catch (error) {
    ctx.io.stderr(`backup-alert: cannot open database ${ctx.config.dbPath}: ${errorMessage(error)}\n`);
    return ExitCode.failed;
  }
  try {
    const result = await syncOnce({
      db: store.db,
      fleet,
      version: VERSION,
      now: ctx.now,
      timeoutMs,
      jitterMs,
      takeOver: options.takeOver ?? false,
    });
    logSyncResult(result, ctx.logger);
    if (ctx.io.stdoutIsTTY) {
      ctx.io.stdout(
        `Shipped ${result.shipped} rows to the centre as ${fleet.host}; ${result.remaining} left.\n`,
      );
    }
    return !result.error && result.remaining === 0 ? ExitCode.ok : ExitCode.failed;
  } finally {
    store.close();
  }
}
