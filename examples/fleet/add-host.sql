-- One role per host: it may write only rows of its own host name (row-level security).
--
--   psql -d backup_alert -v host=db01 -v password="$(cat db01.pw)" -f examples/fleet/add-host.sql
--
-- On db01: BACKUP_ALERT_HOST=db01 and
--   BACKUP_ALERT_DATABASE_URL=postgres://db01:PASSWORD@centre:5432/backup_alert?sslmode=verify-full
-- (better in a file: BACKUP_ALERT_DATABASE_URL_FILE, or a systemd credential).
\set ON_ERROR_STOP on

-- A few connections are plenty (one sync at a time, plus `run`); the rest stay for others.
CREATE ROLE :"host" LOGIN PASSWORD :'password' IN ROLE backup_alert_host CONNECTION LIMIT 4;
INSERT INTO host_roles (role_name, host) VALUES (:'host', :'host');
