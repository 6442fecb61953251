import type { CommandContext } from '../context.js';
import { formatDuration, parseDuration } from '../shared/duration.js';
import { errorMessage, UsageError } from '../shared/errors.js';
import { ExitCode } from '../shared/exit-codes.js';
import { formatLocalTime } from '../shared/local-time.js';
import { checkInteger, ID_BOUNDS } from '../shared/numbers.js';
import { isBackupType, isJobName } from '../shared/run-result.js';
import { table } from '../shared/table.js';
import { recordAudit } from '../store/audit.js';
import type { SilenceRow } from '../store/routing-rows.js';
import type { Store } from '../store/store.js';

/**
 * `backup-alert silence add|list|remove`: hold a type's alerts during planned maintenance
 * without editing the settings. Runs are still recorded and the held alerts counted; the
 * first alert after the silence says how many. A silence ends by itself at its end time.
 */

/** A longer "silence" is a configuration change (BACKUP_ALERT_TYPES), not maintenance. */
export const MAX_SILENCE_MS = 30 * 86_400_000;
const MAX_REASON = 500;

export interface SilenceAddOptions {
  /** A type: every job of that type. */
  type?: string;
  /** One job (issue 21); its type is read from its runs. */
  job?: string;
  for: string;
  reason: string;
}

function openStore(ctx: CommandContext): Store {
  try {
    return ctx.openStore();
  } catch (error) {
    throw new UsageError(`cannot open database ${ctx.config.dbPath}: ${errorMessage(error)}`, {
      cause: error,
    });
  }
}

export async function silenceAddCommand(options: SilenceAddOptions, ctx: CommandContext): Promise<number> {
  if (options.job === undefined && options.type === undefined)
    throw new UsageError('say what to silence: --job NAME (one job) or --type TYPE (every job of that type)');
  if (options.job !== undefined && !isJobName(options.job))
    throw new UsageError(`invalid --job "${options.job}": not a job name (a-z, 0-9, ".", "_", "-")`);
  if (options.type !== undefined && !isBackupType(options.type)) {
    throw new UsageError(`invalid --type "${options.type}": use one of daily, weekly, monthly, manual`);
  }
  const forMs = parseDuration(options.for);
  if (forMs === undefined || forMs <= 0) {
    throw new UsageError(`invalid --for "${options.for}": use a duration like 2h, 90m or 1d (more than 0)`);
  }
  if (forMs > MAX_SILENCE_MS) {
    throw new UsageError(
      `invalid --for "${options.for}": at most ${formatDuration(MAX_SILENCE_MS)}; to stop a type alerting for good, leave it out of BACKUP_ALERT_TYPES`,
    );
  }
  // One line in logs and tables: control characters (a newline) become spaces. Our secrets
  // are masked as everywhere else: the reason is stored, audited, shipped and printed.
  const reason = ctx.redactor.maskSecrets(options.reason.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim());
  if (!reason) throw new UsageError('--reason must say why (it is shown with every held alert)');
  if (reason.length > MAX_REASON) throw new UsageError(`--reason is longer than ${MAX_REASON} characters`);

  const store = openStore(ctx);
  try {
    // A silence for a type that never runs here is almost always a typo for another type:
    // refused, so the type that does run is not left alerting during the maintenance.
    const what = options.job ?? options.type ?? '';
    const expected = ctx.config.expect[what] !== undefined;
    const known = options.job !== undefined ? store.runs.jobs() : store.runs.types();
    if (!expected && !known.includes(what)) {
      throw new UsageError(
        `no ${what} backup has ever run here and BACKUP_ALERT_EXPECT does not expect one: nothing to silence (check ${options.job !== undefined ? '--job' : '--type'})`,
      );
    }
    const type = options.type ?? store.runs.typeOfJob(what) ?? what;
    const now = ctx.now();
    const endsAt = new Date(now.getTime() + forMs).toISOString();
    const id = store.silences.add({
      type,
      job: options.job ?? null,
      reason,
      createdBy: ctx.username,
      createdAt: now.toISOString(),
      endsAt,
    });
    recordAudit(store.audit, ctx, {
      operation: 'silence_add',
      status: 'success',
      details: {
        id,
        type,
        ...(options.job ? { job: options.job } : {}),
        for: formatDuration(forMs),
        endsAt,
        reason,
      },
    });
    ctx.io.stdout(
      `Silence #${id}: ${what} alerts held until ${when(endsAt, ctx)} (${formatDuration(forMs)}): ${reason}\n`,
    );
    return ExitCode.ok;
  } finally {
    store.close();
  }
}

