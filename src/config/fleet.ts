import { parseDuration } from '../shared/duration.js';
import { quoteValue } from '../shared/terminal-text.js';
import type { Env } from './env-source.js';
import type { HostSettings } from './host.js';
import { type ConfigProblem, parseOptionalDuration } from './values.js';

export const DEFAULT_SYNC_TIMEOUT_MS = 10_000;
/** A longer spread would hold a cron job open for most of an hour for nothing. */
export const MAX_SYNC_JITTER_MS = 3_600_000;

/** The fleet's settings: present only when BACKUP_ALERT_DATABASE_URL is set and valid. */
export interface FleetConfig {
  /** The connection URL. A secret: print `redactDatabaseUrl(url)` instead. */
  databaseUrl: string;
  /** This host's name in the fleet (BACKUP_ALERT_HOST, default the OS host name). */
  host: string;
  /** Type → longest time allowed since its last success, in ms (BACKUP_ALERT_EXPECT). */
  expectations: Readonly<Record<string, number>>;
  /** Bound of one ship to the centre (BACKUP_ALERT_SYNC_TIMEOUT). */
  syncTimeoutMs: number;
  /** Longest random delay before a ship (BACKUP_ALERT_SYNC_JITTER), 0 = none. */
  syncJitterMs: number;
  /** Strings to mask everywhere: the URL as written and its password, encoded and decoded. */
  secrets: string[];
}

/** Every variable this file reads, for doctor's problem lines. */
export const FLEET_VARIABLES = [
  'BACKUP_ALERT_DATABASE_URL',
  'BACKUP_ALERT_DATABASE_URL_FILE',
  'BACKUP_ALERT_HOST',
  'BACKUP_ALERT_EXPECT',
  'BACKUP_ALERT_SYNC_TIMEOUT',
  'BACKUP_ALERT_SYNC_JITTER',
] as const;

const URL_VARIABLE = 'BACKUP_ALERT_DATABASE_URL';
const OFF = 'the fleet is off until it is fixed (local runs are unaffected)';
const SSL_MODES = new Set(['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full']);
/** Query parameters connect.ts understands; anything else is reported, not silently ignored. */
export const URL_PARAMETERS = new Set([
  'sslmode',
  'sslrootcert',
  'sslcert',
  'sslkey',
  'host',
  'port',
  'application_name',
]);

export type FleetDefaults = HostSettings;

/**
 * Reads the fleet settings. `secret` is readSecret bound to env/cwd/problems (so `_FILE` and
 * $CREDENTIALS_DIRECTORY work). Unset URL: undefined (a single host, as before). A bad URL:
 * one problem naming the variable, never quoting the value, and undefined.
 */
export function parseFleetConfig(
  env: Env,
  secret: (name: string) => string | undefined,
  problems: ConfigProblem[],
  defaults: FleetDefaults,
): FleetConfig | undefined {
  const raw = secret(URL_VARIABLE);
  const { host } = defaults;
  const expectations: Record<string, number> = {};
  for (const [type, ms] of Object.entries(defaults.expect)) if (ms !== undefined) expectations[type] = ms;
  const syncTimeoutMs =
    parseOptionalDuration('BACKUP_ALERT_SYNC_TIMEOUT', env['BACKUP_ALERT_SYNC_TIMEOUT'], problems) ??
    DEFAULT_SYNC_TIMEOUT_MS;
  const syncJitterMs = parseJitter('BACKUP_ALERT_SYNC_JITTER', env['BACKUP_ALERT_SYNC_JITTER'], problems);
  if (raw === undefined || raw.trim() === '') return undefined;
  const checked = checkDatabaseUrl(raw.trim());
  if ('problem' in checked) {
    problems.push({ variable: URL_VARIABLE, message: `${checked.problem}; ${OFF}` });
    return undefined;
  }
  for (const name of checked.unknownParameters) {
    problems.push({
      variable: URL_VARIABLE,
      message: `parameter ${quoteValue(name)} is not supported; ignored`,
    });
  }
  const secrets = [raw, raw.trim(), ...checked.passwords].filter((value) => value.length > 0);
  return {
    databaseUrl: raw.trim(),
    host,
    expectations,
    syncTimeoutMs,
    syncJitterMs,
    secrets: [...new Set(secrets)],
  };
}

type UrlCheck = { problem: string } | { passwords: string[]; unknownParameters: string[] };

/** What is wrong with a database URL, in words that never repeat any part of it. */
export function checkDatabaseUrl(value: string): UrlCheck {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { problem: 'is not a valid URL (expected postgres://user:password@host:5432/database)' };
  }
  // Only a known scheme is named: a mistyped URL may start with its password.
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    return { problem: 'must be a postgres:// or postgresql:// URL' };
  }
  let password: string;
  try {
    password = decodeURIComponent(url.password);
    decodeURIComponent(url.username);
    decodeURIComponent(url.pathname);
  } catch {
    return { problem: 'has a malformed %-escape in its user, password or database name' };
  }
  if (url.hostname === '' && !url.searchParams.get('host')) {
    return { problem: 'names no host (postgres://user:password@HOST:5432/database)' };
  }
  const sslmode = url.searchParams.get('sslmode');
  if (sslmode !== null && !SSL_MODES.has(sslmode)) {
    return { problem: 'has an unknown sslmode (use disable, prefer, require, verify-ca or verify-full)' };
  }
  const unknownParameters = [...new Set(url.searchParams.keys())].filter((name) => !URL_PARAMETERS.has(name));
  return { passwords: [url.password, password], unknownParameters };
}

/** `postgres://user@host:5432/db?sslmode=require`: where it points, without the password. */
export function redactDatabaseUrl(value: string): string {
  try {
    const url = new URL(value);
    url.password = '';
    for (const name of [...url.searchParams.keys()]) {
      if (name !== 'sslmode' && name !== 'host') url.searchParams.delete(name);
    }
    return url.toString();
  } catch {
    return '(invalid URL)';
  }
}

function parseJitter(variable: string, value: string | undefined, problems: ConfigProblem[]): number {
  if (value === undefined || value.trim() === '') return 0;
  const ms = parseDuration(value);
  if (ms === undefined || ms < 0) {
    problems.push({ variable, message: `${quoteValue(value)} is not a duration (e.g. 0, 30s, 5m); using 0` });
    return 0;
  }
  if (ms > MAX_SYNC_JITTER_MS) {
    problems.push({ variable, message: `${quoteValue(value)} is more than 1h; using 1h` });
    return MAX_SYNC_JITTER_MS;
  }
  return ms;
}
