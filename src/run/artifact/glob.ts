import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { errorCode } from '../../shared/errors.js';

/**
 * The newest file a glob matches. Node 20 has no fs.glob, and an artifact pattern needs
 * little: `*`, `?` and `[…]` inside path segments, in any segment (`/var/backups/db-*.dump`,
 * `/srv/dumps/2026-??-??/db.tar.zst`), read one directory at a time, with a bound on how
 * many directory entries it reads so a pattern over a huge tree cannot stall the run.
 * No dependency: the few lines here are all of it, and every one is tested.
 */

/** Directory entries a glob or a directory artifact reads at most. */
export const ENTRY_LIMIT = 100_000;

export function isGlob(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

/**
 * One path segment's pattern as a RegExp: `*` any run of characters, `?` one, `[abc]`,
 * `[a-z]`, `[!x]` a class, `\x` the character x. `**` is `*` (no recursion). As in the
 * shell, a wildcard does not match a leading dot: `*` skips `.partial` files.
 */
export function segmentRegExp(segment: string): RegExp {
  let source = '';
  for (let index = 0; index < segment.length; index++) {
    const char = segment[index]!;
    if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else if (char === '\\' && index + 1 < segment.length) source += literal(segment[++index]!);
    else if (char === '[') {
      const end = segment.indexOf(']', index + 2);
      if (end < 0) {
        source += '\\[';
        continue;
      }
      let body = segment.slice(index + 1, end);
      const negated = body.startsWith('!') || body.startsWith('^');
      if (negated) body = body.slice(1);
      source += `[${negated ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      index = end;
    } else source += literal(char);
  }
  const hidden = segment.startsWith('.') ? '' : '(?!\\.)';
  try {
    return new RegExp(`^${hidden}${source}$`, 'u');
  } catch {
    // A class no RegExp accepts (`[z-a]`): the segment can only mean its own characters.
    return new RegExp(`^${[...segment].map(literal).join('')}$`, 'u');
  }
}

function literal(char: string): string {
  return char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

export type GlobResult =
  /** `path`: the newest match by modification time, or undefined when nothing matches. */
  | { kind: 'matched'; path: string | undefined; truncated: boolean }
  /** A directory on the way could not be listed: whether anything matches is unknown. */
  | { kind: 'unreadable'; path: string; error: unknown };

/** Matches an absolute pattern; reads at most `limit` directory entries in all. */
export async function newestMatch(pattern: string, limit = ENTRY_LIMIT): Promise<GlobResult> {
  const segments = pattern.split('/').filter((segment) => segment !== '');
  const first = segments.findIndex(isGlob);
  let candidates = [`/${segments.slice(0, first < 0 ? segments.length : first).join('/')}`];
  let scanned = 0;
  let truncated = false;
  for (let index = Math.max(first, 0); first >= 0 && index < segments.length && !truncated; index++) {
    const segment = segments[index]!;
    const last = index === segments.length - 1;
    if (!isGlob(segment)) {
      candidates = candidates.map((dir) => join(dir, segment));
      continue;
    }
    const regexp = segmentRegExp(segment);
    const next: string[] = [];
    for (const dir of candidates) {
      let entries: Awaited<ReturnType<typeof readDir>>;
      try {
        entries = await readDir(dir);
      } catch (error) {
        // A branch that does not exist simply matches nothing.
        if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR') continue;
        return { kind: 'unreadable', path: dir, error };
      }
      if (scanned + entries.length > limit) {
        entries = entries.slice(0, limit - scanned);
        truncated = true;
      }
      scanned += entries.length;
      for (const entry of entries) {
        // Inner segments must lead somewhere: directories, or links that may point to one.
        if (!last && !entry.isDirectory() && !entry.isSymbolicLink()) continue;
        if (regexp.test(entry.name)) next.push(join(dir, entry.name));
      }
      if (truncated) break;
    }
    candidates = next;
  }
  return { kind: 'matched', path: await newest(candidates), truncated };
}

function readDir(dir: string) {
  return readdir(dir, { withFileTypes: true });
}

/** The candidate modified last (ties: the greatest name, as `ls | tail -1` would pick). */
async function newest(paths: readonly string[]): Promise<string | undefined> {
  let best: { path: string; mtimeMs: number } | undefined;
  for (const path of paths) {
    let mtimeMs: number;
    try {
      mtimeMs = (await stat(path)).mtimeMs;
    } catch {
      // Gone since it was listed, or a dangling link: not a match.
      continue;
    }
    if (!best || mtimeMs > best.mtimeMs || (mtimeMs === best.mtimeMs && path > best.path)) {
      best = { path, mtimeMs };
    }
  }
  return best?.path;
}
