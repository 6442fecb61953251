-- One role per host: it may ship only as its own host name (the functions check host_roles).
--
--   psql -d backup_alert -v host=db01 -v password="$(cat db01.pw)" -f examples/fleet/add-host.sql
--
-- On db01: BACKUP_ALERT_HOST=db01 and
--   BACKUP_ALERT_DATABASE_URL=postgres://db01:PASSWORD@centre:5432/backup_alert?sslmode=verify-full
-- (better in a file: BACKUP_ALERT_DATABASE_URL_FILE, or a systemd credential).
\set ON_ERROR_STOP on

-- A few connections are plenty (one sync at a time, plus `run`); the rest stay for others.
CREATE ROLE :"host" LOGIN PASSWORD :'password' IN ROLE backup_alert_host CONNECTION LIMIT 4;
-- Bounds on what one host's session can hold: a lock it waits for, a statement, a
-- transaction left open. (A host writes only its own rows, so none of these can stall another
-- host; they keep a stuck host from holding a connection slot for long.)
ALTER ROLE :"host" SET lock_timeout = '5s';
ALTER ROLE :"host" SET statement_timeout = '30s';
ALTER ROLE :"host" SET idle_in_transaction_session_timeout = '30s';
INSERT INTO host_roles (role_name, host) VALUES (:'host', :'host');
