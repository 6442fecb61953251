-- A read-only role for dashboards, `backup-alert serve` over the centre, and the fleet check
-- (`backup-alert status --fleet --nagios`) on the monitoring server.
--
--   psql -d backup_alert -v reader=nagios -v password="$(cat nagios.pw)" -f examples/fleet/add-reader.sql
\set ON_ERROR_STOP on

CREATE ROLE :"reader" LOGIN PASSWORD :'password' IN ROLE backup_alert_reader;
-- A reader's queries are bounded too: a dashboard left open cannot hold a snapshot for hours.
ALTER ROLE :"reader" SET statement_timeout = '30s';
ALTER ROLE :"reader" SET idle_in_transaction_session_timeout = '60s';
-- Every host's rows ('*'); name hosts one by one instead to show a team only its own.
-- A '*' mapping reads; it never ships (the ship functions want the exact host name).
INSERT INTO host_roles (role_name, host) VALUES (:'reader', '*');
