import { parseDuration } from '../shared/duration.js';
import { BACKUP_TYPES, isJobName } from '../shared/run-result.js';
import { ApiError, quote } from './api-errors.js';
import {
  type BackupQuery,
  NOTIFICATION_STATUSES,
  type NotificationQuery,
  type NotificationStatusName,
  type PageQuery,
  RUN_STATUSES,
  type RunStatusName,
} from './read-model.js';

/**
 * Strict reading of query strings: only known names, each at most once, every value
 * from a fixed list or a narrow pattern. What is not understood is refused with 400,
 * never passed on (a typo such as `?stauts=failure` must not silently list everything).
 */

export const MAX_LIMIT = 1000;
export const DEFAULT_LIMIT = 20;
/** Deep offsets cost a walk of that many index entries; beyond this, filter instead. */
export const MAX_OFFSET = 1_000_000;
const MAX_AGE_LIMIT_MS = 366 * 86_400_000;

/** What BACKUP_ALERT_HOST accepts (src/config/host.ts): letters and digits of any script, . _ - @ : */
const HOST = /^[\p{L}\p{N}][\p{L}\p{N}._@:-]{0,252}$/u;
/** `BKP-YYYYMMDD-HHMMSS-{type}` with `-2`, `-3` for a clash within one second. */
const BACKUP_ID = /^BKP-\d{8}-\d{6}-[A-Za-z0-9_]{1,32}(?:-\d{1,4})?$/;

type Params = Map<string, string>;

function read(search: URLSearchParams, allowed: readonly string[]): Params {
  const params: Params = new Map();
  for (const [name, value] of search) {
    if (!allowed.includes(name)) {
      throw new ApiError(
        'unknown_parameter',
        `unknown query parameter ${quote(name)}; this endpoint takes ${allowed.join(', ') || 'none'}`,
      );
    }
    if (params.has(name)) throw new ApiError('invalid_parameter', `${name} is given more than once`);
    params.set(name, value);
  }
  return params;
}

function integer(params: Params, name: string, min: number, max: number, fallback: number): number {
  const text = params.get(name);
  if (text === undefined) return fallback;
  const value = /^\d{1,7}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ApiError(
      'invalid_parameter',
      `${name} must be a whole number from ${min} to ${max} (got ${quote(text)})`,
    );
  }
  return value;
}

function oneOf<T extends string>(params: Params, name: string, choices: readonly T[]): T | undefined {
  const text = params.get(name);
  if (text === undefined) return undefined;
  if (!(choices as readonly string[]).includes(text)) {
    throw new ApiError(
      'invalid_parameter',
      `${name} must be one of ${choices.join(', ')} (got ${quote(text)})`,
    );
  }
  return text as T;
}

function host(params: Params): string | undefined {
  const text = params.get('host');
  if (text === undefined) return undefined;
  if (!HOST.test(text))
    throw new ApiError('invalid_parameter', `host is not a host name (got ${quote(text)})`);
  return text;
}

function page(params: Params): PageQuery {
  return {
    limit: integer(params, 'limit', 1, MAX_LIMIT, DEFAULT_LIMIT),
    offset: integer(params, 'offset', 0, MAX_OFFSET, 0),
  };
}

export function parseBackupId(text: string): string {
  if (!BACKUP_ID.test(text)) {
    throw new ApiError('invalid_backup_id', `not a backup ID (BKP-YYYYMMDD-HHMMSS-type): ${quote(text)}`);
  }
  return text;
}

/** A job name (issue 21), or undefined when not asked for. */
function jobOf(params: Params): string | undefined {
  const text = params.get('job');
  if (text === undefined) return undefined;
  if (!isJobName(text))
    throw new ApiError('invalid_parameter', `job must be a job name (got ${quote(text)})`);
  return text;
}

