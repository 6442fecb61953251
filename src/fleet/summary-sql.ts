import type { Statement } from './read-sql.js';

/** host_summary (migration 06). */
export const HOST_SUMMARY_SCHEMA_VERSION = 6;

/**
 * Time alone moves a host from ok to stale or silent: a second of margin over the exact
 * instant makes the candidates a superset whatever the rounding between SQL and JS, and the
 * full rule decides for them.
 */
const SOON = "now() + interval '1 second'";
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
 * The SQL condition "this host may not be ok now" over `host_summary s`, with the override
 * and the fallback as $1 and $2 (float8, null = none): anything a write recorded (clash,
 * failure, never-run promise), silence, or a success older than what it is judged against.
 */
export const CANDIDATE = `(s.worst <> 'ok'
    OR s.last_seen_at + ${bounded('coalesce($1::float8, s.longest_promise_ms)')} ${MS} <= ${SOON}
    OR ($1::float8 IS NULL AND s.due_at <= ${SOON})
    OR ($1::float8 IS NULL AND s.unpromised_success_at + ${bounded('$2::float8')} ${MS} <= ${SOON})
    OR least(s.promised_success_at, s.unpromised_success_at) + ${bounded('$1::float8')} ${MS} <= ${SOON})`;

/** The centre's now (epoch ms), how many hosts and pairs, and the hosts that may not be ok. */
export function candidatesSql(options: CandidateOptions): Statement {
  return {
    text: `SELECT (extract(epoch FROM now()) * 1000)::float8 AS now, count(*)::float8 AS hosts,
        coalesce(sum(s.jobs), 0)::float8 AS pairs,
        coalesce(array_agg(s.host ORDER BY s.host) FILTER (WHERE ${CANDIDATE}), '{}') AS candidates
      FROM host_summary s`,
    values: [options.overrideMs ?? null, options.fallbackMs ?? null],
  };
}
