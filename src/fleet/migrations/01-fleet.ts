import type { CentreMigration } from './centre-migration.js';
import { ALLOWED, policies } from './row-security.js';

/** The fleet's tables with the runbook's column names plus `host`, and row-level security by host_roles. */
export const FLEET: CentreMigration = {
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
};
