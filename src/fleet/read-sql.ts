import type { BackupQuery, NotificationQuery, PageQuery } from '../serve/read-model.js';
import { CLOCK_SKEW_TOLERATED_MS } from './queries.js';

/**
 * Every statement `serve` runs against the centre, built from fixed text and numbered
 * parameters only (a filter adds `column = $n`, never its value). Exported so a test can
 * EXPLAIN exactly these at a realistic size: none may scan a log table.
 */
export interface Statement {
  text: string;
  values: unknown[];
}

/**
 * Times travel as epoch milliseconds (float8) and become ISO text in JS (read-items.ts):
 * to_char over the 8,000 times of a 1,000-host grid, or pg's own timestamp parsing, cost
 * more than the rest of the statement.
 */
const ms = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8`;

/** centreTime (queries.ts) in SQL, over `hosts h`: what to take off a host's timestamps. */
const CORRECTION = `(CASE WHEN abs(h.clock_skew_ms) > ${CLOCK_SKEW_TOLERATED_MS} THEN h.clock_skew_ms ELSE 0 END)`;

/** A host's timestamp by the centre's clock, never later than `received` (when given). */
export const centreMs = (column: string, received?: string): string =>
  received === undefined
    ? `(${ms(column)} - ${CORRECTION})::float8`
    : `least(${ms(column)} - ${CORRECTION}, ${ms(received)})::float8`;

/** A run's columns as the items want them. int8 as float8: pg reads int8 as text. */
export function runColumns(alias: string): string {
  const a = `${alias}.`;
  return [
    `${a}backup_id`,
    `${a}host`,
    `${a}type`,
    `${a}status`,
    `${ms(`${a}started_at`)} AS started_at`,
    `${ms(`${a}finished_at`)} AS finished_at`,
    `${a}duration_ms::float8 AS duration_ms`,
    `${a}exit_code`,
    `${a}signal`,
    `${a}error_message`,
    `${a}script`,
    `${a}log_path`,
    `${a}artifact_path`,
    `${a}artifact_bytes::float8 AS artifact_bytes`,
  ].join(', ');
}

const NOTIFICATION = `n.local_id::float8 AS id, n.backup_id, n.host, n.notification_type, n.channel,
  n.recipient, n.subject, n.status, n.error_message, ${ms('n.sent_at')} AS sent_at, n.attempts,
  ${ms('n.created_at')} AS created_at`;

const AUDIT = `a.local_id::float8 AS id, a.host, a.operation, a.backup_id, a.username, a.ip_address, a.status,
  a.details, ${ms('a.created_at')} AS created_at`;

/**
 * Newest first; ties broken the same way on every page (so paging never repeats or skips a
 * row), in the order of the *_newest indexes, which `history --fleet` shares. Qualified: a
 * bare `started_at` in ORDER BY would mean the output column (epoch ms), which no index gives.
 */
const RUNS_NEWEST = 'ORDER BY b.started_at DESC, b.host, b.backup_id';
const NOTIFICATIONS_NEWEST = 'ORDER BY n.created_at DESC, n.host DESC, n.local_id DESC';

class Where {
  readonly parts: string[] = [];
  readonly values: unknown[] = [];
  /** `column = $n` when `value` is given. */
  eq(column: string, value: string | undefined): this {
    if (value === undefined) return this;
    this.values.push(value);
    this.parts.push(`${column} = $${this.values.length}`);
    return this;
  }
  /** `column = ANY ($n)` when `values` is given. */
  any(column: string, values: readonly string[] | undefined): this {
    if (values === undefined) return this;
    this.values.push(values);
    this.parts.push(`${column} = ANY ($${this.values.length}::text[])`);
    return this;
  }
  param(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
  get clause(): string {
    return this.parts.length > 0 ? `WHERE ${this.parts.join(' AND ')}` : '';
  }
}

/** `GET /api/v1/backups`: the exact total from backup_log_counts, and one page of runs. */
export function backupListSql(query: BackupQuery): { total: Statement; page: Statement } {
  const count = new Where().eq('host', query.host).eq('type', query.type).eq('status', query.status);
  const rows = new Where().eq('b.host', query.host).eq('b.type', query.type).eq('b.status', query.status);
  const limit = rows.param(query.limit);
  const offset = rows.param(query.offset);
  return {
    total: {
      text: `SELECT coalesce(sum(n), 0)::float8 AS total FROM backup_log_counts ${count.clause}`,
      values: count.values,
    },
    page: {
      text: `SELECT ${runColumns('b')} FROM backup_logs b ${rows.clause} ${RUNS_NEWEST} LIMIT ${limit} OFFSET ${offset}`,
      values: rows.values,
    },
  };
}

/** One run by ID (on one host, or on any: the caller learns whether several hosts have it). */
export function backupSql(backupId: string, host: string | undefined, max: number): Statement {
  const where = new Where().eq('b.backup_id', backupId).eq('b.host', host);
  return {
    text: `SELECT ${runColumns('b')}, b.output_tail FROM backup_logs b ${where.clause} ORDER BY b.host LIMIT ${where.param(max)}`,
    values: where.values,
  };
}

/** The notifications about one run of one host, in the order they were written. */
export function runNotificationsSql(backupId: string, host: string): Statement {
  return {
    text: `SELECT ${NOTIFICATION} FROM notification_logs n WHERE n.backup_id = $1 AND n.host = $2 ORDER BY n.created_at, n.local_id`,
    values: [backupId, host],
  };
}

/**
 * Every host × type with a run, its latest outcome and latest success whole and its run in
 * progress, from latest_runs (one row per pair, kept by triggers): no run is looked up. Times are
 * the centre's clock (centreMs): a host whose clock is off is judged like every other. The hosts
 * and their promises come separately.
 */
export function statusFactsSql(filter: {
  host?: string;
  type?: string;
  job?: string;
  hosts?: readonly string[];
}): Statement {
  const where = new Where()
    .eq('lr.host', filter.host)
    .eq('lr.type', filter.type)
    .eq('lr.job', filter.job)
    .any('lr.host', filter.hosts);
  return {
    text: `SELECT lr.host AS pair_host, lr.job AS pair_job, lr.type AS pair_type, lr.failures,
        lr.backup_id AS l_backup_id, lr.host AS l_host, lr.type AS l_type, lr.status AS l_status,
        ${centreMs('lr.started_at')} AS l_started_at, ${centreMs('lr.finished_at')} AS l_finished_at,
        lr.duration_ms::float8 AS l_duration_ms, lr.exit_code AS l_exit_code, lr.signal AS l_signal,
        lr.error_message AS l_error_message, lr.script AS l_script, lr.log_path AS l_log_path,
        lr.artifact_path AS l_artifact_path, lr.artifact_bytes::float8 AS l_artifact_bytes,
        lr.success_backup_id AS s_backup_id, lr.host AS s_host, lr.type AS s_type, 'success' AS s_status,
        ${centreMs('lr.success_started_at')} AS s_started_at,
        ${centreMs('lr.success_finished_at', 'lr.success_received_at')} AS s_finished_at,
        lr.success_duration_ms::float8 AS s_duration_ms, lr.success_exit_code AS s_exit_code,
        lr.success_signal AS s_signal, lr.success_error_message AS s_error_message,
        lr.success_script AS s_script, lr.success_log_path AS s_log_path,
        lr.success_artifact_path AS s_artifact_path, lr.success_artifact_bytes::float8 AS s_artifact_bytes,
        lr.running_backup_id AS r_backup_id, lr.host AS r_host, lr.type AS r_type, 'running' AS r_status,
        ${centreMs('lr.running_started_at')} AS r_started_at, lr.running_script AS r_script,
        lr.running_log_path AS r_log_path
      FROM latest_runs lr LEFT JOIN hosts h ON h.host = lr.host ${where.clause}`,
    values: where.values,
  };
}

/**
 * Hosts with a name clash (host_clashes) or a clock off by more than the tolerance. The filter
 * comes before the join: joined first, every host was sorted (11 ms at 10,000 hosts, 3.5 now).
 */
export function hostNotesSql(): Statement {
  return {
    text: `SELECT h.host, h.clock_skew_ms::float8 AS clock_skew_ms, c.installations::float8 AS installations,
        c.refusals::float8 AS refusals, c.pending_rows::float8 AS pending_rows
      FROM hosts h LEFT JOIN (
        SELECT host, count(*) AS installations, sum(refusals) AS refusals, sum(coalesce(pending_rows, 0)) AS pending_rows
          FROM host_clashes GROUP BY host) c ON c.host = h.host
     WHERE h.host IN (SELECT host FROM host_clashes) OR abs(h.clock_skew_ms) > ${CLOCK_SKEW_TOLERATED_MS}
     ORDER BY h.host`,
    values: [],
  };
}

/** The hosts and what each promised (type → ms), as their last sync said. */
export function hostsSql(host?: string, hosts?: readonly string[]): Statement {
  const where = new Where().eq('host', host).any('host', hosts);
  return { text: `SELECT host, expectations FROM hosts ${where.clause}`, values: where.values };
}

/** `GET /api/v1/notifications`: totals from notification_log_counts, except for one run's few. */
export function notificationListSql(query: NotificationQuery & { host?: string }): {
  total: Statement;
  page: Statement;
} {
  const filters = (where: Where, alias: string) =>
    where
      .eq(`${alias}status`, query.status)
      .eq(`${alias}backup_id`, query.backupId)
      .eq(`${alias}host`, query.host);
  const count = filters(new Where(), '');
  const rows = filters(new Where(), 'n.');
  const limit = rows.param(query.limit);
  const offset = rows.param(query.offset);
  return {
    total: {
      text:
        query.backupId === undefined
          ? `SELECT coalesce(sum(n), 0)::float8 AS total FROM notification_log_counts ${count.clause}`
          : `SELECT count(*)::float8 AS total FROM notification_logs ${count.clause}`,
      values: count.values,
    },
    page: {
      text: `SELECT ${NOTIFICATION} FROM notification_logs n ${rows.clause} ${NOTIFICATIONS_NEWEST} LIMIT ${limit} OFFSET ${offset}`,
      values: rows.values,
    },
  };
}

/** `GET /api/v1/audit`. */
export function auditListSql(query: PageQuery): { total: Statement; page: Statement } {
  return {
    total: { text: 'SELECT coalesce(sum(n), 0)::float8 AS total FROM audit_log_counts', values: [] },
    page: {
      text: `SELECT ${AUDIT} FROM backup_audit_logs a ORDER BY a.created_at DESC, a.host DESC, a.local_id DESC
        LIMIT $1 OFFSET $2`,
      values: [query.limit, query.offset],
    },
  };
}

/**
 * Newest rows of two statuses ($1, $2), at most $3: one walk of the (status, time) index per
 * status, merged. `status IN (…)` would read and sort every row of both. The outer ORDER BY
 * names output columns (ISO text sorts as the time does).
 */
function twoStatuses(select: string, from: string, alias: string, order: string, outerOrder: string): string {
  const one = (n: number) =>
    `(SELECT ${select} FROM ${from} WHERE ${alias}.status = $${n} ${order} LIMIT $3)`;
  return `${one(1)} UNION ALL ${one(2)} ORDER BY ${outerOrder} LIMIT $3`;
}

/** Alerts that reached no one (pending, failed), newest first, and how many there are. */
export function undeliveredSql(limit: number): { total: Statement; page: Statement } {
  return {
    total: {
      text: `SELECT coalesce(sum(n), 0)::float8 AS total FROM notification_log_counts WHERE status IN ('pending', 'failed')`,
      values: [],
    },
    page: {
      text: twoStatuses(
        NOTIFICATION,
        'notification_logs n',
        'n',
        'ORDER BY n.created_at DESC',
        'created_at DESC, host DESC, id DESC',
      ),
      values: ['pending', 'failed', limit],
    },
  };
}

/** The latest failed or abandoned runs with the end of their output. */
export function latestFailuresSql(limit: number): Statement {
  return {
    text: twoStatuses(
      `${runColumns('b')}, b.output_tail`,
      'backup_logs b',
      'b',
      RUNS_NEWEST,
      'started_at DESC, host, backup_id',
    ),
    values: ['failure', 'abandoned', limit],
  };
}
