import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { errorCode, errorMessage } from './errors.js';

/** An error that keeps the system's code (ENOTDIR, ENOENT…) so callers can still tell causes apart. */
function withCode(message: string, code: string | undefined, cause?: unknown): Error {
  const error = new Error(message, cause === undefined ? undefined : { cause }) as Error & { code?: string };
  if (code !== undefined) error.code = code;
  return error;
}

/**
 * `mkdir -p` that ends. Node's recursive mkdirSync loops for ever (a core busy, signals
 * unanswered) where the kernel refuses a directory with ENOENT under an existing one
 * (`/proc/nope`), and says EEXIST about a file in the way (`/dev/null/x`). Here the
 * missing levels are found first, the one in the way is named, and each level is made once.
 */
export function makeDirectory(dir: string, mode = 0o700): void {
  const missing: string[] = [];
  let current = resolve(dir);
  for (;;) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(current).isDirectory();
    } catch (error) {
      const code = errorCode(error);
      const parent = dirname(current);
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || parent === current) throw error;
      missing.push(current);
      current = parent;
      continue;
    }
    if (!isDirectory) {
      const target = resolve(dir);
      const under = target === current ? '' : `, so ${target} cannot be made under it`;
      throw withCode(`${current} is not a directory${under}`, 'ENOTDIR');
    }
    break;
  }
  for (const path of missing.reverse()) {
    try {
      mkdirSync(path, { mode });
    } catch (error) {
      if (errorCode(error) === 'EEXIST') continue;
      throw withCode(`cannot create directory ${path}: ${errorMessage(error)}`, errorCode(error), error);
    }
  }
}
