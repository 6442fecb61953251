import { dirname, join } from 'node:path';
import type { CommandContext } from '../context.js';
import { formatDuration } from '../shared/duration.js';
import { errorMessage } from '../shared/errors.js';
import { ExitCode } from '../shared/exit-codes.js';
import type { RunResult } from '../shared/run-result.js';
import { acquireLock, jobLockPath, type LockHolder } from './lock-file.js';
import type { RunPlan } from './plan.js';
import type { StartedRun } from './record.js';

/** The lock step: held (possibly a no-op), or busy with who holds it. */
export type LockStep =
  | {
      busy: false;
      setBackupId(backupId: string): void;
      setScriptGroup(pgid: number): void;
      release(): void;
    }
  | { busy: true; holder: LockHolder; orphan: boolean };

const UNLOCKED: LockStep = {
  busy: false,
  setBackupId: () => {},
  setScriptGroup: () => {},
  release: () => {},
};

/**
 * One run of a job at a time (locks live beside the database). With --no-lock,
 * or when the lock cannot be taken at all, the backup still runs, unlocked, and says so.
 */
export function takeLock(plan: RunPlan, startedAt: Date, ctx: CommandContext): LockStep {
  if (!plan.lock) return UNLOCKED;
  const lockDir = join(dirname(ctx.config.dbPath), 'locks');
  try {
    const attempt = acquireLock(
      lockDir,
      { pid: ctx.pid, host: ctx.hostname, startedAt: startedAt.toISOString(), script: plan.script },
      {},
      jobLockPath(lockDir, plan.job),
    );
    if (!attempt.acquired) return { busy: true, holder: attempt.holder, orphan: attempt.orphan };
    if (attempt.reclaimed === 'unreadable') {
      ctx.logger.warn('Backup', 'Reclaimed an empty or unreadable lock file (no holder can be named)');
    } else if (attempt.reclaimed) {
      ctx.logger.warn(
        'Backup',
        `Reclaimed a stale lock left by PID ${attempt.reclaimed.pid} (backup ID ${attempt.reclaimed.backupId ?? 'unknown'})`,
      );
    }
    const { lock } = attempt;
    // Noting who holds the lock is a courtesy to the next run's message: a full disk must not stop the backup.
    const note = (what: string, write: () => void) => {
      try {
        write();
      } catch (error) {
        ctx.logger.warn('Backup', `Could not record the ${what} in ${lock.path}: ${errorMessage(error)}`);
      }
    };
    return {
      busy: false,
      setBackupId: (id) => note('backup ID', () => lock.setBackupId(id)),
      setScriptGroup: (pgid) => note("script's process group", () => lock.setScriptGroup(pgid)),
      release: () => lock.release(),
    };
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
  lock: Extract<LockStep, { busy: true }>,
  finishedAt: Date,
  host: string,
): RunResult {
  const { holder } = lock;
  const since = Date.parse(holder.startedAt);
  const heldFor = Number.isNaN(since)
    ? 'an unknown time'
    : formatDuration(started.startedAt.getTime() - since);
  return {
    backupId: started.backupId,
    job: plan.job,
    type: plan.type,
    ...(plan.isTest ? { isTest: true } : {}),
    host,
    script: plan.script,
    logPath: null,
    status: 'failure',
    startedAt: started.startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: 0,
    exitCode: ExitCode.lockBusy,
    signal: null,
    errorMessage: lock.orphan
      ? // The wrapper was killed (SIGKILL, OOM) but the script it started runs on: a second
        // copy beside it could corrupt the backup. Say which processes to look at.
        `Another run of ${whose(plan)} is still in progress: its wrapper (PID ${holder.pid}) is gone ` +
        `but the script's process group ${holder.pgid} is still running ` +
        `(backup ID ${holder.backupId ?? 'unknown'}, for ${heldFor}); wait for it or stop it with kill -TERM -${holder.pgid}`
      : `Another run of ${whose(plan)} is still in progress ` +
        `(PID ${holder.pid}, backup ID ${holder.backupId ?? 'unknown'}, held for ${heldFor})`,
    outputTail: '',
    artifactPath: null,
    artifactBytes: null,
  };
}

/** The script, and the job when it is not just the type (job = type says nothing new). */
function whose(plan: RunPlan): string {
  return plan.job === plan.type ? plan.script : `job ${plan.job} (${plan.script})`;
}
