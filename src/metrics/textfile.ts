import { randomUUID } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { errorCode, errorMessage } from '../shared/errors.js';

export type TextfileResult = { ok: true; bytes: number } | { ok: false; error: string; code?: string };

/**
 * Metrics are not secret, and node_exporter runs as another user: the file is made readable
 * whatever umask cron or systemd gave us.
 */
const FILE_MODE = 0o644;

/**
 * Replaces `path` atomically for node_exporter's textfile collector: a temp file in the same
 * directory (same file system, so rename is atomic; a name without `.prom`, so the collector
 * never reads it half-written), fsync, rename. Each writer has its own temp name, so two runs
 * finishing together leave one of their files whole, never a mix. Never throws: a missing or
 * read-only directory is a result, for the caller to log once.
 */
export async function writeTextfile(path: string, content: string): Promise<TextfileResult> {
  const temp = tempName(path);
  let created = false;
  try {
    const handle = await open(temp, 'wx', FILE_MODE);
    created = true;
    try {
      await handle.chmod(FILE_MODE);
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    // No fsync of the directory after the rename: after a power cut the previous, complete
    // file may come back, which is harmless for metrics and saves a second fsync per run.
    await rename(temp, path);
    created = false;
    return { ok: true, bytes: Buffer.byteLength(content, 'utf8') };
  } catch (error) {
    if (created) await unlink(temp).catch(() => {});
    return failure(path, error);
  }
}

/** For `doctor`: can a metrics file be written beside `path`? Creates and removes a probe file. */
export async function probeTextfileDir(path: string): Promise<TextfileResult> {
  const temp = tempName(path);
  try {
    const handle = await open(temp, 'wx', FILE_MODE);
    await handle.close();
    await unlink(temp);
    return { ok: true, bytes: 0 };
  } catch (error) {
    return failure(path, error);
  }
}

function tempName(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomUUID()}.tmp`);
}

const REASONS: Record<string, string> = {
  ENOENT: 'its directory does not exist',
  EACCES: 'permission denied (is the directory writable by this user?)',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOTDIR: 'a part of its directory path is not a directory',
  ENOSPC: 'no space left on the device',
  EISDIR: 'it is a directory',
};

function failure(path: string, error: unknown): TextfileResult {
  const code = errorCode(error);
  const reason = (code && REASONS[code]) ?? errorMessage(error);
  return {
    ok: false,
    error: `cannot write metrics file ${path}: ${reason}${code ? ` (${code})` : ''}`,
    ...(code ? { code } : {}),
  };
}