/** `GET /api/v1/backups?status=&type=&job=&host=&limit=&offset=` */
export function parseBackupQuery(search: URLSearchParams): BackupQuery {
  const params = read(search, ['status', 'type', 'job', 'host', 'limit', 'offset']);
  const query: BackupQuery = page(params);
  const status = oneOf<RunStatusName>(params, 'status', RUN_STATUSES);
  const type = oneOf(params, 'type', BACKUP_TYPES);
  const hostName = host(params);
  if (status !== undefined) query.status = status;
  if (type !== undefined) query.type = type;
  const job = jobOf(params);
  if (job !== undefined) query.job = job;
  if (hostName !== undefined) query.host = hostName;
  return query;
}

/** `GET /api/v1/notifications?status=&backupId=&host=&limit=&offset=` */
export function parseNotificationQuery(search: URLSearchParams): NotificationQuery {
  const params = read(search, ['status', 'backupId', 'host', 'limit', 'offset']);
  const query: NotificationQuery = page(params);
  const status = oneOf<NotificationStatusName>(params, 'status', NOTIFICATION_STATUSES);
  const backupId = params.get('backupId');
  const hostName = host(params);
  if (status !== undefined) query.status = status;
  if (backupId !== undefined) query.backupId = parseBackupId(backupId);
  if (hostName !== undefined) query.host = hostName;
  return query;
}

/** `GET /api/v1/backups/{id}?host=`: the host is needed only where hosts share backup IDs (the centre). */
export function parseBackupDetailQuery(search: URLSearchParams): { host?: string } {
  const hostName = host(read(search, ['host']));
  return hostName === undefined ? {} : { host: hostName };
}

/** The run page's `?host=` (other parameters are left to the page, as browsers add junk). */
export function pageHost(search: URLSearchParams): string | undefined {
  const value = search.getAll('host');
  if (value.length > 1) throw new ApiError('invalid_parameter', 'host is given more than once');
  return host(new Map(value.map((v) => ['host', v])));
}

/** Endpoints that take no query parameter: anything given is refused. */
export function parseNoQuery(search: URLSearchParams): void {
  read(search, []);
}

/** `GET /api/v1/audit?limit=&offset=` */
export function parsePageQuery(search: URLSearchParams): PageQuery {
  return page(read(search, ['limit', 'offset']));
}

export interface StatusQuery {
  host?: string;
  type?: string;
  job?: string;
  maxAgeMs?: number;
}

/** `GET /api/v1/status?host=&type=&job=&maxAge=26h` (maxAge as `status --max-age`). */
export function parseStatusQuery(search: URLSearchParams): StatusQuery {
  const params = read(search, ['host', 'type', 'job', 'maxAge']);
  const query: StatusQuery = {};
  const hostName = host(params);
  const type = oneOf(params, 'type', BACKUP_TYPES);
  const maxAge = params.get('maxAge');
  if (hostName !== undefined) query.host = hostName;
  if (type !== undefined) query.type = type;
  const job = jobOf(params);
  if (job !== undefined) query.job = job;
  if (maxAge !== undefined) {
    const ms = maxAge.length <= 16 ? parseDuration(maxAge) : undefined;
    if (ms === undefined || ms <= 0 || ms > MAX_AGE_LIMIT_MS) {
      throw new ApiError(
        'invalid_parameter',
        `maxAge must be a duration like 26h or 8d (got ${quote(maxAge)})`,
      );
    }
    query.maxAgeMs = ms;
  }
  return query;
}

/** The page's own parameters (`?lang=en`); anything else is ignored there, as browsers add junk. */
export function pageLang(search: URLSearchParams): 'ja' | 'en' | undefined {
  const lang = search.get('lang');
  return lang === 'ja' || lang === 'en' ? lang : undefined;
}

/** `/`'s `?q=` (a piece of a host name, at most 100 characters) and `?page=` (from 1) over a large fleet. */
export function fleetPageParams(search: URLSearchParams): { search?: string; page: number } {
  const q = search.get('q')?.trim().slice(0, 100);
  const page = Number(search.get('page') ?? '1');
  return {
    ...(q ? { search: q } : {}),
    page: Number.isInteger(page) && page >= 1 && page <= 1_000_000 ? page : 1,
  };
}
