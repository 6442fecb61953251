import type { Statement } from './read-sql.js';

/** host_summary (migration 06). */
export const HOST_SUMMARY_SCHEMA_VERSION = 6;

/**
 * Time alone moves a host from ok to stale or silent: a second of margin over the exact
 * instant makes the candidates a superset whatever the rounding between SQL and JS, and the
 * full rule decides for them.
 */
const soon = (now: string) => `${now} + interval '1 second'`;
const MS = "* interval '1 millisecond'";
/** Bounded so that no promise a host sent can overflow a timestamp; null stays null (least() skips nulls). */
const bounded = (value: string) =>
  `(CASE WHEN ${value} IS NULL THEN NULL ELSE greatest(-1e13, least(${value}, 1e13)) END)`;

export interface CandidateOptions {
  /** `--max-age` / `?maxAge=`: replaces every promise (and the silence bound). */
  overrideMs?: number | undefined;
  /** serve's `--max-age`: applies to jobs without a promise of their own. */
  fallbackMs?: number | undefined;
}

/**
 * The SQL condition "this host may not be ok at `now`" over `host_summary s`, with the
 * override and the fallback as $1 and $2 (float8, null = none): anything a write recorded
 * (clash, failure, never-run promise), silence, or a success older than what it is judged by.
 */
export const candidate = (now: string): string => `(s.worst <> 'ok'
    OR s.last_seen_at + ${bounded('coalesce($1::float8, s.longest_promise_ms)')} ${MS} <= ${soon(now)}
    OR ($1::float8 IS NULL AND s.due_at <= ${soon(now)})
    OR ($1::float8 IS NULL AND s.unpromised_success_at + ${bounded('$2::float8')} ${MS} <= ${soon(now)})
    OR least(s.promised_success_at, s.unpromised_success_at) + ${bounded('$1::float8')} ${MS} <= ${soon(now)})`;

/** Silent by the summary (`status --fleet`'s rule): not seen within its longest promise. */
export const notSeen = (now: string): string =>
  `s.last_seen_at + ${bounded('s.longest_promise_ms')} ${MS} < ${now}`;

/** The centre's now (epoch ms), how many hosts and pairs, and the hosts that may not be ok. */
export function candidatesSql(options: CandidateOptions): Statement {
  return {
    text: `SELECT (extract(epoch FROM now()) * 1000)::float8 AS now, count(*)::float8 AS hosts,
        coalesce(sum(s.jobs), 0)::float8 AS pairs,
        coalesce(array_agg(s.host ORDER BY s.host) FILTER (WHERE ${candidate('now()')}), '{}') AS candidates
      FROM host_summary s`,
    values: [options.overrideMs ?? null, options.fallbackMs ?? null],
  };
}

/** Hosts a page holds (the healthy list is paged, a search narrows it). */
export const FLEET_PAGE_SIZE = 50;

export interface FleetPageSqlQuery {
  now: Date;
  fallbackMs?: number | undefined;
  /** A piece of a host name, any case. */
  search?: string | undefined;
  /** From 1. */
  page: number;
}

/**
 * serve's page over a large fleet: one scan of host_summary for how many hosts there are, how
 * many are healthy (those the search matches), and the hosts that may not be ok at the page's
 * clock ($3) or whose clock is off, each with its row version (xmin: a new one whenever the
 * triggers rewrite the row, that is whenever anything of the host was written); then one page
 * of the healthy hosts, by the primary key.
 */
export function fleetPageSql(query: FleetPageSqlQuery): { summary: Statement; healthy: Statement } {
  const trouble = `(${candidate('$3::timestamptz')} OR abs(s.clock_skew_ms) > 60000)`;
  // NULL (a host with nothing promised) is no trouble: IS NOT TRUE keeps it in the healthy list.
  const fine = `${trouble} IS NOT TRUE AND ($4::text IS NULL OR strpos(lower(s.host), lower($4)) > 0)`;
  const values = [null, query.fallbackMs ?? null, query.now, query.search ?? null];
  return {
    summary: {
      // OFFSET 0 keeps the subquery whole: flattened, the condition would be evaluated twice a row.
      text: `SELECT count(*)::float8 AS hosts,
          count(*) FILTER (WHERE s.trouble IS NOT TRUE
                             AND ($4::text IS NULL OR strpos(lower(s.host), lower($4)) > 0))::float8 AS healthy,
          coalesce(json_agg(json_build_object('host', s.host, 'version', s.version::text,
              'notSeen', ${notSeen('$3::timestamptz')},
              'lastSeenAt', (extract(epoch FROM s.last_seen_at) * 1000)::float8) ORDER BY s.host)
            FILTER (WHERE s.trouble), '[]') AS problems
        FROM (SELECT s.host, s.xmin AS version, s.last_seen_at, s.longest_promise_ms, ${trouble} AS trouble
                FROM host_summary s OFFSET 0) s`,
      values,
    },
    healthy: {
      text: `SELECT s.host, s.jobs, (extract(epoch FROM s.last_seen_at) * 1000)::float8 AS last_seen_at
        FROM host_summary s WHERE ${fine} ORDER BY s.host LIMIT ${FLEET_PAGE_SIZE} OFFSET $5`,
      values: [...values, (Math.max(1, query.page) - 1) * FLEET_PAGE_SIZE],
    },
  };
}
