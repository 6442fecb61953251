import { dirname, join } from 'node:path';
import type { CommandContext } from '../context.js';
import { formatDuration } from '../shared/duration.js';
import { errorMessage } from '../shared/errors.js';
import { ExitCode } from '../shared/exit-codes.js';
import type { Store } from '../store/store.js';
import { alertFailure } from './alerts.js';
import { acquireLock, type LockHolder } from './lock-file.js';
import { finishRecord, startRecord } from './record.js';

type LockResult = ReturnType<typeof acquireLock>;

/** Locks live beside the database; if that is impossible the backup still runs, unlocked, and says so. */
export function takeLock(script: string, startedAt: Date, ctx: CommandContext): LockResult | undefined {
  const lockDir = join(dirname(ctx.config.dbPath), 'locks');
  try {
    const attempt = acquireLock(lockDir, {
      pid: ctx.pid,
      host: ctx.hostname,
      startedAt: startedAt.toISOString(),
      script,
    });
    if (attempt.acquired && attempt.reclaimed) {
      ctx.logger.warn(
        'Backup',
        `Reclaimed a stale lock left by PID ${attempt.reclaimed.pid} (backup ID ${attempt.reclaimed.backupId ?? 'unknown'})`,
      );
    }
    return attempt;
  } catch (error) {
    ctx.logger.error(
      'Backup',
      `Cannot take the lock in ${lockDir}: ${errorMessage(error)}; running without a lock`,
    );
    return undefined;
  }
}

/** A hung previous run means no backup is happening: record and alert it like any failure. */
export async function lockBusy(
  holder: LockHolder,
  run: { type: string; script: string },
  startedAt: Date,
  store: Store | null,
  ctx: CommandContext,
): Promise<number> {
  const since = Date.parse(holder.startedAt);
  const heldFor = Number.isNaN(since) ? 'an unknown time' : formatDuration(startedAt.getTime() - since);
  const error =
    `Another run of ${run.script} is still in progress ` +
    `(PID ${holder.pid}, backup ID ${holder.backupId ?? 'unknown'}, held for ${heldFor})`;
  const { backupId } = startRecord(store, ctx, run, startedAt, null);
  const finishedAt = ctx.now();
  finishRecord(
    store,
    ctx,
    backupId,
    {
      status: 'failure',
      finishedAt: finishedAt.toISOString(),
      durationMs: 0,
      exitCode: null,
      signal: null,
      errorMessage: error,
      outputTail: null,
    },
    run,
  );
  await alertFailure(
    {
      backupId,
      type: run.type,
      script: run.script,
      logPath: null,
      error,
      exitCode: ExitCode.lockBusy,
      signal: null,
      durationMs: 0,
      outputTail: '',
      finishedAt,
    },
    store,
    ctx,
  );
  return ExitCode.lockBusy;
}
