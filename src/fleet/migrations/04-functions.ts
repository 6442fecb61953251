import type { CentreMigration } from './centre-migration.js';
import { LATEST_RUNS_BY_JOB } from './latest-runs-by-job.js';
import { ALLOWED } from './row-security.js';

/**
 * Every function in the centre's schema: nobody but the owner may call it unless granted
 * (PostgreSQL lets PUBLIC execute new functions), and each resolves names in this schema and
 * then pg_temp only, so a role that can create objects elsewhere cannot slip its own `hosts`
 * or `now()` in front of a SECURITY DEFINER function. Run again by any migration that adds one.
 */
export const LOCK_DOWN_FUNCTIONS = `
  DO $lock$
  DECLARE f regprocedure;
  BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
              WHERE p.pronamespace = current_schema()::regnamespace AND p.prokind = 'f'
    LOOP
      EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
      EXECUTE format('ALTER FUNCTION %s SET search_path = %I, pg_temp', f, current_schema());
    END LOOP;
  END $lock$;`;

const BACKUP_COLUMNS = `backup_id text, local_id bigint, revision bigint, job text, type text, status text,
  started_at timestamptz, finished_at timestamptz, duration_ms bigint, exit_code integer, signal text,
  error_message text, output_tail text, script text, log_path text, artifact_path text, artifact_bytes bigint`;
const NOTIFICATION_COLUMNS = `local_id bigint, revision bigint, notification_type text, channel text,
  channel_name text, recipient text, subject text, status text, error_message text, sent_at timestamptz,
  attempts integer, backup_id text, created_at timestamptz`;
const AUDIT_COLUMNS = `local_id bigint, revision bigint, operation text, backup_id text, username text,
  ip_address text, status text, details text, created_at timestamptz`;

/**
 * A backup ID another installation already holds under this host name (a machine that took the
 * name over and numbers its runs the same way): stored under `<id>~<first 8 hex digits of this
 * installation>` instead, so neither run is lost. Deterministic, so later revisions of the same
 * run find the same row.
 */
const OWN_ID = (column: string) => `CASE WHEN EXISTS (
      SELECT 1 FROM backup_logs o WHERE o.host = p_host AND o.backup_id = ${column} AND o.instance_id <> p_instance)
    THEN ${column} || '~' || left(p_instance::text, 8) ELSE ${column} END`;

/**
 * Issue 25: hosts write only through SECURITY DEFINER functions that check the caller's host
 * (ship_batch, heartbeat; host roles get no table privilege, see examples/fleet/grants.sql),
 * a refused installation is recorded in host_clashes, a take-over keeps runs whose IDs collide,
 * and runs carry their job (issue 21), by which latest_runs is keyed. Hosts of versions 1 to 3
 * may still write the tables directly until grants.sql is applied again: compatible with 1.
 */
