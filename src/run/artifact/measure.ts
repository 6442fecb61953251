import { constants } from 'node:fs';
import { access, lstat, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { errorCode } from '../../shared/errors.js';
import { ENTRY_LIMIT } from './glob.js';

/** What is at an artifact's path, as far as its size and age go. */
export type Measurement =
  | { kind: 'missing' }
  /** `path`: what could not be read (the artifact, or a directory inside it). */
  | { kind: 'unreadable'; path: string; error: unknown }
  | {
      kind: 'found';
      directory: boolean;
      /** A file's size; a directory's: the sum of the files in it, at any depth. */
      bytes: number;
      /** The latest modification time of the artifact or anything in it. */
      newestMtimeMs: number;
      /** A directory with more than the entry limit: counting stopped there. */
      truncated: boolean;
    };

/** lstat() this many entries of a directory at a time: parallel enough, never 100,000 at once. */
const BATCH = 256;

/**
 * Measures a file or a directory (following the artifact's own symlink, not the links
 * inside a directory, so a loop cannot trap the walk). A directory's age is its newest
 * entry's: adding or rewriting a file in it is what a backup run does to it.
 */
export async function measure(path: string, limit = ENTRY_LIMIT): Promise<Measurement> {
  let root: Awaited<ReturnType<typeof stat>>;
  try {
    root = await stat(path);
  } catch (error) {
    const code = errorCode(error);
    return code === 'ENOENT' || code === 'ENOTDIR'
      ? { kind: 'missing' }
      : { kind: 'unreadable', path, error };
  }
  if (!root.isDirectory()) {
    try {
      // The size is known without reading, but a backup nobody can read restores nothing.
      await access(path, constants.R_OK);
    } catch (error) {
      return { kind: 'unreadable', path, error };
    }
    return {
      kind: 'found',
      directory: false,
      bytes: root.size,
      newestMtimeMs: root.mtimeMs,
      truncated: false,
    };
  }
  return walk(path, root.mtimeMs, limit);
}

async function walk(path: string, rootMtimeMs: number, limit: number): Promise<Measurement> {
  const pending = [path];
  let bytes = 0;
  let newestMtimeMs = rootMtimeMs;
  let entries = 0;
  while (pending.length > 0) {
    const dir = pending.pop()!;
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (error) {
      if (dir !== path && errorCode(error) === 'ENOENT') continue; // removed while we walked
      return { kind: 'unreadable', path: dir, error };
    }
    for (let start = 0; start < names.length; start += BATCH) {
      const batch = names.slice(start, Math.min(start + BATCH, start + limit - entries));
      entries += batch.length;
      const stats = await Promise.all(
        batch.map((name) =>
          lstat(join(dir, name)).then(
            (value) => ({ name, value }),
            (error: unknown) => ({ name, error }),
          ),
        ),
      );
      for (const entry of stats) {
        if ('error' in entry) {
          if (errorCode(entry.error) === 'ENOENT') continue;
          return { kind: 'unreadable', path: join(dir, entry.name), error: entry.error };
        }
        const { value } = entry;
        if (value.isDirectory()) pending.push(join(dir, entry.name));
        else if (value.isFile()) bytes += value.size;
        else continue; // links, sockets, fifos: no size of their own worth counting
        newestMtimeMs = Math.max(newestMtimeMs, value.mtimeMs);
      }
      if (entries >= limit && (start + batch.length < names.length || pending.length > 0)) {
        return { kind: 'found', directory: true, bytes, newestMtimeMs, truncated: true };
      }
    }
  }
  return { kind: 'found', directory: true, bytes, newestMtimeMs, truncated: false };
}

/** `EACCES: permission denied`: Node's message without the syscall and path it repeats. */
export function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return /^(E[A-Z]+: [^,]+)/.exec(message)?.[1] ?? message;
}
