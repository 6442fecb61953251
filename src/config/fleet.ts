import { parseDuration } from '../shared/duration.js';
import type { Env } from './env-source.js';
import { type ConfigProblem, parseOptionalDuration, splitList } from './values.js';

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

/** Secret variables this file reads; each also works as NAME_FILE and as a systemd credential. */
export const FLEET_SECRET_VARIABLES = ['BACKUP_ALERT_DATABASE_URL'] as const;
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

export interface FleetDefaults {
  /** The OS host name: BACKUP_ALERT_HOST's default. */
  hostname: string;
  /** Backup types BACKUP_ALERT_EXPECT may name. */
  types: readonly string[];
}

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
  const host = parseHostName(env['BACKUP_ALERT_HOST'], defaults.hostname, problems);
  const expectations = parseExpectations(
    'BACKUP_ALERT_EXPECT',
    env['BACKUP_ALERT_EXPECT'],
    defaults.types,
    problems,
  );
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
    problems.push({ variable: URL_VARIABLE, message: `parameter "${name}" is not supported; ignored` });
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

function parseHostName(value: string | undefined, fallback: string, problems: ConfigProblem[]): string {
  const name = value?.trim();
  if (!name) return fallback;
  // Shown in tables and Nagios lines, used in SQL as a value: printable and short.
  if (name.length <= 253 && /^[\p{L}\p{N}._@:-]+$/u.test(name)) return name;
  problems.push({
    variable: 'BACKUP_ALERT_HOST',
    message: `"${name.slice(0, 40)}" is not a usable host name (letters, digits, . _ - @ :, at most 253); using ${fallback}`,
  });
  return fallback;
}

/** `daily=26h,weekly=8d` → { daily: 93600000, weekly: 691200000 }; bad items are reported and skipped. */
export function parseExpectations(
  variable: string,
  value: string | undefined,
  types: readonly string[],
  problems: ConfigProblem[],
): Record<string, number> {
  const result: Record<string, number> = {};
  for (const item of splitList(value)) {
    const [type = '', duration, ...rest] = item.split('=').map((part) => part.trim());
    const ms = duration === undefined || rest.length > 0 ? undefined : parseDuration(duration);
    if (!types.includes(type)) {
      problems.push({
        variable,
        message: `"${item}": "${type}" is not a backup type (${types.join(', ')}); ignored`,
      });
    } else if (ms === undefined || ms <= 0) {
      problems.push({ variable, message: `"${item}" is not type=duration (e.g. daily=26h); ignored` });
    } else if (type in result) {
      problems.push({ variable, message: `${type} is given twice; using the first (${duration} ignored)` });
    } else {
      result[type] = ms;
    }
  }
  return result;
}

function parseJitter(variable: string, value: string | undefined, problems: ConfigProblem[]): number {
  if (value === undefined || value.trim() === '') return 0;
  const ms = parseDuration(value);
  if (ms === undefined || ms < 0) {
    problems.push({ variable, message: `"${value}" is not a duration (e.g. 0, 30s, 5m); using 0` });
    return 0;
  }
  if (ms > MAX_SYNC_JITTER_MS) {
    problems.push({ variable, message: `"${value}" is more than 1h; using 1h` });
    return MAX_SYNC_JITTER_MS;
  }
  return ms;
}
