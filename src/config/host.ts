import { parseDuration } from '../shared/duration.js';
import { BACKUP_TYPES, isJobName } from '../shared/run-result.js';
import { quoteValue } from '../shared/terminal-text.js';
import type { Env } from './env-source.js';
import { type ConfigProblem, splitList } from './values.js';

/**
 * Who this host is and what it promises: BACKUP_ALERT_HOST (its name in runs, alerts,
 * metrics and the fleet) and BACKUP_ALERT_EXPECT (`daily=26h,weekly=8d`: the longest
 * time allowed since each type's last success). Read once; `watch`, `status --fleet`,
 * the centre's `hosts` table and the dashboard all use the same reading.
 */
export interface HostSettings {
  host: string;
  /** By job name; a type stands for the job of that name (the job of runs that named none). */
  expect: Record<string, number>;
}

export function parseHostSettings(env: Env, hostname: string, problems: ConfigProblem[]): HostSettings {
  return {
    host: parseHostName(env['BACKUP_ALERT_HOST'], hostname, problems),
    expect: parseExpectations('BACKUP_ALERT_EXPECT', env['BACKUP_ALERT_EXPECT'], BACKUP_TYPES, problems, {
      jobs: true,
    }),
  };
}

export function parseHostName(
  value: string | undefined,
  fallback: string,
  problems: ConfigProblem[],
): string {
  const name = value?.trim();
  if (!name) return fallback;
  // Shown in tables and Nagios lines, used in SQL as a value: printable and short.
  if (name.length <= 253 && /^[\p{L}\p{N}._@:-]+$/u.test(name)) return name;
  problems.push({
    variable: 'BACKUP_ALERT_HOST',
    message: `${quoteValue(name.slice(0, 40))} is not a usable host name (letters, digits, . _ - @ :, at most 253); using ${fallback}`,
  });
  return fallback;
}

/**
 * `daily=26h,weekly=8d` → { daily: 93600000, weekly: 691200000 }; bad items are reported and
 * skipped. With `jobs`, a key may be any job name (`pg=26h`): a type is the job of that name.
 */
export function parseExpectations(
  variable: string,
  value: string | undefined,
  types: readonly string[],
  problems: ConfigProblem[],
  options: { jobs?: boolean } = {},
): Record<string, number> {
  const result: Record<string, number> = {};
  for (const item of splitList(value)) {
    const [type = '', duration, ...rest] = item.split('=').map((part) => part.trim());
    const ms = duration === undefined || rest.length > 0 ? undefined : parseDuration(duration);
    if (!types.includes(type) && !(options.jobs && isJobName(type))) {
      problems.push({
        variable,
        message: options.jobs
          ? `${quoteValue(item)}: ${quoteValue(type)} is neither a backup type (${types.join(', ')}) nor a job name; ignored`
          : `${quoteValue(item)}: ${quoteValue(type)} is not a backup type (${types.join(', ')}); ignored`,
      });
    } else if (ms === undefined || ms <= 0) {
      problems.push({
        variable,
        message: `${quoteValue(item)} is not type=duration (e.g. daily=26h); ignored`,
      });
    } else if (type in result) {
      problems.push({ variable, message: `${type} is given twice; using the first (${duration} ignored)` });
    } else {
      result[type] = ms;
    }
  }
  return result;
}
