import { parseDuration } from '../shared/duration.js';
import { quoteValue } from '../shared/terminal-text.js';
import type { Env } from './env-source.js';
import { type ConfigProblem, splitList } from './values.js';

/** DESIGN.md "False success": the defaults when nothing is set. */
export const DEFAULT_SIZE_DROP_PERCENT = 50;

/** The settings behind `run --artifact` and the size judgement, from the environment. */
export interface FalseSuccessSettings {
  /** BACKUP_ALERT_ARTIFACT: paths or globs, comma-separated; `--artifact` replaces them. */
  artifacts: string[];
  /** BACKUP_ALERT_MIN_DURATION: a success faster than this is a failure; `--min-duration` wins. */
  minDurationMs: number | undefined;
  /** BACKUP_ALERT_SIZE_DROP (default 50): percent below the median that is suspect; null = off. */
  sizeDropPercent: number | null;
  /** BACKUP_ALERT_SIZE_GROWTH (default off): percent above the median that is suspect. */
  sizeGrowthPercent: number | null;
}

/**
 * Parses the four variables. A bad one is a problem (a [WARN] at the start of every run,
 * a ✖ in doctor) and falls back to its default: like every setting, a typo never stops
 * the backup itself (a bad --flag is a usage error instead).
 */
export function parseFalseSuccess(env: Env, problems: ConfigProblem[]): FalseSuccessSettings {
  const report = (problem: ConfigProblem) => problems.push(problem);
  return {
    artifacts: splitList(env['BACKUP_ALERT_ARTIFACT']),
    minDurationMs: parseMinDuration(env['BACKUP_ALERT_MIN_DURATION'], report),
    sizeDropPercent: parsePercent(
      'BACKUP_ALERT_SIZE_DROP',
      env['BACKUP_ALERT_SIZE_DROP'],
      DEFAULT_SIZE_DROP_PERCENT,
      100,
      report,
    ),
    sizeGrowthPercent: parsePercent(
      'BACKUP_ALERT_SIZE_GROWTH',
      env['BACKUP_ALERT_SIZE_GROWTH'],
      null,
      Number.POSITIVE_INFINITY,
      report,
    ),
  };
}

function parseMinDuration(
  value: string | undefined,
  report: (problem: ConfigProblem) => void,
): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const ms = parseDuration(value);
  if (ms !== undefined && ms > 0) return ms;
  report({
    variable: 'BACKUP_ALERT_MIN_DURATION',
    message: `${quoteValue(value)} is not a duration; use one like 90s, 15m, 4h (no minimum duration until fixed)`,
  });
  return undefined;
}

/**
 * `50`, `50%`, `12.5 %`, or `off`. A drop is below 100 (nothing shrinks by more than all
 * of itself); a growth may be any positive figure (`200%`: three times the median).
 */
export function parsePercent(
  variable: string,
  value: string | undefined,
  fallback: number | null,
  below: number,
  report: (problem: ConfigProblem) => void,
): number | null {
  const text = value?.trim().toLowerCase();
  if (!text) return fallback;
  if (text === 'off') return null;
  const match = /^(\d+(?:\.\d+)?)\s*%?$/.exec(text);
  const percent = match ? Number(match[1]) : Number.NaN;
  if (percent > 0 && percent < below) return percent;
  const range = Number.isFinite(below) ? `between 0 and ${below}` : 'above 0';
  const using = fallback === null ? 'off' : `${fallback}%`;
  report({
    variable,
    message: `${quoteValue(value)} is not a percentage ${range} (e.g. 50%) or off; using ${using}`,
  });
  return fallback;
}
