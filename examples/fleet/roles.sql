-- backup-alert fleet, step 1 of 3: roles and the database. Run once as a PostgreSQL superuser:
--
--   psql -v admin_password="$(cat admin.pw)" -f examples/fleet/roles.sql
--
-- Then, step 2: `backup-alert fleet migrate` with BACKUP_ALERT_DATABASE_URL set to
--   postgres://backup_alert_admin:PASSWORD@centre:5432/backup_alert?sslmode=verify-full
-- and step 3: `psql -d backup_alert -f examples/fleet/grants.sql`.
-- Each host then gets its own role with examples/fleet/add-host.sql.
\set ON_ERROR_STOP on

-- Owns the schema and runs `backup-alert fleet migrate`: the only role that may change tables.
CREATE ROLE backup_alert_admin LOGIN PASSWORD :'admin_password';
-- Groups: hosts write their own rows, readers (dashboards, `status --fleet`) read.
CREATE ROLE backup_alert_host NOLOGIN;
CREATE ROLE backup_alert_reader NOLOGIN;

CREATE DATABASE backup_alert OWNER backup_alert_admin;
REVOKE ALL ON DATABASE backup_alert FROM PUBLIC;
GRANT CONNECT ON DATABASE backup_alert TO backup_alert_host, backup_alert_reader;

\connect backup_alert
-- No one but the owner creates anything here (PostgreSQL 15 already keeps CREATE from PUBLIC).
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO backup_alert_host, backup_alert_reader;
