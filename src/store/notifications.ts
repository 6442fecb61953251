import type Database from 'better-sqlite3';
import type { NewNotification, NotificationClaim, NotificationRow, NotificationStatus } from './rows.js';

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

  /** Rewrites a row that nobody has claimed (a heartbeat ping superseded by a newer one). */
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
   * Takes one row for one delivery round, exclusively: only the process whose update
   * matched owns it until `leaseUntil` (the row is "being sent"). Other processes neither
   * list nor claim it meanwhile; a sender that crashed loses the row when the lease runs
   * out, and it is pending again. `from: 'failed'` re-opens an alert that failed for good
   * (`retry --failed`) with a fresh attempt count.
   */
  claim(id: number, claim: NotificationClaim): boolean {
    const result = this.db
      .prepare(
        `UPDATE notification_logs SET claimed_by = @token, lease_until = @leaseUntil, status = 'pending',
           attempts = CASE WHEN @from = 'failed' THEN 1 WHEN @countRound THEN attempts + 1 ELSE attempts END
         WHERE id = @id AND status = @from AND (lease_until IS NULL OR lease_until <= @now)`,
      )
      .run({
        id,
        token: claim.token,
        leaseUntil: claim.leaseUntil,
        now: claim.now,
        from: claim.from,
        countRound: claim.countRound ? 1 : 0,
      });
    return result.changes === 1;
  }

  /**
   * Writes the outcome of a claimed round and lets the row go. Nothing is written when the
   * claim was lost (the lease ran out and another process took the row): the row is theirs.
   */
  settle(
    id: number,
    token: string,
    outcome: { status: NotificationStatus; errorMessage: string | null; sentAt: string },
  ): boolean {
    const result = this.db
      .prepare(
        `UPDATE notification_logs SET status = ?, error_message = ?, sent_at = ?, lease_until = NULL, claimed_by = NULL
         WHERE id = ? AND claimed_by = ?`,
      )
      .run(outcome.status, outcome.errorMessage, outcome.sentAt, id, token);
    return result.changes === 1;
  }

  /** Cheap check on every run: is there anything for `retry` to do? */
  hasPending(): boolean {
    return (
      this.db.prepare("SELECT 1 FROM notification_logs WHERE status = 'pending' LIMIT 1").pluck().get() === 1
    );
  }

  /** Alerts waiting for `retry`, those being sent right now included. */
  pendingCount(): number {
    return this.db
      .prepare("SELECT count(*) FROM notification_logs WHERE status = 'pending'")
      .pluck()
      .get() as number;
  }

  /** Pending rows nobody is sending right now (no lease, or one that ran out before `now`). */
  pending(now: string): NotificationRow[] {
    return this.db
      .prepare(
        `SELECT * FROM notification_logs WHERE status = 'pending' AND (lease_until IS NULL OR lease_until <= ?)
         ORDER BY created_at, id`,
      )
      .all(now) as NotificationRow[];
  }

  /**
   * Alerts that failed for good since `since`: nobody was told, and `retry` will not try
   * again. Not tests, and not heartbeat pings (channel `ping`: a newer ping supersedes an
   * older one, which is then `failed` on purpose).
   */
  failedSince(since: string): NotificationRow[] {
    return this.db
      .prepare(
        `SELECT * FROM notification_logs WHERE status = 'failed' AND notification_type != 'backup_test'
           AND channel != 'ping' AND created_at >= ? ORDER BY created_at, id`,
      )
      .all(since) as NotificationRow[];
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
