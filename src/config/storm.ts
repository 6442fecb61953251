import type { Env } from './env-source.js';
import { type ConfigProblem, parseOptionalDuration } from './values.js';

/** Storm control at the centre (docs/alertmanager.md): used only with BACKUP_ALERT_DATABASE_URL. */
export interface StormSettings {
  /** BACKUP_ALERT_STORM_WINDOW (default 2m): how far back other hosts' failures count, and how long a storm gathers. */
  windowMs: number;
  /**
   * BACKUP_ALERT_STORM_AFTER (default 1): a failure after this many other hosts failed on the
   * same target or error class within the window is part of a storm; `off` (or 0) = never.
   */
  after: number;
}

export const DEFAULT_STORM_WINDOW_MS = 120_000;
/** The claim is one short statement; past this the host alerts on its own, as without a centre. */
export const STORM_CLAIM_TIMEOUT_MS = 3_000;

export function parseStormSettings(env: Env, problems: ConfigProblem[]): StormSettings {
  const windowMs =
    parseOptionalDuration('BACKUP_ALERT_STORM_WINDOW', env['BACKUP_ALERT_STORM_WINDOW'], problems, {
      maxMs: 86_400_000,
      fallback: '2m',
    }) ?? DEFAULT_STORM_WINDOW_MS;
  const text = env['BACKUP_ALERT_STORM_AFTER']?.trim().toLowerCase();
  let after = 1;
  if (text === 'off' || text === '0') after = 0;
  else if (text) {
    const value = Number(text);
    if (Number.isInteger(value) && value > 0 && value <= 10_000) after = value;
    else
      problems.push({
        variable: 'BACKUP_ALERT_STORM_AFTER',
        message: `"${text.slice(0, 20)}" is not a number of hosts (1-10000) or off; using 1`,
      });
  }
  return { windowMs, after };
}
