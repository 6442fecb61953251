import { LOCK_DOWN_FUNCTIONS } from './04-functions.js';
import type { CentreMigration } from './centre-migration.js';

/**
 * Storm control without Alertmanager (issue 26, docs/alertmanager.md): hosts record each
 * failure with its storm key (the job's target, else its error class) and learn, in the
 * same transaction, whether they alert alone, lead a storm (send the one summary) or are
 * a member of one (send nothing). Hosts never touch these tables: they call two SECURITY
 * DEFINER functions with a fixed search_path, which check that the calling role may act
 * for the host (host_roles) and serialise claims per key with an advisory lock. Older
 * hosts never call them and keep writing as before: compatible with 1.
 */
export const STORMS: CentreMigration = {
  version: 5,
  compatibleWith: 1,
  sql: `
  CREATE TABLE storm_failures (
    host       text NOT NULL,
    backup_id  text NOT NULL,
    storm_key  text NOT NULL,
    job        text NOT NULL,
    failed_at  timestamptz NOT NULL,
    PRIMARY KEY (host, backup_id)
  );
  CREATE INDEX storm_failures_key_time ON storm_failures (storm_key, failed_at DESC);
  CREATE TABLE storms (
    id               bigserial PRIMARY KEY,
    storm_key        text NOT NULL,
    -- 'target' (BACKUP_ALERT_TARGET) or 'error' (the error class), and its value.
    kind             text NOT NULL CHECK (kind IN ('target', 'error')),
    label            text NOT NULL,
    job              text NOT NULL,
    error_message    text,
    opened_at        timestamptz NOT NULL,
    window_ends_at   timestamptz NOT NULL,
    leader_host      text NOT NULL,
    leader_backup_id text NOT NULL,
    host_count       integer NOT NULL,
    -- How many hosts the leader's summary counted; the update says the final number.
    summary_count    integer NOT NULL,
    update_sent_at   timestamptz,
    update_sent_by   text
  );
  CREATE INDEX storms_key_window ON storms (storm_key, window_ends_at DESC);
  CREATE INDEX storms_pending_update ON storms (window_ends_at) WHERE update_sent_at IS NULL;
  CREATE TABLE storm_hosts (
    storm_id  bigint NOT NULL REFERENCES storms (id),
    host      text NOT NULL,
    backup_id text NOT NULL,
    PRIMARY KEY (storm_id, host, backup_id)
  );
  REVOKE ALL ON storm_failures, storms, storm_hosts FROM PUBLIC;

  -- May the session's role act for this host? (host_roles, as row-level security reads it;
  -- the tables' owner and superusers may act for any.)
  CREATE FUNCTION storm_may_act(p_host text) RETURNS boolean
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $fn$
    SELECT EXISTS (SELECT 1 FROM host_roles m WHERE m.role_name = session_user AND m.host IN (p_host, '*'))
        OR EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = session_user AND r.rolsuper)
        OR session_user = (SELECT pg_get_userbyid(c.relowner) FROM pg_class c
                            WHERE c.oid = 'storms'::regclass);
  $fn$;

  -- One failure: recorded, and the host's part in a storm decided, in one transaction.
  -- role: 'alone' (alert as always), 'lead' (send the summary), 'member' (send nothing).
  CREATE FUNCTION claim_storm(p_host text, p_job text, p_backup_id text, p_target text,
                              p_error_class text, p_error text, p_failed_at timestamptz,
                              p_window_ms integer, p_after integer)
  RETURNS TABLE (role text, storm_id bigint, host_count integer, kind text, label text,
                 leader_host text, window_ends_at timestamptz)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $fn$
  DECLARE
    v_kind  text := CASE WHEN p_target IS NOT NULL AND p_target <> '' THEN 'target' ELSE 'error' END;
    v_label text := CASE WHEN p_target IS NOT NULL AND p_target <> '' THEN p_target ELSE p_error_class END;
    v_key   text;
    v_now   timestamptz := clock_timestamp();
    v_window interval := make_interval(secs => p_window_ms / 1000.0);
    v_storm storms%ROWTYPE;
    v_others integer;
    v_added integer;
  BEGIN
    IF NOT storm_may_act(p_host) THEN
      RAISE EXCEPTION 'role % may not act for host %', session_user, p_host USING ERRCODE = '42501';
    END IF;
    v_key := v_kind || ':' || v_label;
    -- Claims on one key wait for each other until commit: exactly one host finds the storm unopened.
    PERFORM pg_advisory_xact_lock(hashtextextended('backup-alert storm ' || v_key, 0));
    INSERT INTO storm_failures (host, backup_id, storm_key, job, failed_at)
      VALUES (p_host, p_backup_id, v_key, p_job, p_failed_at) ON CONFLICT DO NOTHING;
    SELECT s.* INTO v_storm FROM storms s
     WHERE s.storm_key = v_key AND s.window_ends_at > v_now ORDER BY s.opened_at DESC LIMIT 1;
    IF FOUND THEN
      INSERT INTO storm_hosts VALUES (v_storm.id, p_host, p_backup_id) ON CONFLICT DO NOTHING;
      GET DIAGNOSTICS v_added = ROW_COUNT;
      IF v_added > 0 THEN
        UPDATE storms s SET host_count = (SELECT count(DISTINCT h.host) FROM storm_hosts h WHERE h.storm_id = s.id)
         WHERE s.id = v_storm.id RETURNING s.* INTO v_storm;
      END IF;
      RETURN QUERY SELECT CASE WHEN v_storm.leader_host = p_host AND v_storm.leader_backup_id = p_backup_id
                               THEN 'lead' ELSE 'member' END,
                          v_storm.id, v_storm.host_count, v_storm.kind, v_storm.label,
                          v_storm.leader_host, v_storm.window_ends_at;
      RETURN;
    END IF;
    SELECT count(DISTINCT f.host) INTO v_others FROM storm_failures f
     WHERE f.storm_key = v_key AND f.host <> p_host AND f.failed_at > v_now - v_window;
    IF v_others < p_after THEN
      RETURN QUERY SELECT 'alone'::text, NULL::bigint, v_others + 1, v_kind, v_label, NULL::text, NULL::timestamptz;
      RETURN;
    END IF;
    INSERT INTO storms (storm_key, kind, label, job, error_message, opened_at, window_ends_at,
                        leader_host, leader_backup_id, host_count, summary_count)
      VALUES (v_key, v_kind, v_label, p_job, p_error, v_now, v_now + v_window, p_host, p_backup_id, 0, 0)
      RETURNING * INTO v_storm;
    -- The hosts that failed on the key within the window are in it: the summary counts them.
    INSERT INTO storm_hosts
      SELECT DISTINCT ON (f.host) v_storm.id, f.host, f.backup_id FROM storm_failures f
       WHERE f.storm_key = v_key AND f.failed_at > v_now - v_window
       ORDER BY f.host, f.failed_at DESC
      ON CONFLICT DO NOTHING;
    UPDATE storms s SET host_count = (SELECT count(DISTINCT h.host) FROM storm_hosts h WHERE h.storm_id = s.id),
                        summary_count = (SELECT count(DISTINCT h.host) FROM storm_hosts h WHERE h.storm_id = s.id)
     WHERE s.id = v_storm.id RETURNING s.* INTO v_storm;
    RETURN QUERY SELECT 'lead'::text, v_storm.id, v_storm.host_count, v_storm.kind, v_storm.label,
                        v_storm.leader_host, v_storm.window_ends_at;
  END;
  $fn$;

  -- The end-of-window update: one storm whose window has ended, whose count grew after the
  -- summary, and whose update nobody sent, claimed by one caller (SKIP LOCKED: never twice).
  CREATE FUNCTION claim_storm_update(p_host text)
  RETURNS TABLE (storm_id bigint, host_count integer, kind text, label text, job text,
                 error_message text, opened_at timestamptz, hosts text[])
  LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $fn$
  DECLARE
    v_id bigint;
  BEGIN
    IF NOT storm_may_act(p_host) THEN
      RAISE EXCEPTION 'role % may not act for host %', session_user, p_host USING ERRCODE = '42501';
    END IF;
    SELECT s.id INTO v_id FROM storms s
     WHERE s.update_sent_at IS NULL AND s.window_ends_at <= clock_timestamp() AND s.host_count > s.summary_count
     ORDER BY s.window_ends_at LIMIT 1 FOR UPDATE SKIP LOCKED;
    IF v_id IS NULL THEN RETURN; END IF;
    UPDATE storms s SET update_sent_at = clock_timestamp(), update_sent_by = p_host WHERE s.id = v_id;
    RETURN QUERY SELECT s.id, s.host_count, s.kind, s.label, s.job, s.error_message, s.opened_at,
                        ARRAY(SELECT DISTINCT h.host FROM storm_hosts h WHERE h.storm_id = s.id ORDER BY h.host LIMIT 20)
                   FROM storms s WHERE s.id = v_id;
  END;
  $fn$;

  REVOKE ALL ON FUNCTION storm_may_act(text) FROM PUBLIC;
  REVOKE ALL ON FUNCTION claim_storm(text, text, text, text, text, text, timestamptz, integer, integer) FROM PUBLIC;
  REVOKE ALL ON FUNCTION claim_storm_update(text) FROM PUBLIC;
  -- The roles examples/fleet/roles.sql creates, when this centre has them (grants.sql says it too).
  DO $do$ BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'backup_alert_host') THEN
      GRANT EXECUTE ON FUNCTION claim_storm(text, text, text, text, text, text, timestamptz, integer, integer),
                                claim_storm_update(text) TO backup_alert_host;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'backup_alert_reader') THEN
      GRANT SELECT ON storms, storm_hosts TO backup_alert_reader;
    END IF;
  END $do$;
  ${LOCK_DOWN_FUNCTIONS}
  `,
};
