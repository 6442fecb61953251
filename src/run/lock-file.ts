import { createHash } from 'node:crypto';
import { closeSync, openSync, realpathSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { errorCode } from '../shared/errors.js';
import { makeDirectoryLikeParent } from '../shared/owner.js';
import {
  isGroupAlive,
  isProcessAlive,
  type LockHolder,
  publishHolder,
  readHolder,
  sameHolder,
  type WriteContent,
} from './lock-holder.js';

export { isProcessAlive, type LockHolder } from './lock-holder.js';

export type LockAttempt =
  | {
      acquired: true;
      lock: HeldLock;
      /** The dead holder whose lock was taken over, or `unreadable` for an empty/garbled file. */
      reclaimed?: LockHolder | 'unreadable';
    }
  /** `orphan`: the holder's wrapper is dead but the script's process group it started still runs. */
  | { acquired: false; holder: LockHolder; orphan: boolean };

export interface HeldLock {
  path: string;
  /** Records the backup ID once it is allocated, for the message a second run prints. */
  setBackupId(backupId: string): void;
  /** Records the script's process group once it is spawned: it may outlive us (SIGKILL). */
  setScriptGroup(pgid: number): void;
  release(): void;
}

/** How a lock's holder is judged; real processes by default, replaced in tests. */
export interface LockProbes {
  isAlive?: (pid: number) => boolean;
  isGroupAlive?: (pgid: number) => boolean;
  write?: WriteContent;
}

/** One lock file per script (by real path), so two scripts may run at once but one script only once. */
export function lockPathFor(lockDir: string, script: string): string {
  let real = script;
  try {
    real = realpathSync(script);
  } catch {
    // A missing script still gets a stable lock name; the run will fail as not found.
  }
  return join(lockDir, `${createHash('sha256').update(real).digest('hex').slice(0, 16)}.lock`);
}

/**
 * One lock file per job (DESIGN.md "Jobs"): two jobs run side by side, one job never twice.
 * A job name is a slug, so it is safe as a file name as it is.
 */
export function jobLockPath(lockDir: string, job: string): string {
  return join(lockDir, `job-${job}.lock`);
}

/**
 * Takes the lock: its content is complete before the file appears (see publishHolder), so
 * an empty or garbled lock file is never a live holder's; it is reclaimed at once. A lock
 * whose holder is dead (same host, PID gone) is reclaimed too, unless the script's process
 * group it recorded is still running: that orphan is still doing the backup.
 */
export function acquireLock(
  lockDir: string,
  holder: Omit<LockHolder, 'backupId' | 'pgid'>,
  probes: LockProbes = {},
  /** The lock file; default: the script's (lockPathFor). `run` locks per job (jobLockPath). */
  lockPath?: string,
): LockAttempt {
  const isAlive = probes.isAlive ?? isProcessAlive;
  const groupAlive = probes.isGroupAlive ?? isGroupAlive;
  makeDirectoryLikeParent(lockDir);
  const path = lockPath ?? lockPathFor(lockDir, holder.script);
  let reclaimed: LockHolder | 'unreadable' | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const content: LockHolder = { ...holder, backupId: null, pgid: null };
    try {
      publishHolder(path, content, 'create', probes.write);
      return {
        acquired: true,
        lock: heldLock(path, content, probes.write),
        ...(reclaimed ? { reclaimed } : {}),
      };
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw error;
    }
    const existing = readHolder(path);
    if (existing === 'gone') continue;
    if (existing !== 'unreadable') {
      if (existing.host !== holder.host || isAlive(existing.pid)) {
        return { acquired: false, holder: existing, orphan: false };
      }
      if (existing.pgid !== null && groupAlive(existing.pgid)) {
        return { acquired: false, holder: existing, orphan: true };
      }
    }
    reclaimed = existing;
    removeIfUnchanged(path, existing);
  }
  throw new Error(`could not take lock ${path}: it keeps changing`);
}

/**
 * Two runs may both find the same dead holder. Deleting under a small mutex,
 * and only if the file still names that holder, stops the slower one from
 * deleting the lock the faster one has just taken.
 */
function removeIfUnchanged(path: string, seen: LockHolder | 'unreadable'): void {
  const mutex = `${path}.reclaim`;
  let fd: number;
  try {
    fd = openSync(mutex, 'wx', 0o600);
  } catch (error) {
    if (errorCode(error) !== 'EEXIST') throw error;
    // Someone else is reclaiming; a mutex left by a crash mid-reclaim is cleared after 10 s.
    if (Date.now() - safeMtime(mutex) > 10_000) unlinkQuietly(mutex);
    return;
  }
  try {
    const current = readHolder(path);
    const same =
      current === 'unreadable' || seen === 'unreadable'
        ? current === seen
        : typeof current === 'object' && sameHolder(current, seen);
    if (same) unlinkQuietly(path);
  } finally {
    closeSync(fd);
    unlinkQuietly(mutex);
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
  }
}

function heldLock(path: string, content: LockHolder, write: WriteContent | undefined): HeldLock {
  // Replaced whole (rename), never rewritten in place: a reader sees the old or the new content.
  const update = (patch: Partial<LockHolder>) => {
    const current = readHolder(path);
    // A reclaimer judged us dead and took the lock: its file is not ours to overwrite.
    if (typeof current !== 'object' || !sameHolder(current, content)) return;
    Object.assign(content, patch);
    publishHolder(path, content, 'replace', write);
  };
  return {
    path,
    setBackupId: (backupId) => update({ backupId }),
    setScriptGroup: (pgid) => update({ pgid }),
    release() {
      // Only remove it if it is still ours: a reclaimer may have replaced it.
      const current = readHolder(path);
      if (typeof current === 'object' && sameHolder(current, content)) {
        try {
          unlinkSync(path);
        } catch {
          // Already gone.
        }
      }
    },
  };
}

function safeMtime(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}
