import { randomBytes } from 'node:crypto';
import { closeSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { errorCode } from '../shared/errors.js';

/** What a lock file says about its holder. */
export interface LockHolder {
  pid: number;
  host: string;
  backupId: string | null;
  startedAt: string;
  script: string;
  /** The script's process group once it runs: it can outlive a wrapper killed with SIGKILL. */
  pgid: number | null;
}

/** Writes a whole file's content (a seam for tests of a full disk). */
export type WriteContent = (fd: number, text: string) => void;

const writeAll: WriteContent = (fd, text) => {
  const bytes = Buffer.from(text, 'utf8');
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
};

// Used by the lock and the runner alike; they live with the runner (run depends on runner).
export { isGroupAlive, isProcessAlive } from '../runner/process-alive.js';

/**
 * Publishes `holder` at `path` only once its content is complete: written to a temporary
 * file, then hard-linked into place (fails with EEXIST when the lock is taken, like
 * O_EXCL) or renamed over it (`replace`). A full disk fails the write before anything is
 * visible: no empty lock file can be left for the next run to trip over.
 */
export function publishHolder(
  path: string,
  holder: LockHolder,
  how: 'create' | 'replace',
  write: WriteContent = writeAll,
): void {
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    try {
      write(fd, JSON.stringify(holder));
    } finally {
      closeSync(fd);
    }
    if (how === 'create') linkSync(temporary, path);
    else renameSync(temporary, path);
  } finally {
    try {
      unlinkSync(temporary);
    } catch {
      // Renamed into place, or never created.
    }
  }
}

/** The holder a lock file names; `gone` when there is no file, `unreadable` when it is empty or garbled. */
export function readHolder(path: string): LockHolder | 'gone' | 'unreadable' {
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
      pgid: typeof parsed.pgid === 'number' ? parsed.pgid : null,
    };
  } catch {
    return 'unreadable';
  }
}

/** Same holder: same process, same start (a PID alone may have been reused). */
export function sameHolder(a: LockHolder, b: LockHolder): boolean {
  return a.pid === b.pid && a.startedAt === b.startedAt;
}
