/**
 * The centre's schema, one entry per version. `compatibleWith`: the oldest version a host
 * must understand to keep writing after this one is applied (an added index or column keeps
 * older hosts shipping; a changed key does not), so a fleet can upgrade host by host.
 * Column names are the runbook's (§9.3, §9.4) plus `host`; timestamps are timestamptz.
 */
export interface CentreMigration {
  version: number;
  compatibleWith: number;
  sql: string;
}

/** Which hosts' rows a role may read and write (`*` = all): row-level security reads it. */
const ALLOWED = `(host = ANY (ARRAY(SELECT m.host FROM host_roles m WHERE m.role_name = current_user))
    OR '*' = ANY (ARRAY(SELECT m.host FROM host_roles m WHERE m.role_name = current_user)))`;

const policies = (table: string) => `
  ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;
  CREATE POLICY ${table}_read ON ${table} FOR SELECT USING ${ALLOWED};
  CREATE POLICY ${table}_insert ON ${table} FOR INSERT WITH CHECK ${ALLOWED};
  CREATE POLICY ${table}_update ON ${table} FOR UPDATE USING ${ALLOWED} WITH CHECK ${ALLOWED};`;

export const CENTRE_MIGRATIONS: readonly CentreMigration[] = [
  {
    version: 1,
    compatibleWith: 1,
    sql: `
  CREATE TABLE hosts (
    host          text PRIMARY KEY,
    instance_id   uuid NOT NULL,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL,
    version       text,
    expectations  jsonb NOT NULL DEFAULT '{}',
    clock_skew_ms bigint NOT NULL DEFAULT 0
  );
  CREATE INDEX hosts_last_seen ON hosts (last_seen_at);

  CREATE TABLE backup_logs (
    host           text NOT NULL,
    backup_id      text NOT NULL,
    instance_id    uuid NOT NULL,
    local_id       bigint NOT NULL,
    revision       bigint NOT NULL,
    type           text NOT NULL,
    status         text NOT NULL,
    started_at     timestamptz NOT NULL,
    finished_at    timestamptz,
    duration_ms    bigint,
    exit_code      integer,
    signal         text,
    error_message  text,
    output_tail    text,
    script         text,
    log_path       text,
    artifact_path  text,
    artifact_bytes bigint,
    received_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (host, backup_id)
  );
  CREATE INDEX backup_logs_host_type_started ON backup_logs (host, type, started_at DESC);
  CREATE INDEX backup_logs_host_type_success ON backup_logs (host, type, started_at DESC)
    WHERE status = 'success';
  CREATE INDEX backup_logs_started ON backup_logs (started_at DESC);
  CREATE INDEX backup_logs_status_started ON backup_logs (status, started_at DESC);

  CREATE TABLE notification_logs (
    host              text NOT NULL,
    instance_id       uuid NOT NULL,
    local_id          bigint NOT NULL,
    revision          bigint NOT NULL,
    notification_type text NOT NULL,
    channel           text NOT NULL,
    channel_name      text,
    recipient         text,
    subject           text,
    status            text NOT NULL,
    error_message     text,
    sent_at           timestamptz,
    attempts          integer NOT NULL DEFAULT 0,
    backup_id         text,
    created_at        timestamptz NOT NULL,
    received_at       timestamptz NOT NULL DEFAULT now(),
    -- created_at too: SQLite may hand out a row id again once every row was pruned.
    PRIMARY KEY (host, instance_id, local_id, created_at)
  );
  CREATE INDEX notification_logs_sent_at ON notification_logs (sent_at DESC);
  CREATE INDEX notification_logs_status ON notification_logs (status, created_at DESC);

  CREATE TABLE backup_audit_logs (
    host        text NOT NULL,
    instance_id uuid NOT NULL,
    local_id    bigint NOT NULL,
    revision    bigint NOT NULL,
    operation   text NOT NULL,
    backup_id   text,
    username    text,
    ip_address  text,
    status      text NOT NULL,
    details     text,
    created_at  timestamptz NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    -- created_at too: SQLite may hand out a row id again once every row was pruned.
    PRIMARY KEY (host, instance_id, local_id, created_at)
  );
  CREATE INDEX backup_audit_logs_created ON backup_audit_logs (created_at DESC);

  -- Each host × type's latest run and latest success, kept by the triggers below, so that
  -- status --fleet reads one row per pair however many years of history lie behind it.
  CREATE TABLE latest_runs (
    host                text NOT NULL,
    type                text NOT NULL,
    backup_id           text NOT NULL,
    status              text NOT NULL,
    started_at          timestamptz NOT NULL,
    error_message       text,
    exit_code           integer,
    success_started_at  timestamptz,
    success_finished_at timestamptz,
    success_received_at timestamptz,
    -- Failures since the latest success, counted when the latest run failed (else 0).
    failures            integer NOT NULL DEFAULT 0,
    PRIMARY KEY (host, type)
  );

  -- Recomputed from backup_logs for the pairs a statement touched: correct whatever order
  -- rows arrive in. SECURITY DEFINER because hosts may not write latest_runs themselves;
  -- it only ever restates what backup_logs says.
  -- jit off: the planner cannot know how few pairs come in, and compiling would cost every
  -- ship a tenth of a second.
  CREATE FUNCTION refresh_latest_runs(pair_hosts text[], pair_types text[]) RETURNS void
  LANGUAGE sql SECURITY DEFINER SET search_path FROM CURRENT SET jit = off AS $fn$
    DELETE FROM latest_runs lr USING unnest(pair_hosts, pair_types) AS p(host, type)
     WHERE lr.host = p.host AND lr.type = p.type
       AND NOT EXISTS (SELECT 1 FROM backup_logs b WHERE b.host = p.host AND b.type = p.type);
    INSERT INTO latest_runs AS lr (host, type, backup_id, status, started_at, error_message, exit_code,
                                   success_started_at, success_finished_at, success_received_at, failures)
    SELECT p.host, p.type, l.backup_id, l.status, l.started_at, l.error_message, l.exit_code,
           s.started_at, s.finished_at, s.received_at,
           CASE WHEN l.status IN ('failure', 'abandoned') THEN (
             SELECT count(*)::int FROM (
               SELECT 1 FROM backup_logs b
                WHERE b.host = p.host AND b.type = p.type AND b.status NOT IN ('running', 'success')
                  AND b.started_at > coalesce(s.started_at, '-infinity')
                LIMIT 1000) x
           ) ELSE 0 END
      FROM unnest(pair_hosts, pair_types) AS p(host, type)
      JOIN LATERAL (
        SELECT b.backup_id, b.status, b.started_at, b.error_message, b.exit_code FROM backup_logs b
         WHERE b.host = p.host AND b.type = p.type ORDER BY b.started_at DESC LIMIT 1
      ) l ON true
      LEFT JOIN LATERAL (
        SELECT b.started_at, b.finished_at, b.received_at FROM backup_logs b
         WHERE b.host = p.host AND b.type = p.type AND b.status = 'success' ORDER BY b.started_at DESC LIMIT 1
      ) s ON true
    ON CONFLICT (host, type) DO UPDATE SET
      backup_id = EXCLUDED.backup_id, status = EXCLUDED.status, started_at = EXCLUDED.started_at,
      error_message = EXCLUDED.error_message, exit_code = EXCLUDED.exit_code,
      success_started_at = EXCLUDED.success_started_at, success_finished_at = EXCLUDED.success_finished_at,
      success_received_at = EXCLUDED.success_received_at, failures = EXCLUDED.failures;
  $fn$;

  CREATE FUNCTION backup_logs_touched_new() RETURNS trigger LANGUAGE plpgsql AS $fn$
  BEGIN
    PERFORM refresh_latest_runs(array_agg(host), array_agg(type)) FROM (SELECT DISTINCT host, type FROM touched) d;
    RETURN NULL;
  END $fn$;
  CREATE FUNCTION backup_logs_touched_old() RETURNS trigger LANGUAGE plpgsql AS $fn$
  BEGIN
    PERFORM refresh_latest_runs(array_agg(host), array_agg(type)) FROM (SELECT DISTINCT host, type FROM touched) d;
    RETURN NULL;
  END $fn$;
  -- Transition tables allow one event per trigger: an upsert fires the first two.
  CREATE TRIGGER backup_logs_latest_insert AFTER INSERT ON backup_logs
    REFERENCING NEW TABLE AS touched FOR EACH STATEMENT EXECUTE FUNCTION backup_logs_touched_new();
  CREATE TRIGGER backup_logs_latest_update AFTER UPDATE ON backup_logs
    REFERENCING NEW TABLE AS touched FOR EACH STATEMENT EXECUTE FUNCTION backup_logs_touched_new();
  CREATE TRIGGER backup_logs_latest_delete AFTER DELETE ON backup_logs
    REFERENCING OLD TABLE AS touched FOR EACH STATEMENT EXECUTE FUNCTION backup_logs_touched_old();

  CREATE TABLE host_roles (
    role_name name NOT NULL,
    host      text NOT NULL,
    PRIMARY KEY (role_name, host)
  );
  ALTER TABLE host_roles ENABLE ROW LEVEL SECURITY;
  CREATE POLICY host_roles_own ON host_roles FOR SELECT USING (role_name = current_user);
  ALTER TABLE latest_runs ENABLE ROW LEVEL SECURITY;
  CREATE POLICY latest_runs_read ON latest_runs FOR SELECT USING ${ALLOWED};
  ${policies('hosts')}
  ${policies('backup_logs')}
  ${policies('notification_logs')}
  ${policies('backup_audit_logs')}
  `,
  },
  // serve over the centre (issue 14): the API's lists newest first under any filter, one run
  // by its ID without knowing its host, exact totals without counting a million rows (count
  // tables kept by statement triggers, one row per host × key, so hosts shipping at once never
  // wait on each other), and both runs of each host × type whole in latest_runs (the dashboard
  // and /metrics read that table alone). Hosts write exactly as before: compatible with 1.
  {
    version: 2,
    compatibleWith: 1,
    sql: `
  -- Newest first with the tie-break in the index (started_at, then host and backup ID, the
  -- order history --fleet prints): cron starts a fleet's backups in the same second, and a
  -- page must not read and sort a thousand tied rows to show twenty. These replace version
  -- 1's started_at and (status, started_at) indexes, and serve every filter of the list.
  DROP INDEX backup_logs_started;
  DROP INDEX backup_logs_status_started;
  CREATE INDEX backup_logs_newest ON backup_logs (started_at DESC, host, backup_id);
  CREATE INDEX backup_logs_status_newest ON backup_logs (status, started_at DESC, host, backup_id);
  CREATE INDEX backup_logs_type_newest ON backup_logs (type, started_at DESC, host, backup_id);
  -- Failures of one type: an outage fails one type on every host at once, so walking the
  -- status index for one type's can pass thousands of another's.
  CREATE INDEX backup_logs_status_type_newest ON backup_logs (status, type, started_at DESC, host, backup_id);
  CREATE INDEX backup_logs_host_newest ON backup_logs (host, started_at DESC, backup_id);
  CREATE INDEX backup_logs_backup_id ON backup_logs (backup_id);
  CREATE INDEX notification_logs_created ON notification_logs (created_at DESC);
  CREATE INDEX notification_logs_backup ON notification_logs (backup_id, host);

  CREATE TABLE backup_log_counts (
    host   text NOT NULL,
    type   text NOT NULL,
    status text NOT NULL,
    n      bigint NOT NULL,
    PRIMARY KEY (host, type, status)
  );
  INSERT INTO backup_log_counts (host, type, status, n)
    SELECT host, type, status, count(*) FROM backup_logs GROUP BY 1, 2, 3;

  CREATE TABLE notification_log_counts (
    host    text NOT NULL,
    channel text NOT NULL,
    status  text NOT NULL,
    n       bigint NOT NULL,
    PRIMARY KEY (host, channel, status)
  );
  INSERT INTO notification_log_counts (host, channel, status, n)
    SELECT host, channel, status, count(*) FROM notification_logs GROUP BY 1, 2, 3;

  CREATE TABLE audit_log_counts (
    host text PRIMARY KEY,
    n    bigint NOT NULL
  );
  INSERT INTO audit_log_counts (host, n) SELECT host, count(*) FROM backup_audit_logs GROUP BY 1;

  -- One function per table for the three events (the transition tables are named alike).
  -- Rows are added in key order, so two statements lock the same counters in the same order.
  -- SECURITY DEFINER: hosts may not write the counters themselves; this only restates what
  -- their statement did to the log table.
  CREATE FUNCTION backup_log_counts_track() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $fn$
  BEGIN
    IF TG_OP = 'INSERT' THEN
      INSERT INTO backup_log_counts AS c (host, type, status, n)
        SELECT host, type, status, count(*) FROM new_rows GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (host, type, status) DO UPDATE SET n = c.n + EXCLUDED.n;
    ELSIF TG_OP = 'UPDATE' THEN
      INSERT INTO backup_log_counts AS c (host, type, status, n)
        SELECT host, type, status, sum(d) FROM (
          SELECT host, type, status, 1 AS d FROM new_rows
          UNION ALL SELECT host, type, status, -1 FROM old_rows) x
        GROUP BY 1, 2, 3 HAVING sum(d) <> 0 ORDER BY 1, 2, 3
        ON CONFLICT (host, type, status) DO UPDATE SET n = c.n + EXCLUDED.n;
    ELSE
      UPDATE backup_log_counts c SET n = c.n - d.n
        FROM (SELECT host, type, status, count(*) AS n FROM old_rows GROUP BY 1, 2, 3) d
       WHERE c.host = d.host AND c.type = d.type AND c.status = d.status;
    END IF;
    RETURN NULL;
  END $fn$;
  CREATE TRIGGER backup_log_counts_insert AFTER INSERT ON backup_logs
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION backup_log_counts_track();
  CREATE TRIGGER backup_log_counts_update AFTER UPDATE ON backup_logs
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION backup_log_counts_track();
  CREATE TRIGGER backup_log_counts_delete AFTER DELETE ON backup_logs
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION backup_log_counts_track();

  CREATE FUNCTION notification_log_counts_track() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $fn$
  BEGIN
    IF TG_OP = 'INSERT' THEN
      INSERT INTO notification_log_counts AS c (host, channel, status, n)
        SELECT host, channel, status, count(*) FROM new_rows GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (host, channel, status) DO UPDATE SET n = c.n + EXCLUDED.n;
    ELSIF TG_OP = 'UPDATE' THEN
      INSERT INTO notification_log_counts AS c (host, channel, status, n)
        SELECT host, channel, status, sum(d) FROM (
          SELECT host, channel, status, 1 AS d FROM new_rows
          UNION ALL SELECT host, channel, status, -1 FROM old_rows) x
        GROUP BY 1, 2, 3 HAVING sum(d) <> 0 ORDER BY 1, 2, 3
        ON CONFLICT (host, channel, status) DO UPDATE SET n = c.n + EXCLUDED.n;
    ELSE
      UPDATE notification_log_counts c SET n = c.n - d.n
        FROM (SELECT host, channel, status, count(*) AS n FROM old_rows GROUP BY 1, 2, 3) d
       WHERE c.host = d.host AND c.channel = d.channel AND c.status = d.status;
    END IF;
    RETURN NULL;
  END $fn$;
  CREATE TRIGGER notification_log_counts_insert AFTER INSERT ON notification_logs
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION notification_log_counts_track();
  CREATE TRIGGER notification_log_counts_update AFTER UPDATE ON notification_logs
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION notification_log_counts_track();
  CREATE TRIGGER notification_log_counts_delete AFTER DELETE ON notification_logs
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION notification_log_counts_track();

  -- Audit rows are never updated in a way that moves them to another host.
  CREATE FUNCTION audit_log_counts_track() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $fn$
  BEGIN
    IF TG_OP = 'INSERT' THEN
      INSERT INTO audit_log_counts AS c (host, n)
        SELECT host, count(*) FROM new_rows GROUP BY 1 ORDER BY 1
        ON CONFLICT (host) DO UPDATE SET n = c.n + EXCLUDED.n;
    ELSE
      UPDATE audit_log_counts c SET n = c.n - d.n
        FROM (SELECT host, count(*) AS n FROM old_rows GROUP BY 1) d WHERE c.host = d.host;
    END IF;
    RETURN NULL;
  END $fn$;
  CREATE TRIGGER audit_log_counts_insert AFTER INSERT ON backup_audit_logs
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION audit_log_counts_track();
  CREATE TRIGGER audit_log_counts_delete AFTER DELETE ON backup_audit_logs
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION audit_log_counts_track();

  -- The rest of both runs' columns, so the dashboard's host × type grid (and the fleet-wide
  -- /metrics) read latest_runs alone: one row per pair, no lookup of either run.
  ALTER TABLE latest_runs
    ADD COLUMN finished_at           timestamptz,
    ADD COLUMN duration_ms           bigint,
    ADD COLUMN signal                text,
    ADD COLUMN script                text,
    ADD COLUMN log_path              text,
    ADD COLUMN artifact_path         text,
    ADD COLUMN artifact_bytes        bigint,
    ADD COLUMN success_backup_id     text,
    ADD COLUMN success_duration_ms   bigint,
    ADD COLUMN success_exit_code     integer,
    ADD COLUMN success_signal        text,
    ADD COLUMN success_error_message text,
    ADD COLUMN success_script        text,
    ADD COLUMN success_log_path      text,
    ADD COLUMN success_artifact_path  text,
    ADD COLUMN success_artifact_bytes bigint;
  -- Version 1's function, keeping those columns too.
  CREATE OR REPLACE FUNCTION refresh_latest_runs(pair_hosts text[], pair_types text[]) RETURNS void
  LANGUAGE sql SECURITY DEFINER SET search_path FROM CURRENT SET jit = off AS $fn$
    DELETE FROM latest_runs lr USING unnest(pair_hosts, pair_types) AS p(host, type)
     WHERE lr.host = p.host AND lr.type = p.type
       AND NOT EXISTS (SELECT 1 FROM backup_logs b WHERE b.host = p.host AND b.type = p.type);
    INSERT INTO latest_runs AS lr (host, type, backup_id, status, started_at, error_message, exit_code,
                                   finished_at, duration_ms, signal, script, log_path, artifact_path,
                                   artifact_bytes,
                                   success_backup_id, success_started_at, success_finished_at,
                                   success_received_at, success_duration_ms, success_exit_code,
                                   success_signal, success_error_message, success_script,
                                   success_log_path, success_artifact_path, success_artifact_bytes, failures)
    SELECT p.host, p.type, l.backup_id, l.status, l.started_at, l.error_message, l.exit_code,
           l.finished_at, l.duration_ms, l.signal, l.script, l.log_path, l.artifact_path, l.artifact_bytes,
           s.backup_id, s.started_at, s.finished_at, s.received_at, s.duration_ms, s.exit_code,
           s.signal, s.error_message, s.script, s.log_path, s.artifact_path, s.artifact_bytes,
           CASE WHEN l.status IN ('failure', 'abandoned') THEN (
             SELECT count(*)::int FROM (
               SELECT 1 FROM backup_logs b
                WHERE b.host = p.host AND b.type = p.type AND b.status NOT IN ('running', 'success')
                  AND b.started_at > coalesce(s.started_at, '-infinity')
                LIMIT 1000) x
           ) ELSE 0 END
      FROM unnest(pair_hosts, pair_types) AS p(host, type)
      JOIN LATERAL (
        SELECT b.backup_id, b.status, b.started_at, b.error_message, b.exit_code, b.finished_at,
               b.duration_ms, b.signal, b.script, b.log_path, b.artifact_path, b.artifact_bytes
          FROM backup_logs b
         WHERE b.host = p.host AND b.type = p.type ORDER BY b.started_at DESC LIMIT 1
      ) l ON true
      LEFT JOIN LATERAL (
        SELECT b.backup_id, b.started_at, b.finished_at, b.received_at, b.duration_ms, b.exit_code,
               b.signal, b.error_message, b.script, b.log_path, b.artifact_path, b.artifact_bytes
          FROM backup_logs b
         WHERE b.host = p.host AND b.type = p.type AND b.status = 'success' ORDER BY b.started_at DESC LIMIT 1
      ) s ON true
    ON CONFLICT (host, type) DO UPDATE SET
      backup_id = EXCLUDED.backup_id, status = EXCLUDED.status, started_at = EXCLUDED.started_at,
      error_message = EXCLUDED.error_message, exit_code = EXCLUDED.exit_code,
      finished_at = EXCLUDED.finished_at, duration_ms = EXCLUDED.duration_ms, signal = EXCLUDED.signal,
      script = EXCLUDED.script, log_path = EXCLUDED.log_path, artifact_path = EXCLUDED.artifact_path,
      artifact_bytes = EXCLUDED.artifact_bytes,
      success_backup_id = EXCLUDED.success_backup_id,
      success_started_at = EXCLUDED.success_started_at, success_finished_at = EXCLUDED.success_finished_at,
      success_received_at = EXCLUDED.success_received_at, success_duration_ms = EXCLUDED.success_duration_ms,
      success_exit_code = EXCLUDED.success_exit_code, success_signal = EXCLUDED.success_signal,
      success_error_message = EXCLUDED.success_error_message, success_script = EXCLUDED.success_script,
      success_log_path = EXCLUDED.success_log_path, success_artifact_path = EXCLUDED.success_artifact_path,
      success_artifact_bytes = EXCLUDED.success_artifact_bytes, failures = EXCLUDED.failures;
  $fn$;
  -- Every pair already there, recomputed once by the new function.
  SELECT refresh_latest_runs(array_agg(host), array_agg(type)) FROM latest_runs;

  ALTER TABLE backup_log_counts ENABLE ROW LEVEL SECURITY;
  CREATE POLICY backup_log_counts_read ON backup_log_counts FOR SELECT USING ${ALLOWED};
  ALTER TABLE notification_log_counts ENABLE ROW LEVEL SECURITY;
  CREATE POLICY notification_log_counts_read ON notification_log_counts FOR SELECT USING ${ALLOWED};
  ALTER TABLE audit_log_counts ENABLE ROW LEVEL SECURITY;
  CREATE POLICY audit_log_counts_read ON audit_log_counts FOR SELECT USING ${ALLOWED};
  `,
  },
];
