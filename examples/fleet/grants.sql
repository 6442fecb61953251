-- backup-alert fleet, step 3 of 3: what the groups may do, once `backup-alert fleet migrate`
-- has created the tables. Run as a superuser or backup_alert_admin; run it again after every
-- upgrade whose notes say a migration added a table or a function (schema 4 did).
--
--   psql -d backup_alert -f examples/fleet/grants.sql
\set ON_ERROR_STOP on

-- Hosts: no table privilege at all, so no host can read, change or LOCK a table. They write
-- only through ship_batch and heartbeat, SECURITY DEFINER functions that check inside which
-- host the calling role is mapped to in host_roles (schema 4), and learn the schema version
-- from centre_schema_state(). Every function of the schema is closed to PUBLIC by the
-- migration; these are the ones opened again.
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM backup_alert_host;
GRANT EXECUTE ON FUNCTION ship_batch, heartbeat, ship_check, centre_schema_state TO backup_alert_host;

-- Readers: everything, read-only. The three *_counts tables (schema version 2) give
-- `backup-alert serve` its exact totals; triggers keep them, hosts never write them.
-- host_clashes (schema 4): installations refused because another owns their host name.
GRANT SELECT ON hosts, backup_logs, notification_logs, backup_audit_logs, latest_runs, schema_version, host_roles
  TO backup_alert_reader;
GRANT SELECT ON backup_log_counts, notification_log_counts, audit_log_counts, host_clashes TO backup_alert_reader;
GRANT EXECUTE ON FUNCTION centre_schema_state TO backup_alert_reader;
-- host_summary (schema 6): one row per host kept by the centre, what `status --fleet --nagios`
-- and the dashboard count; under the same row-level security.
GRANT SELECT ON host_summary TO backup_alert_reader;

-- Row-level security is on for the fleet tables (the migration enables it): a reader sees
-- only rows whose host it is mapped to in host_roles (`*` = every host). Table owners
-- bypass it; if backup_alert_admin is ever used by a dashboard, bind it too with:
--   ALTER TABLE hosts FORCE ROW LEVEL SECURITY;   (and the other tables)
--   INSERT INTO host_roles VALUES ('backup_alert_admin', '*');

-- Storm control (schema version 5, issue 26): hosts claim storms only through these two
-- SECURITY DEFINER functions (the tables are closed to them); readers see the storms.
GRANT EXECUTE ON FUNCTION claim_storm(text, text, text, text, text, text, timestamptz, integer, integer),
                          claim_storm_update(text) TO backup_alert_host;
-- A storm's reminders, one per storm fleet-wide (schema version 7).
GRANT EXECUTE ON FUNCTION claim_storm_reminder(text, bigint, integer) TO backup_alert_host;
GRANT SELECT ON storms, storm_hosts TO backup_alert_reader;
