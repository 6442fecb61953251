/**
 * serve (issue 14): the API's lists newest first with any filter, and an exact total
 * without counting a million rows. backup_log_counts is kept by triggers, so
 * `total` is a sum over (host, type, status) rows instead of a count of runs.
 */
export const SERVE = `
  CREATE INDEX backup_logs_started ON backup_logs (started_at);
  CREATE INDEX backup_logs_host_started ON backup_logs (host, started_at);
  CREATE INDEX backup_logs_host_type_started ON backup_logs (host, type, started_at, status);
  CREATE INDEX notification_logs_created ON notification_logs (created_at);
  CREATE INDEX notification_logs_backup ON notification_logs (backup_id);

  CREATE TABLE backup_log_counts (
    host   TEXT NOT NULL,
    type   TEXT NOT NULL,
    status TEXT NOT NULL,
    n      INTEGER NOT NULL,
    PRIMARY KEY (host, type, status)
  ) WITHOUT ROWID;
  INSERT INTO backup_log_counts (host, type, status, n)
    SELECT coalesce(host, ''), type, status, count(*) FROM backup_logs GROUP BY 1, 2, 3;

  CREATE TRIGGER backup_log_counts_insert AFTER INSERT ON backup_logs BEGIN
    INSERT INTO backup_log_counts (host, type, status, n) VALUES (coalesce(new.host, ''), new.type, new.status, 1)
      ON CONFLICT (host, type, status) DO UPDATE SET n = n + 1;
  END;
  CREATE TRIGGER backup_log_counts_delete AFTER DELETE ON backup_logs BEGIN
    UPDATE backup_log_counts SET n = n - 1
      WHERE host = coalesce(old.host, '') AND type = old.type AND status = old.status;
  END;
  CREATE TRIGGER backup_log_counts_update AFTER UPDATE OF host, type, status ON backup_logs
    WHEN old.host IS NOT new.host OR old.type IS NOT new.type OR old.status IS NOT new.status
  BEGIN
    UPDATE backup_log_counts SET n = n - 1
      WHERE host = coalesce(old.host, '') AND type = old.type AND status = old.status;
    INSERT INTO backup_log_counts (host, type, status, n) VALUES (coalesce(new.host, ''), new.type, new.status, 1)
      ON CONFLICT (host, type, status) DO UPDATE SET n = n + 1;
  END;
  `;
