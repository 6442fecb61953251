/**
 * The outbox for the fleet's centre (src/store/outbox.ts). Every insert is revision 1 and
 * every later update bumps it (the trigger), so "not yet acknowledged" is revision >
 * acked_revision, found through a partial index that holds only those rows. Rows from
 * before this migration ship too: the centre gets the whole history once.
 */
export const FLEET_OUTBOX = `
  ALTER TABLE backup_logs ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE backup_logs ADD COLUMN acked_revision INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX backup_logs_unsent ON backup_logs (id) WHERE revision > acked_revision;
  CREATE TRIGGER backup_logs_revision AFTER UPDATE ON backup_logs
    WHEN NEW.revision = OLD.revision AND NEW.acked_revision = OLD.acked_revision
    BEGIN UPDATE backup_logs SET revision = OLD.revision + 1 WHERE id = OLD.id; END;

  ALTER TABLE notification_logs ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE notification_logs ADD COLUMN acked_revision INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX notification_logs_unsent ON notification_logs (id) WHERE revision > acked_revision;
  CREATE TRIGGER notification_logs_revision AFTER UPDATE ON notification_logs
    WHEN NEW.revision = OLD.revision AND NEW.acked_revision = OLD.acked_revision
    BEGIN UPDATE notification_logs SET revision = OLD.revision + 1 WHERE id = OLD.id; END;

  ALTER TABLE backup_audit_logs ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE backup_audit_logs ADD COLUMN acked_revision INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX backup_audit_logs_unsent ON backup_audit_logs (id) WHERE revision > acked_revision;
  CREATE TRIGGER backup_audit_logs_revision AFTER UPDATE ON backup_audit_logs
    WHEN NEW.revision = OLD.revision AND NEW.acked_revision = OLD.acked_revision
    BEGIN UPDATE backup_audit_logs SET revision = OLD.revision + 1 WHERE id = OLD.id; END;
  `;
