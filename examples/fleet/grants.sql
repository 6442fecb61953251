-- backup-alert fleet, step 3 of 3: what the groups may do, once `backup-alert fleet migrate`
-- has created the tables. Run as a superuser or backup_alert_admin; run it again after an
-- upgrade whose notes say a migration added a table.
--
--   psql -d backup_alert -f examples/fleet/grants.sql
\set ON_ERROR_STOP on

-- Hosts: insert and update (the upsert of a newer state), read back their own rows for the
-- upsert; no DELETE, no TRUNCATE, no DDL; host_roles and latest_runs (kept by a trigger)
-- are read-only for them.
GRANT SELECT, INSERT, UPDATE ON hosts, backup_logs, notification_logs, backup_audit_logs TO backup_alert_host;
GRANT SELECT ON schema_version, host_roles, latest_runs TO backup_alert_host;

-- Readers: everything, read-only. The three *_counts tables (schema version 2) give
-- `backup-alert serve` its exact totals; triggers keep them, hosts never write them.
GRANT SELECT ON hosts, backup_logs, notification_logs, backup_audit_logs, latest_runs, schema_version, host_roles
  TO backup_alert_reader;
GRANT SELECT ON backup_log_counts, notification_log_counts, audit_log_counts TO backup_alert_reader;

-- Row-level security is on for the four fleet tables (the migration enables it): a role sees
-- and writes only rows whose host it is mapped to in host_roles (`*` = every host). Table
-- owners bypass it; if backup_alert_admin is ever used by a host, bind it too with:
--   ALTER TABLE hosts FORCE ROW LEVEL SECURITY;   (and the three log tables)
--   INSERT INTO host_roles VALUES ('backup_alert_admin', '*');

-- Storm control (schema version 6, issue 26): hosts claim storms only through these two
-- SECURITY DEFINER functions (the tables are closed to them); readers see the storms.
GRANT EXECUTE ON FUNCTION claim_storm(text, text, text, text, text, text, timestamptz, integer, integer),
                          claim_storm_update(text) TO backup_alert_host;
GRANT SELECT ON storms TO backup_alert_reader;
