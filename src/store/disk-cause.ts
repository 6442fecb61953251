import { accessSync, constants, statfsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { errorCode } from '../shared/errors.js';

/**
 * Why a database cannot be written when the cause is the file system, not the file or its
 * owner: mounted read-only, or full. Said in words with the remedy, so that neither `sudo`
 * (root cannot write a read-only mount either) nor "move it away" (the file is fine) is advised.
 */
export function fileSystemCause(dbPath: string): string | undefined {
  const dir = dirname(dbPath);
  try {
    accessSync(dir, constants.W_OK);
  } catch (error) {
    if (errorCode(error) === 'EROFS')
      return `the file system holding ${dir} is mounted read-only: remount it read-write (mount -o remount,rw), or set --db to a writable place`;
  }
  try {
    if (statfsSync(dir).bavail === 0)
      return `the file system holding ${dir} is full: free space there (df -h ${dir}); the database is not damaged`;
  } catch {
    // No answer from statfs: say nothing rather than guess.
  }
  return undefined;
}

/** A write-ahead log with rows in it: a read-only open that cannot use it would see an older database. */
export function hasPendingLog(dbPath: string): boolean {
  try {
    return statSync(`${dbPath}-wal`).size > 0;
  } catch {
    return false;
  }
}
