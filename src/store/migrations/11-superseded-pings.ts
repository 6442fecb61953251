/**
 * A heartbeat ping superseded by a newer one is stored `failed` (the status CHECK has no
 * other word for "not sent, on purpose") with the error PING_SUPERSEDED. It is no lost
 * alert: the delivery counters behind notifications_total{status="failed"} (and the shipped
 * BackupAlertsLost rule) skip it. The text must match alert/ping-rows.ts PING_SUPERSEDED.
 */
export const SUPERSEDED_PINGS = `
  DROP TRIGGER metrics_notifications_insert;
  DROP TRIGGER metrics_notifications_update;
  CREATE TRIGGER metrics_notifications_insert AFTER INSERT ON notification_logs
    WHEN NEW.status IN ('sent', 'failed')
      AND NOT (NEW.status = 'failed' AND NEW.error_message IS 'superseded by a newer heartbeat; not sent')
  BEGIN
    INSERT INTO metrics_notifications (channel, status, notifications) VALUES (NEW.channel, NEW.status, 1)
      ON CONFLICT (channel, status) DO UPDATE SET notifications = notifications + 1;
  END;
  CREATE TRIGGER metrics_notifications_update AFTER UPDATE OF status ON notification_logs
    WHEN NEW.status <> OLD.status AND NEW.status IN ('sent', 'failed')
      AND NOT (NEW.status = 'failed' AND NEW.error_message IS 'superseded by a newer heartbeat; not sent')
  BEGIN
    INSERT INTO metrics_notifications (channel, status, notifications) VALUES (NEW.channel, NEW.status, 1)
      ON CONFLICT (channel, status) DO UPDATE SET notifications = notifications + 1;
  END;
  `;
