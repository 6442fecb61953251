import { LOCK_DOWN_FUNCTIONS } from './04-functions.js';
import type { CentreMigration } from './centre-migration.js';
import { ALLOWED } from './row-security.js';

/** centreTime (queries.ts) in SQL over `hosts h`: a skew within a minute is a sync's own latency. */
const CORRECTION = '(CASE WHEN abs(h.clock_skew_ms) > 60000 THEN h.clock_skew_ms ELSE 0 END)';
/** A promise as an interval, bounded so that no value a host sends can overflow a timestamp. */
const PROMISE = "greatest(-1e13, least(p.promise_ms, 1e13)) * interval '1 millisecond'";

/**
 * Issue 25, item 6: one row per host kept by the centre, so that `status --fleet --nagios` and
 * the dashboard count 10,000 rows instead of judging 40,000 host × job pairs. It holds what
 * only a write can change (failed and never-run jobs, a clash, the clock, when the host was
 * seen) and, for what time alone changes, the earliest moment it changes: when the first
 * promise falls due (`due_at`) and the oldest success with and without a promise (for a
 * `--max-age` that replaces every promise, or serve's own default). A reader compares those
 * with now(), and reads the pairs only of the hosts that may not be ok (summary-sql.ts).
 * Kept exact in the writing transaction by statement triggers on hosts, latest_runs and
 * host_clashes; hosts still touch no table. Nothing a host sends changes: compatible with 1.
 */
