import { resolve } from 'node:path';
import { type JobFile, splitWords } from '../config/job-file.js';
import type { CommandContext } from '../context.js';
import { checkDuration, formatDuration } from '../shared/duration.js';
import { UsageError } from '../shared/errors.js';
import { type BackupType, isBackupType } from '../shared/run-result.js';
import { quoteValue } from '../shared/terminal-text.js';
import { type OutputCheckOptions, type OutputChecks, planOutputChecks } from './artifact/plan.js';

/** `run`'s flags as commander hands them over. */
export interface RunOptions extends OutputCheckOptions {
  /** --type; may come from the job file instead (BACKUP_ALERT_TYPE) or from a job named like a type. */
  type?: string;
  /** --job NAME (default: the type). */
  job?: string;
  /** --test: the runbook §7.3 simulation, recorded and alerted as a test. */
  test?: boolean;
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
  /** The job's name: the type when none was given. */
  job: string;
  type: BackupType;
  /** `run --test`: alerts marked as a test, a row health ignores. */
  isTest: boolean;
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
export function planRun(
  given: RunOptions,
  ctx: Pick<CommandContext, 'config' | 'cwd'> & { jobFile?: JobFile },
): RunPlan {
  // A flag beats the job file: the file's values fill only what the command line left out.
  const options = withJobFile(given, ctx.jobFile);
  splitDurationCheck(options);
  const type = typeOf(options, ctx.jobFile);
  const job = options.job ?? type;
  // run --test without a script simulates a failure with /usr/bin/false (runbook §7.3).
  const script = options.script ?? ctx.config.script ?? (options.test ? TEST_SCRIPT : undefined);
  if (!script) {
    throw new UsageError(
      ctx.jobFile
        ? `no backup script for job ${job}: set BACKUP_ALERT_SCRIPT in ${ctx.jobFile.path} or give --script PATH`
        : 'no backup script: give --script PATH or set BACKUP_ALERT_SCRIPT',
    );
  }
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
    job,
    type,
    isTest: options.test === true,
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

/** What `run --test` runs when no script is given: a failure, as the runbook's §7.3 simulation wants. */
export const TEST_SCRIPT = '/usr/bin/false';

/** The type: --type, else the job file's BACKUP_ALERT_TYPE, else a job named like a type. */
function typeOf(options: RunOptions, jobFile: JobFile | undefined): BackupType {
  const fromFile = options.type === undefined ? jobFile?.values['BACKUP_ALERT_TYPE']?.trim() : undefined;
  // run --test with nothing else is the runbook §7.3 simulation: its `{"type": "manual"}`.
  const type = options.type ?? fromFile ?? options.job ?? (options.test ? 'manual' : undefined);
  if (type === undefined) {
    throw new UsageError(
      'no backup type: give --type daily|weekly|monthly|manual (or --job NAME with a job file)',
    );
  }
  if (isBackupType(type)) return type;
  if (options.type !== undefined)
    throw new UsageError(`invalid --type "${options.type}": use one of daily, weekly, monthly, manual`);
  if (fromFile !== undefined) {
    const line = jobFile?.lines['BACKUP_ALERT_TYPE'];
    throw new UsageError(
      `invalid BACKUP_ALERT_TYPE "${fromFile}" in ${jobFile?.path}:${line ?? '?'}: use one of daily, weekly, monthly, manual`,
    );
  }
  throw new UsageError(
    `job ${options.job} has no type: set BACKUP_ALERT_TYPE=daily|weekly|monthly|manual in its job file${jobFile ? ` (${jobFile.path})` : ''} or pass --type`,
  );
}

/** The job file's run settings under the flags (flag > job file). */
function withJobFile(options: RunOptions, jobFile: JobFile | undefined): RunOptions {
  if (!jobFile) return options;
  const value = (key: string) => {
    const text = jobFile.values[key]?.trim();
    return text ? text : undefined;
  };
  const args = value('BACKUP_ALERT_ARGS');
  const killAfter = value('BACKUP_ALERT_KILL_AFTER');
  const minSize = value('BACKUP_ALERT_MIN_SIZE');
  const onSuspect = value('BACKUP_ALERT_ON_SUSPECT');
  return {
    ...options,
    // Arguments after `--` replace the file's (they are the more specific), never add to them.
    args: options.args.length > 0 || args === undefined ? options.args : splitWords(args),
    ...(options.killAfter === undefined && killAfter !== undefined ? { killAfter } : {}),
    ...(options.minSize === undefined && minSize !== undefined ? { minSize } : {}),
    ...(options.onSuspect === undefined && onSuspect !== undefined ? { onSuspect } : {}),
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
