import { resolve } from 'node:path';
import type { Config } from '../../config/config.js';
import { byteCount, parseSize } from '../../shared/bytes.js';
import { formatDuration, parseDuration } from '../../shared/duration.js';
import { UsageError } from '../../shared/errors.js';

/** `run`'s false-success flags as commander hands them over. */
export interface OutputCheckOptions {
  /** --artifact, repeatable */
  artifact?: string[];
  minSize?: string;
  minDuration?: string;
  onSuspect?: string;
}

/** What to check once the script has exited 0 (DESIGN.md "False success"). */
export interface OutputChecks {
  /** Absolute paths or globs; empty when only the duration is checked. */
  artifacts: string[];
  /** Each artifact must be at least this many bytes (default 1: not empty). */
  minBytes: number;
  /** As the operator wrote it, for "too small" messages. */
  minSizeLabel: string;
  minDurationMs: number | undefined;
  minDurationLabel: string | undefined;
  /** An artifact far from its usual size: a warning (default), or a failure. */
  onSuspect: 'warn' | 'fail';
}

/**
 * Validated before anything runs (a bad flag is exit 2; a bad environment value was
 * a [WARN] and its default, in the config). Undefined when nothing is to be
 * checked, so a plain run loads none of the checking code. Flags win over the environment.
 */
export function planOutputChecks(
  options: OutputCheckOptions,
  config: Pick<Config, 'falseSuccess'>,
  cwd: string,
): OutputChecks | undefined {
  const settings = config.falseSuccess;
  const artifacts = options.artifact?.length ? options.artifact : settings.artifacts;
  let minBytes = 1;
  if (options.minSize !== undefined) {
    const parsed = parseSize(options.minSize);
    if (parsed === undefined) {
      throw new UsageError(
        `invalid --min-size "${options.minSize}": use bytes or a size like 512K, 10M, 1.5G`,
      );
    }
    minBytes = parsed;
  }
  let minDurationMs = settings.minDurationMs;
  let minDurationLabel = minDurationMs === undefined ? undefined : formatDuration(minDurationMs);
  if (options.minDuration !== undefined) {
    minDurationMs = parseDuration(options.minDuration);
    if (minDurationMs === undefined || minDurationMs <= 0) {
      throw new UsageError(
        `invalid --min-duration "${options.minDuration}": use a duration like 90s, 15m, 4h`,
      );
    }
    minDurationLabel = options.minDuration;
  }
  if (artifacts.length === 0) {
    // Size options without an artifact would silently check nothing.
    const orphan =
      options.minSize !== undefined ? '--min-size' : options.onSuspect ? '--on-suspect' : undefined;
    if (orphan) throw new UsageError(`${orphan} needs --artifact PATH (or BACKUP_ALERT_ARTIFACT)`);
    if (minDurationMs === undefined) return undefined;
  }
  return {
    artifacts: artifacts.map((artifact) => resolve(cwd, artifact)),
    minBytes,
    minSizeLabel: options.minSize ?? byteCount(minBytes),
    minDurationMs,
    minDurationLabel,
    onSuspect: options.onSuspect === 'fail' ? 'fail' : 'warn',
  };
}
