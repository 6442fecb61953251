import type Database from 'better-sqlite3';
import type { NewNotification, NotificationRow, NotificationStatus } from './rows.js';

/** notification_logs: one row per channel attempt; `pending` rows carry the alert for `retry`. */
export class NotificationTable {
  constructor(private readonly db: Database.Database) {}

  insert(n: NewNotification): number {
    const result = this.db
      .prepare(
        `INSERT INTO notification_logs (notification_type, channel, recipient, subject, status, error_message,
           sent_at, attempts, payload, backup_id, created_at, channel_name, incident_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        n.notificationType,
        n.channel,
        n.recipient,
        n.subject,
        n.status,
        n.errorMessage,
        n.sentAt,
        n.attempts,
        n.payload,
        n.backupId,
        n.sentAt,
        n.channelName ?? null,
        n.incidentId ?? null,
      );
    return Number(result.lastInsertRowid);
  }

  update(
    id: number,
    patch: { status: NotificationStatus; errorMessage: string | null; sentAt: string; attempts: number },
  ): void {
    this.db
      .prepare(
        'UPDATE notification_logs SET status = ?, error_message = ?, sent_at = ?, attempts = ? WHERE id = ?',
      )
      .run(patch.status, patch.errorMessage, patch.sentAt, patch.attempts, id);
  }

  /**
   * Takes a pending row for one re-send: true only for the one process whose update matched,
   * so a `retry` racing a `run` never sends the same alert twice.
   */
  claim(id: number, attempts: number): boolean {
    const result = this.db
      .prepare(
        "UPDATE notification_logs SET attempts = attempts + 1 WHERE id = ? AND status = 'pending' AND attempts = ?",
      )
      .run(id, attempts);
    return result.changes === 1;
  }

  /** Cheap check on every run: is there anything for `retry` to do? */
  hasPending(): boolean {
    return (
      this.db.prepare("SELECT 1 FROM notification_logs WHERE status = 'pending' LIMIT 1").pluck().get() === 1
    );
  }

  pending(): NotificationRow[] {
    return this.db
      .prepare("SELECT * FROM notification_logs WHERE status = 'pending' ORDER BY created_at, id")
      .all() as NotificationRow[];
  }

  list(backupId?: string): NotificationRow[] {
    return (
      backupId
        ? this.db.prepare('SELECT * FROM notification_logs WHERE backup_id = ? ORDER BY id').all(backupId)
        : this.db.prepare('SELECT * FROM notification_logs ORDER BY id').all()
    ) as NotificationRow[];
  }

  /**
   * When the first notification for a run was attempted, or undefined when it was never alerted.
   * A slow-run warning or a reminder naming the run is not its failure alert.
   */
  firstAttemptAt(backupId: string): string | undefined {
    const value = this.db
      .prepare(
        `SELECT MIN(created_at) FROM notification_logs
         WHERE backup_id = ? AND notification_type NOT IN ('backup_slow', 'backup_reminder')`,
      )
      .pluck()
      .get(backupId) as string | null;
    return value ?? undefined;
  }
}
