import { dirname, join } from 'node:path';
import type { CommandContext } from '../context.js';
import { formatDuration } from '../shared/duration.js';
import { errorMessage } from '../shared/errors.js';
import { ExitCode } from '../shared/exit-codes.js';
import type { RunResult } from '../shared/run-result.js';
import { acquireLock, type LockHolder } from './lock-file.js';
import type { RunPlan } from './plan.js';
import type { StartedRun } from './record.js';

/** The lock step: held (possibly a no-op), or busy with who holds it. */
export type LockStep =
  | { busy: false; setBackupId(backupId: string): void; release(): void }
  | { busy: true; holder: LockHolder };

const UNLOCKED: LockStep = { busy: false, setBackupId: () => {}, release: () => {} };

/**
 * One run of a script at a time (locks live beside the database). With --no-lock,
 * or when the lock cannot be taken at all, the backup still runs, unlocked, and says so.
 */
export function takeLock(plan: RunPlan, startedAt: Date, ctx: CommandContext): LockStep {
  if (!plan.lock) return UNLOCKED;
  const lockDir = join(dirname(ctx.config.dbPath), 'locks');
  try {
    const attempt = acquireLock(lockDir, {
      pid: ctx.pid,
      host: ctx.hostname,
      startedAt: startedAt.toISOString(),
      script: plan.script,
    });
    if (!attempt.acquired) return { busy: true, holder: attempt.holder };
    if (attempt.reclaimed) {
      ctx.logger.warn(
        'Backup',
        `Reclaimed a stale lock left by PID ${attempt.reclaimed.pid} (backup ID ${attempt.reclaimed.backupId ?? 'unknown'})`,
      );
    }
    const { lock } = attempt;
    return { busy: false, setBackupId: (id) => lock.setBackupId(id), release: () => lock.release() };
  } catch (error) {
    ctx.logger.error(
      'Backup',
      `Cannot take the lock in ${lockDir}: ${errorMessage(error)}; running without a lock`,
    );
    return UNLOCKED;
  }
}

/** A hung previous run means no backup is happening: a failure like any other, exit 75. */
export function lockBusyResult(
  plan: RunPlan,
  started: StartedRun,
  holder: LockHolder,
  finishedAt: Date,
  host: string,
): RunResult {
  const since = Date.parse(holder.startedAt);
  const heldFor = Number.isNaN(since)
    ? 'an unknown time'
    : formatDuration(started.startedAt.getTime() - since);
  return {
    backupId: started.backupId,
    type: plan.type,
    host,
    script: plan.script,
    logPath: null,
    status: 'failure',
    startedAt: started.startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: 0,
    exitCode: ExitCode.lockBusy,
    signal: null,
    errorMessage:
      `Another run of ${plan.script} is still in progress ` +
      `(PID ${holder.pid}, backup ID ${holder.backupId ?? 'unknown'}, held for ${heldFor})`,
    outputTail: '',
    artifactPath: null,
    artifactBytes: null,
  };
}
