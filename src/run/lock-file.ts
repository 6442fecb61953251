import { createHash } from 'node:crypto';
import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { errorCode } from '../shared/errors.js';

/** What a lock file says about its holder. */
export interface LockHolder {
  pid: number;
  host: string;
  backupId: string | null;
  startedAt: string;
  script: string;
}

export type LockAttempt =
  | { acquired: true; lock: HeldLock; reclaimed?: LockHolder }
  | { acquired: false; holder: LockHolder };

export interface HeldLock {
  path: string;
  /** Records the backup ID once it is allocated, for the message a second run prints. */
  setBackupId(backupId: string): void;
  release(): void;
}

/** Signal 0 probes a PID without touching it; EPERM means it exists but is not ours. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === 'EPERM';
  }
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
 * Takes the lock with O_EXCL. A lock whose holder is dead (same host, PID gone)
 * is reclaimed; an unreadable one older than a minute too (a crash mid-write).
 */
export function acquireLock(
  lockDir: string,
  holder: Omit<LockHolder, 'backupId'>,
  isAlive: (pid: number) => boolean = isProcessAlive,
): LockAttempt {
  mkdirSync(lockDir, { recursive: true, mode: 0o700 });
  const path = lockPathFor(lockDir, holder.script);
  let reclaimed: LockHolder | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const content: LockHolder = { ...holder, backupId: null };
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeFileSync(fd, JSON.stringify(content));
      closeSync(fd);
      return { acquired: true, lock: heldLock(path, content), ...(reclaimed ? { reclaimed } : {}) };
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw error;
    }
    const existing = readHolder(path);
    if (existing === 'gone') continue;
    const stale =
      existing === 'unreadable'
        ? Date.now() - safeMtime(path) > 60_000
        : existing.host === holder.host && !isAlive(existing.pid);
    if (!stale) {
      if (existing === 'unreadable') {
        return {
          acquired: false,
          holder: { pid: 0, host: '?', backupId: null, startedAt: '?', script: holder.script },
        };
      }
      return { acquired: false, holder: existing };
    }
    if (existing !== 'unreadable') reclaimed = existing;
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
        : typeof current === 'object' && current.pid === seen.pid && current.startedAt === seen.startedAt;
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

function heldLock(path: string, content: LockHolder): HeldLock {
  return {
    path,
    setBackupId(backupId) {
      content.backupId = backupId;
      writeFileSync(path, JSON.stringify(content), { mode: 0o600 });
    },
    release() {
      // Only remove it if it is still ours: a reclaimer may have replaced it.
      const current = readHolder(path);
      if (
        typeof current === 'object' &&
        current.pid === content.pid &&
        current.startedAt === content.startedAt
      ) {
        try {
          unlinkSync(path);
        } catch {
          // Already gone.
        }
      }
    },
  };
}

function readHolder(path: string): LockHolder | 'gone' | 'unreadable' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return errorCode(error) === 'ENOENT' ? 'gone' : 'unreadable';
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockHolder>;
    if (typeof parsed.pid !== 'number') return 'unreadable';
    return {
      pid: parsed.pid,
      host: String(parsed.host ?? ''),
      backupId: parsed.backupId ?? null,
      startedAt: String(parsed.startedAt ?? ''),
      script: String(parsed.script ?? ''),
    };
  } catch {
    return 'unreadable';
  }
}

function safeMtime(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}
