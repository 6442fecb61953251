import { chownSync, existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { makeDirectory } from './make-dir.js';

/**
 * Gives a file or directory we just created the owner of the directory it is in, when they
 * differ. System mode: root's cron creates the database, runs/ and locks/ in
 * /var/lib/backup-alert, which the package gives to the backup-alert user its units run as;
 * left root's (0600/0700), the units could not open them and cron and systemd would keep
 * two histories. Callers pass only what they have just created, never a directory that
 * was there. Only root may chown: for anyone else (or on any error) nothing changes.
 */
export function ownLikeParent(path: string): void {
  try {
    const parent = statSync(dirname(path));
    const own = statSync(path);
    if (own.uid !== parent.uid || own.gid !== parent.gid) chownSync(path, parent.uid, parent.gid);
  } catch {
    // Not root, or the path went away: the file stays as created.
  }
}

/** `makeDirectory`, then the new directory (not one that was there) gets its parent's owner. */
export function makeDirectoryLikeParent(dir: string): void {
  const existed = existsSync(dir);
  makeDirectory(dir);
  if (!existed) ownLikeParent(dir);
}