export const FUNCTIONS: CentreMigration = {
  version: 4,
  compatibleWith: 1,
  sql: `
  -- The job a run belongs to (issue 21); a run shipped without one is its type's job.
  ALTER TABLE backup_logs DISABLE TRIGGER USER;
  ALTER TABLE backup_logs ADD COLUMN job text;
  UPDATE backup_logs SET job = type;
  ALTER TABLE backup_logs ALTER COLUMN job SET NOT NULL;
  ALTER TABLE backup_logs ENABLE TRIGGER USER;
  CREATE FUNCTION backup_logs_job_default() RETURNS trigger LANGUAGE plpgsql AS $fn$
  BEGIN
    NEW.job := coalesce(NEW.job, NEW.type);
    RETURN NEW;
  END $fn$;
  CREATE TRIGGER backup_logs_job_default BEFORE INSERT ON backup_logs
    FOR EACH ROW WHEN (NEW.job IS NULL) EXECUTE FUNCTION backup_logs_job_default();
  ${LATEST_RUNS_BY_JOB}

  -- One row per host name and installation refused because another owns the name: CRITICAL
  -- for the host until the installation ships under a name of its own, takes the name over,
  -- or the operator deletes the row.
  CREATE TABLE host_clashes (
    host             text NOT NULL,
    instance_id      uuid NOT NULL,
    first_refused_at timestamptz NOT NULL DEFAULT now(),
    last_refused_at  timestamptz NOT NULL DEFAULT now(),
    refusals         bigint NOT NULL DEFAULT 1,
    version          text,
    -- Rows the refused installation still holds (its backups the centre has not seen).
    pending_rows     bigint,
    PRIMARY KEY (host, instance_id)
  );
  CREATE INDEX host_clashes_instance ON host_clashes (instance_id);
  ALTER TABLE host_clashes ENABLE ROW LEVEL SECURITY;
  CREATE POLICY host_clashes_read ON host_clashes FOR SELECT USING ${ALLOWED};

  -- Whether the calling role may ship as this host. The caller is session_user (inside a SECURITY DEFINER function
  -- current_user is the owner, and SET ROLE cannot change session_user): it must be mapped to
  -- exactly this host in host_roles ('*' is a reader's mapping and writes nothing), or be the
  -- owner or a superuser. Not granted to anyone: ship_batch and ship_check ask it.
  CREATE FUNCTION may_ship_as(p_host text) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER AS $fn$
    SELECT session_user = current_user
        OR EXISTS (SELECT 1 FROM pg_roles WHERE rolname = session_user AND rolsuper)
        OR EXISTS (SELECT 1 FROM host_roles WHERE role_name = session_user AND host = p_host);
  $fn$;

  -- The only way a host writes. One call is one transaction: the host's claim, then its rows. It
  -- waits at most 5 s for a lock whatever the session says (the caller cannot lift that).
  -- Returns 'ok', or 'clash' when another installation owns the name (nothing written but the
  -- refusal itself).
  CREATE FUNCTION ship_batch(p_host text, p_instance uuid, p_version text, p_expectations jsonb,
                             p_host_now timestamptz, p_take_over boolean, p_pending bigint,
                             p_backups jsonb, p_notifications jsonb, p_audits jsonb) RETURNS text
  LANGUAGE plpgsql SECURITY DEFINER SET jit = off SET lock_timeout = '5s' AS $fn$
  BEGIN
    IF NOT may_ship_as(p_host) THEN
      RAISE EXCEPTION 'role "%" may not ship as host "%"', session_user, p_host
        USING ERRCODE = '42501', HINT = 'map the role to the host in host_roles';
    END IF;
    INSERT INTO hosts AS h (host, instance_id, last_seen_at, version, expectations, clock_skew_ms)
    VALUES (p_host, p_instance, now(), p_version, coalesce(p_expectations, '{}'),
            round(extract(epoch FROM (p_host_now - now())) * 1000))
    ON CONFLICT (host) DO UPDATE SET
      instance_id = EXCLUDED.instance_id, last_seen_at = now(), version = EXCLUDED.version,
      expectations = EXCLUDED.expectations, clock_skew_ms = EXCLUDED.clock_skew_ms
    WHERE h.instance_id = EXCLUDED.instance_id OR p_take_over;
    IF NOT FOUND THEN
      INSERT INTO host_clashes AS c (host, instance_id, version, pending_rows)
      VALUES (p_host, p_instance, p_version, p_pending)
      ON CONFLICT (host, instance_id) DO UPDATE SET
        last_refused_at = now(), refusals = c.refusals + 1,
        version = EXCLUDED.version, pending_rows = EXCLUDED.pending_rows;
      RETURN 'clash';
    END IF;
    -- This installation has a name of its own now: its earlier refusals are resolved.
    DELETE FROM host_clashes WHERE instance_id = p_instance;

    IF jsonb_array_length(coalesce(p_backups, '[]')) > 0 THEN
      INSERT INTO backup_logs AS t (host, instance_id, backup_id, local_id, revision, job, type, status,
                                    started_at, finished_at, duration_ms, exit_code, signal, error_message,
                                    output_tail, script, log_path, artifact_path, artifact_bytes)
      SELECT p_host, p_instance, ${OWN_ID('u.backup_id')}, u.local_id, u.revision, coalesce(u.job, u.type),
             u.type, u.status, u.started_at, u.finished_at, u.duration_ms, u.exit_code, u.signal,
             u.error_message, u.output_tail, u.script, u.log_path, u.artifact_path, u.artifact_bytes
        FROM jsonb_to_recordset(p_backups) AS u(${BACKUP_COLUMNS})
      ON CONFLICT (host, backup_id) DO UPDATE SET
        local_id = EXCLUDED.local_id, revision = EXCLUDED.revision, job = EXCLUDED.job, type = EXCLUDED.type,
        status = EXCLUDED.status, started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at,
        duration_ms = EXCLUDED.duration_ms, exit_code = EXCLUDED.exit_code, signal = EXCLUDED.signal,
        error_message = EXCLUDED.error_message, output_tail = EXCLUDED.output_tail, script = EXCLUDED.script,
        log_path = EXCLUDED.log_path, artifact_path = EXCLUDED.artifact_path,
        artifact_bytes = EXCLUDED.artifact_bytes, received_at = now()
      -- Only a newer revision of the same installation's run replaces it.
      WHERE t.revision < EXCLUDED.revision AND t.instance_id = EXCLUDED.instance_id;
    END IF;

    IF jsonb_array_length(coalesce(p_notifications, '[]')) > 0 THEN
      INSERT INTO notification_logs AS t (host, instance_id, local_id, revision, notification_type, channel,
                                          channel_name, recipient, subject, status, error_message, sent_at,
                                          attempts, backup_id, created_at)
      SELECT p_host, p_instance, u.local_id, u.revision, u.notification_type, u.channel, u.channel_name,
             u.recipient, u.subject, u.status, u.error_message, u.sent_at, coalesce(u.attempts, 0),
             ${OWN_ID('u.backup_id')}, u.created_at
        FROM jsonb_to_recordset(p_notifications) AS u(${NOTIFICATION_COLUMNS})
      ON CONFLICT (host, instance_id, local_id, created_at) DO UPDATE SET
        revision = EXCLUDED.revision, notification_type = EXCLUDED.notification_type,
        channel = EXCLUDED.channel, channel_name = EXCLUDED.channel_name, recipient = EXCLUDED.recipient,
        subject = EXCLUDED.subject, status = EXCLUDED.status, error_message = EXCLUDED.error_message,
        sent_at = EXCLUDED.sent_at, attempts = EXCLUDED.attempts, backup_id = EXCLUDED.backup_id,
        received_at = now()
      WHERE t.revision < EXCLUDED.revision;
    END IF;

    IF jsonb_array_length(coalesce(p_audits, '[]')) > 0 THEN
      INSERT INTO backup_audit_logs AS t (host, instance_id, local_id, revision, operation, backup_id,
                                          username, ip_address, status, details, created_at)
      SELECT p_host, p_instance, u.local_id, u.revision, u.operation, ${OWN_ID('u.backup_id')},
             u.username, u.ip_address, u.status, u.details, u.created_at
        FROM jsonb_to_recordset(p_audits) AS u(${AUDIT_COLUMNS})
      ON CONFLICT (host, instance_id, local_id, created_at) DO UPDATE SET
        revision = EXCLUDED.revision, operation = EXCLUDED.operation, backup_id = EXCLUDED.backup_id,
        username = EXCLUDED.username, ip_address = EXCLUDED.ip_address, status = EXCLUDED.status,
        details = EXCLUDED.details, received_at = now()
      WHERE t.revision < EXCLUDED.revision;
    END IF;
    RETURN 'ok';
  END $fn$;

  -- "Alive" with nothing to ship: the claim alone.
  CREATE FUNCTION heartbeat(p_host text, p_instance uuid, p_version text, p_expectations jsonb,
                            p_host_now timestamptz, p_take_over boolean, p_pending bigint) RETURNS text
  LANGUAGE sql SECURITY DEFINER AS $fn$
    SELECT ship_batch(p_host, p_instance, p_version, p_expectations, p_host_now, p_take_over, p_pending,
                      NULL, NULL, NULL);
  $fn$;

  -- For doctor on a host: may this role ship as the host, and which installation owns the name
  -- (told only to a role that may ship as it).
  CREATE FUNCTION ship_check(p_host text) RETURNS TABLE (allowed boolean, owner_instance uuid)
  LANGUAGE sql STABLE SECURITY DEFINER AS $fn$
    SELECT a.ok, CASE WHEN a.ok THEN (SELECT h.instance_id FROM hosts h WHERE h.host = p_host) END
      FROM (SELECT may_ship_as(p_host) AS ok) a;
  $fn$;

  -- The schema version for roles that may read no table (hosts).
  CREATE FUNCTION centre_schema_state() RETURNS TABLE (version integer, compatible_with integer)
  LANGUAGE sql STABLE SECURITY DEFINER AS $fn$
    SELECT s.version, s.compatible_with FROM schema_version s ORDER BY s.version DESC LIMIT 1;
  $fn$;
  ${LOCK_DOWN_FUNCTIONS}
  `,
};
