import { parseDuration } from '../shared/duration.js';
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
  /**
   * Values that do not parse. `run` refuses to start on them (exit 2): a check with a
   * guessed threshold would either cry wolf or stay silent, and neither is what was asked.
   */
  invalid: ConfigProblem[];
}

/** Parses the four variables; each bad one is added to `problems` (for doctor) and to `invalid`. */
export function parseFalseSuccess(env: Env, problems: ConfigProblem[]): FalseSuccessSettings {
  const invalid: ConfigProblem[] = [];
  const report = (problem: ConfigProblem) => {
    invalid.push(problem);
    problems.push(problem);
  };
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
    invalid,
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
    message: `"${value}" is not a duration; use one like 90s, 15m, 4h`,
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
  report({ variable, message: `"${value}" is not a percentage ${range} (e.g. 50%) or off` });
  return fallback;
}