export const HOST_SUMMARY: CentreMigration = {
  version: 6,
  compatibleWith: 1,
  sql: `
  CREATE TABLE host_summary (
    host                  text PRIMARY KEY,
    last_seen_at          timestamptz NOT NULL,
    clock_skew_ms         bigint NOT NULL,
    -- The host's longest positive promise: silent beyond it; null when it promised nothing.
    longest_promise_ms    float8,
    -- Host × job pairs: the jobs it promised and the jobs it ran.
    jobs                  integer NOT NULL,
    failed                integer NOT NULL,
    never                 integer NOT NULL,
    clashes               integer NOT NULL,
    -- Over the jobs that ran and did not fail, by the centre's clock (-infinity: no success yet):
    -- the earliest success + promise, the oldest success with a promise, and without one.
    due_at                timestamptz,
    promised_success_at   timestamptz,
    unpromised_success_at timestamptz,
    -- {"failed": [job, …], "never": [job, …]}
    problem_jobs          jsonb NOT NULL,
    -- What no passing of time changes: clash, failed, never or ok.
    worst                 text NOT NULL CHECK (worst IN ('clash', 'failed', 'never', 'ok'))
  );
  ALTER TABLE host_summary ENABLE ROW LEVEL SECURITY;
  CREATE POLICY host_summary_read ON host_summary FOR SELECT USING ${ALLOWED};

  -- Recomputes the given hosts' rows from hosts, latest_runs and host_clashes: a few index
  -- lookups per host. Its rules are judgeFleet's (health.ts); a test compares the two.
  CREATE FUNCTION refresh_host_summary(p_hosts text[]) RETURNS void
  LANGUAGE sql SECURITY DEFINER SET jit = off AS $fn$
    DELETE FROM host_summary s
     WHERE s.host = ANY (p_hosts) AND NOT EXISTS (SELECT 1 FROM hosts h WHERE h.host = s.host);
    INSERT INTO host_summary AS s (host, last_seen_at, clock_skew_ms, longest_promise_ms, jobs, failed, never,
                                   clashes, due_at, promised_success_at, unpromised_success_at, problem_jobs,
                                   worst)
    SELECT h.host, h.last_seen_at, h.clock_skew_ms,
           (SELECT max((e.value #>> '{}')::float8) FROM jsonb_each(x.promises) e
             WHERE jsonb_typeof(e.value) = 'number' AND (e.value #>> '{}')::float8 > 0),
           r.jobs + n.never, r.failed, n.never, c.clashes, r.due_at, r.promised_success_at,
           r.unpromised_success_at,
           jsonb_build_object('failed', r.failed_jobs, 'never', n.never_jobs),
           CASE WHEN c.clashes > 0 THEN 'clash' WHEN r.failed > 0 THEN 'failed'
                WHEN n.never > 0 THEN 'never' ELSE 'ok' END
      FROM hosts h
      CROSS JOIN LATERAL (
        SELECT CASE WHEN jsonb_typeof(h.expectations) = 'object' THEN h.expectations ELSE '{}' END AS promises
      ) x
      CROSS JOIN LATERAL (
        SELECT count(*)::int AS jobs, count(*) FILTER (WHERE p.failed)::int AS failed,
               min(coalesce(p.success_at, '-infinity') + ${PROMISE})
                 FILTER (WHERE NOT p.failed AND p.promise_ms IS NOT NULL) AS due_at,
               min(coalesce(p.success_at, '-infinity'))
                 FILTER (WHERE NOT p.failed AND p.promise_ms IS NOT NULL) AS promised_success_at,
               min(coalesce(p.success_at, '-infinity'))
                 FILTER (WHERE NOT p.failed AND p.promise_ms IS NULL) AS unpromised_success_at,
               coalesce(jsonb_agg(p.job ORDER BY p.job) FILTER (WHERE p.failed), '[]') AS failed_jobs
          FROM (
            SELECT lr.job, lr.status IN ('failure', 'abandoned') AS failed,
                   CASE WHEN jsonb_typeof(x.promises -> lr.job) = 'number'
                        THEN (x.promises ->> lr.job)::float8 END AS promise_ms,
                   CASE WHEN coalesce(lr.success_finished_at, lr.success_started_at) IS NOT NULL
                        THEN least(coalesce(lr.success_finished_at, lr.success_started_at)
                                     - ${CORRECTION} * interval '1 millisecond',
                                   lr.success_received_at) END AS success_at
              FROM latest_runs lr WHERE lr.host = h.host
          ) p
      ) r
      CROSS JOIN LATERAL (
        SELECT count(*)::int AS never, coalesce(jsonb_agg(k ORDER BY k), '[]') AS never_jobs
          FROM jsonb_object_keys(x.promises) k
         WHERE NOT EXISTS (SELECT 1 FROM latest_runs lr WHERE lr.host = h.host AND lr.job = k)
      ) n
      CROSS JOIN LATERAL (SELECT count(*)::int AS clashes FROM host_clashes hc WHERE hc.host = h.host) c
     WHERE h.host = ANY (p_hosts)
    ON CONFLICT (host) DO UPDATE SET
      last_seen_at = EXCLUDED.last_seen_at, clock_skew_ms = EXCLUDED.clock_skew_ms,
      longest_promise_ms = EXCLUDED.longest_promise_ms, jobs = EXCLUDED.jobs, failed = EXCLUDED.failed,
      never = EXCLUDED.never, clashes = EXCLUDED.clashes, due_at = EXCLUDED.due_at,
      promised_success_at = EXCLUDED.promised_success_at,
      unpromised_success_at = EXCLUDED.unpromised_success_at, problem_jobs = EXCLUDED.problem_jobs,
      worst = EXCLUDED.worst;
  $fn$;

  -- One trigger function for the three tables: each has a host column, each trigger names its
  -- transition table "touched". Statement level: a seeded year or a 10,000-row batch refreshes
  -- each host once. SECURITY DEFINER: a host of versions 1 to 3 may still write latest_runs'
  -- sources directly and has no privilege on host_summary.
  CREATE FUNCTION host_summary_touched() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $fn$
  BEGIN
    PERFORM refresh_host_summary(array_agg(DISTINCT host)) FROM touched;
    RETURN NULL;
  END $fn$;
  ${['hosts', 'latest_runs', 'host_clashes']
    .map(
      (table) => `
  CREATE TRIGGER ${table}_summary_insert AFTER INSERT ON ${table} REFERENCING NEW TABLE AS touched
    FOR EACH STATEMENT EXECUTE FUNCTION host_summary_touched();
  CREATE TRIGGER ${table}_summary_update AFTER UPDATE ON ${table} REFERENCING NEW TABLE AS touched
    FOR EACH STATEMENT EXECUTE FUNCTION host_summary_touched();
  CREATE TRIGGER ${table}_summary_delete AFTER DELETE ON ${table} REFERENCING OLD TABLE AS touched
    FOR EACH STATEMENT EXECUTE FUNCTION host_summary_touched();`,
    )
    .join('')}

  SELECT refresh_host_summary(array_agg(host)) FROM hosts;
  ${LOCK_DOWN_FUNCTIONS}
  `,
};
