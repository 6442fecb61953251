import { resolve } from 'node:path';
import type { CommandContext } from '../context.js';
import { checkDuration, formatDuration } from '../shared/duration.js';
import { UsageError } from '../shared/errors.js';
import { type BackupType, isBackupType } from '../shared/run-result.js';
import { quoteValue } from '../shared/terminal-text.js';
import { type OutputCheckOptions, type OutputChecks, planOutputChecks } from './artifact/plan.js';

/** `run`'s flags as commander hands them over. */
export interface RunOptions extends OutputCheckOptions {
  type: string;
  script?: string;
  timeout?: string;
  killAfter?: string;
  quiet?: boolean;
  /** false with --no-lock */
  lock: boolean;
  /** One backup_slow alert once the script has run this long (default BACKUP_ALERT_WARN_AFTER). */
  warnAfter?: string;
  args: string[];
}

/** What this run will do, validated before anything starts. */
export interface RunPlan {
  type: BackupType;
  /** Absolute path. */
  script: string;
  args: readonly string[];
  timeoutMs: number | undefined;
  /** As the operator wrote it, for the "timed out after" message. */
  timeoutLabel: string | undefined;
  killAfterMs: number;
  quiet: boolean;
  lock: boolean;
  /** What must be true of a success (artifacts, minimum duration); undefined = nothing to check. */
  checks: OutputChecks | undefined;
  /** --warn-after / BACKUP_ALERT_WARN_AFTER; undefined = no slow-run warning. */
  warnAfterMs?: number | undefined;
}

/** Mistakes here are usage errors (exit 2): nothing has run yet. */
export function planRun(options: RunOptions, ctx: Pick<CommandContext, 'config' | 'cwd'>): RunPlan {
  if (!isBackupType(options.type)) {
    throw new UsageError(`invalid --type "${options.type}": use one of daily, weekly, monthly, manual`);
  }
  splitDurationCheck(options);
  const script = options.script ?? ctx.config.script;
  if (!script) throw new UsageError('no backup script: give --script PATH or set BACKUP_ALERT_SCRIPT');
  const timeoutMs = durationFlag('--timeout', options.timeout) ?? ctx.config.timeoutMs;
  const warnAfterFlag = durationFlag('--warn-after', options.warnAfter);
  if (warnAfterFlag !== undefined && timeoutMs !== undefined && warnAfterFlag >= timeoutMs) {
    throw new UsageError(
      `invalid --warn-after "${options.warnAfter}": it must be shorter than the timeout (${formatDuration(timeoutMs)}), or the warning would never come`,
    );
  }
  // From the environment a warning that could never fire is just not armed: settings never stop a backup.
  const fromEnv = ctx.config.routing.warnAfterMs;
  const warnAfterMs =
    warnAfterFlag ??
    (fromEnv !== undefined && (timeoutMs === undefined || fromEnv < timeoutMs) ? fromEnv : undefined);
  return {
    type: options.type,
    script: resolve(ctx.cwd, script),
    args: options.args,
    timeoutMs,
    timeoutLabel: options.timeout ?? (timeoutMs !== undefined ? formatDuration(timeoutMs) : undefined),
    killAfterMs: durationFlag('--kill-after', options.killAfter) ?? ctx.config.killAfterMs,
    quiet: options.quiet === true,
    lock: options.lock,
    checks: planOutputChecks(options, ctx.config, ctx.cwd),
    warnAfterMs,
  };
}

/** Any positive length is honoured (timers re-arm past Node's 24.8-day limit). */
function durationFlag(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const checked = checkDuration(text);
  if (!checked.ok) throw new UsageError(`invalid ${flag} ${checked.problem}`);
  return checked.ms;
}

const UNIT_WORD = /^(ms|s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|weeks?)$/i;

/**
 * `--timeout 4 h`: the shell made two words of it, so commander took `4` (seconds) as the
 * timeout and `h` as the first script argument, with every later flag after it. Said as
 * what it is, before "no backup script" (true, but not the cause) can be.
 */
function splitDurationCheck(options: RunOptions): void {
  const unit = options.args[0];
  if (unit === undefined || !UNIT_WORD.test(unit)) return;
  const flags: Array<[string, string | undefined]> = [
    ['--timeout', options.timeout],
    ['--kill-after', options.killAfter],
    ['--warn-after', options.warnAfter],
    ['--min-duration', options.minDuration],
  ];
  for (const [flag, value] of flags) {
    if (value === undefined || !/^\d+(\.\d+)?$/.test(value.trim())) continue;
    throw new UsageError(
      `${flag} ${quoteValue(value)} is followed by the word ${quoteValue(unit)}: write the duration as one word, e.g. ${flag} ${value.trim()}${unitSuffix(unit)} (everything after it was taken as the script's arguments)`,
    );
  }
}

/** `hours` → `h`, `mins` → `m`, `ms` → `ms`: the suffix parseDuration takes. */
function unitSuffix(word: string): string {
  const lower = word.toLowerCase();
  return lower === 'ms' ? 'ms' : lower.slice(0, 1);
}