export async function silenceRemoveCommand(idText: string, ctx: CommandContext): Promise<number> {
  const checked = checkInteger(idText, ID_BOUNDS);
  if (!checked.ok)
    throw new UsageError(`invalid silence ID ${checked.problem}: use the number silence list shows`);
  const id = checked.value;
  const store = openStore(ctx);
  try {
    const now = ctx.now().toISOString();
    const silence = store.silences.get(id);
    if (!silence || !store.silences.remove(id, ctx.username, now)) {
      throw new UsageError(`no silence #${id} in force (see: backup-alert silence list)`);
    }
    recordAudit(store.audit, ctx, {
      operation: 'silence_remove',
      status: 'success',
      details: { id, type: silence.type, heldCount: silence.held_count },
    });
    ctx.io.stdout(
      `Silence #${id} (${silence.type}) ended; ${silence.held_count} alert(s) were held (the next ${silence.type} alert says so)\n`,
    );
    return ExitCode.ok;
  } finally {
    store.close();
  }
}

export async function silenceListCommand(
  options: { all?: boolean; json?: boolean },
  ctx: CommandContext,
): Promise<number> {
  const store = openStore(ctx);
  try {
    const now = ctx.now();
    const rows = options.all ? store.silences.all(100) : store.silences.active(now.toISOString());
    if (options.json) {
      ctx.io.stdout(
        `${JSON.stringify(
          rows.map((row) => silenceJson(row, now)),
          null,
          2,
        )}\n`,
      );
      return ExitCode.ok;
    }
    if (rows.length === 0) {
      ctx.io.stdout(options.all ? 'No silence was ever set.\n' : 'No silence in force.\n');
      return ExitCode.ok;
    }
    const lines = [['ID', 'TYPE', 'STATE', 'UNTIL (UTC)', 'LEFT', 'HELD', 'BY', 'REASON']];
    for (const row of rows) {
      const json = silenceJson(row, now);
      lines.push([
        String(row.id),
        // A job's silence names the job; a type's holds every job of it.
        row.job ? `job ${row.job}` : row.type,
        json.state,
        row.ends_at.replace('T', ' ').slice(0, 19),
        json.state === 'active' ? formatDuration(Date.parse(row.ends_at) - now.getTime()) : '-',
        String(row.held_count),
        row.created_by,
        row.reason,
      ]);
    }
    ctx.io.stdout(`${await table(lines)}\n`);
    return ExitCode.ok;
  } finally {
    store.close();
  }
}

function silenceJson(row: SilenceRow, now: Date) {
  const state = row.removed_at ? 'removed' : Date.parse(row.ends_at) <= now.getTime() ? 'ended' : 'active';
  return {
    id: row.id,
    job: row.job ?? null,
    type: row.type,
    state,
    reason: row.reason,
    createdBy: row.created_by,
    createdAt: row.created_at,
    endsAt: row.ends_at,
    removedAt: row.removed_at,
    removedBy: row.removed_by,
    heldCount: row.held_count,
    reportedAt: row.reported_at,
  };
}

/** UTC as stored, with the local time beside it when BACKUP_ALERT_TIMEZONE is set. */
function when(iso: string, ctx: CommandContext): string {
  const zone = ctx.config.routing.timeZone;
  const local = zone ? formatLocalTime(iso, zone) : undefined;
  return local ? `${iso} (${local})` : iso;
}
