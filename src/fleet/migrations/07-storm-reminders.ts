import { LOCK_DOWN_FUNCTIONS } from './04-functions.js';
import type { CentreMigration } from './centre-migration.js';

/**
 * A storm's reminders (BACKUP_ALERT_REMIND), one per storm fleet-wide instead of one per
 * host: every host of a storm whose incident is still open comes due at about the same
 * time; the first to call claim_storm_reminder for reminder N sends it, with how many of
 * the storm's hosts still fail (their latest run of the job that failed in the storm is not
 * a success); the others learn it was sent and count it as theirs. A host claims only for
 * itself and only for a storm it is in. Compatible with 1: older hosts never call it.
 */
export const STORM_REMINDERS: CentreMigration = {
  version: 7,
  compatibleWith: 1,
  sql: `
  ALTER TABLE storms ADD COLUMN reminders_sent integer NOT NULL DEFAULT 0;
  ALTER TABLE storms ADD COLUMN last_reminder_at timestamptz;
  ALTER TABLE storms ADD COLUMN last_reminder_by text;

  CREATE FUNCTION claim_storm_reminder(p_host text, p_storm_id bigint, p_reminder integer)
  RETURNS TABLE (claimed boolean, still_failing integer, host_count integer, kind text, label text,
                 job text, hosts text[])
  LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $fn$
  DECLARE
    v_claimed integer;
  BEGIN
    IF NOT storm_may_act(p_host) THEN
      RAISE EXCEPTION 'role % may not act for host %', session_user, p_host USING ERRCODE = '42501';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM storm_hosts h WHERE h.storm_id = p_storm_id AND h.host = p_host) THEN
      RAISE EXCEPTION 'host % is not in storm %', p_host, p_storm_id USING ERRCODE = '42501';
    END IF;
    UPDATE storms s SET reminders_sent = p_reminder, last_reminder_at = clock_timestamp(),
                        last_reminder_by = p_host
     WHERE s.id = p_storm_id AND s.reminders_sent < p_reminder;
    GET DIAGNOSTICS v_claimed = ROW_COUNT;
    RETURN QUERY
      WITH failing AS (
        SELECT DISTINCT h.host FROM storm_hosts h
          JOIN storm_failures f ON f.host = h.host AND f.backup_id = h.backup_id
          LEFT JOIN latest_runs lr ON lr.host = f.host AND lr.job = f.job
         WHERE h.storm_id = p_storm_id AND lr.status IS DISTINCT FROM 'success'
      )
      SELECT v_claimed = 1, (SELECT count(*)::integer FROM failing), s.host_count, s.kind, s.label, s.job,
             ARRAY(SELECT host FROM failing ORDER BY host LIMIT 20)
        FROM storms s WHERE s.id = p_storm_id;
  END;
  $fn$;

  DO $do$ BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'backup_alert_host') THEN
      GRANT EXECUTE ON FUNCTION claim_storm_reminder(text, bigint, integer) TO backup_alert_host;
    END IF;
  END $do$;
  ${LOCK_DOWN_FUNCTIONS}
  `,
};
