import { parseDuration } from '../shared/duration.js';
import { isUtcZone, isValidTimeZone } from '../shared/local-time.js';
import { quoteValue } from '../shared/terminal-text.js';
import type { Env } from './env-source.js';
import { readSecret } from './secrets.js';
import { type ConfigProblem, parseOptionalDuration, splitList } from './values.js';

/** Routing and incidents (DESIGN.md): reminders, watch, the slow run, Apprise, local time. */
export interface RoutingSettings {
  /** BACKUP_ALERT_REMIND: gaps between reminders of an open incident; the last one repeats. Empty = none. */
  remindMs: number[];
  /** BACKUP_ALERT_WARN_AFTER: `run` sends one backup_slow alert once the script has run this long. */
  warnAfterMs?: number;
  /** BACKUP_ALERT_TIMEZONE (else TZ): the zone of the local-time line; unset or UTC = no line. */
  timeZone?: string;
  /** BACKUP_ALERT_APPRISE_URLS (a secret): Apprise targets, one `apprise` run per alert. */
  appriseUrls: string[];
  /**
   * The environment the `apprise` command gets: an allow-list (PATH finds it, HOME and the
   * locale, proxies), never our secrets.
   */
  appriseEnv: Record<string, string>;
}

/** What the apprise child may see from our environment. */
const APPRISE_ENV = [
  'PATH',
  'HOME',
  'LANG',
  'LC_ALL',
  'LC_CTYPE',
  'TMPDIR',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
];

/** `4h,24h` → [4h, 24h] in ms; `off`/`none` = no reminders. */
export function parseRemind(text: string | undefined): { gapsMs: number[]; errors: string[] } {
  const items = splitList(text);
  if (items.length === 1 && /^(off|none|0)$/i.test(items[0]!)) return { gapsMs: [], errors: [] };
  const gapsMs: number[] = [];
  const errors: string[] = [];
  for (const item of items) {
    const ms = parseDuration(item);
    if (ms === undefined || ms <= 0) errors.push(`${quoteValue(item)} is not a duration (e.g. 4h, 24h)`);
    else gapsMs.push(ms);
  }
  return { gapsMs, errors };
}

/** Parses the routing settings; every problem is reported, none is fatal (the backup still runs). */
export function parseRoutingSettings(
  env: Env,
  cwd: string,
  problems: ConfigProblem[],
): { settings: RoutingSettings; secrets: string[] } {
  const remind = parseRemind(env['BACKUP_ALERT_REMIND']);
  for (const message of remind.errors)
    problems.push({ variable: 'BACKUP_ALERT_REMIND', message: `${message}; ignored` });

  const appriseRaw = readSecret(env, 'BACKUP_ALERT_APPRISE_URLS', cwd, problems);
  const appriseUrls = parseAppriseUrls(appriseRaw);
  if (appriseRaw && appriseUrls.length === 0) {
    problems.push({
      variable: 'BACKUP_ALERT_APPRISE_URLS',
      message: 'holds no scheme://… URL; the Apprise channel is off until it is fixed',
    });
  }
  const appriseEnv: Record<string, string> = {};
  for (const name of APPRISE_ENV) {
    const value = env[name];
    if (value !== undefined && value !== '') appriseEnv[name] = value;
  }

  const settings: RoutingSettings = {
    remindMs: remind.gapsMs,
    appriseUrls,
    appriseEnv,
  };
  const warnAfterMs = parseOptionalDuration(
    'BACKUP_ALERT_WARN_AFTER',
    env['BACKUP_ALERT_WARN_AFTER'],
    problems,
  );
  if (warnAfterMs !== undefined) settings.warnAfterMs = warnAfterMs;
  const timeZone = parseTimeZone(env, problems);
  if (timeZone !== undefined) settings.timeZone = timeZone;
  return { settings, secrets: appriseRaw ? [appriseRaw, appriseRaw.trim(), ...appriseUrls] : [] };
}

/**
 * Apprise URLs are separated by commas, spaces or newlines (Apprise's own convention);
 * only items that look like `scheme://…` are kept (a stray word is never a target).
 */
export function parseAppriseUrls(text: string | undefined): string[] {
  if (!text) return [];
  return text
    .split(/[\s,]+/)
    .map((item) => item.trim())
    .filter((item) => /^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(item));
}

/**
 * BACKUP_ALERT_TIMEZONE, else TZ. A bad BACKUP_ALERT_TIMEZONE is reported; a TZ that is
 * not an IANA name (POSIX `JST-9`, `:/etc/localtime`) is simply not used: it is valid for
 * libc, just not a name we can print. A UTC zone adds nothing to the UTC line: no line.
 */
function parseTimeZone(env: Env, problems: ConfigProblem[]): string | undefined {
  const explicit = env['BACKUP_ALERT_TIMEZONE']?.trim();
  if (explicit) {
    if (!isValidTimeZone(explicit)) {
      problems.push({
        variable: 'BACKUP_ALERT_TIMEZONE',
        message: `${quoteValue(explicit)} is not an IANA time zone (e.g. Asia/Tokyo); no local time is shown`,
      });
      return undefined;
    }
    return isUtcZone(explicit) ? undefined : explicit;
  }
  const tz = env['TZ']?.trim().replace(/^:/, '');
  if (!tz || !isValidTimeZone(tz) || isUtcZone(tz)) return undefined;
  return tz;
}
