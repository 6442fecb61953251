import type Database from 'better-sqlite3';
import type { AlertDelivery, IncidentCause, IncidentRow } from './routing-rows.js';

/** A bare string is a type standing for its own job (runs that named no job). */
function keyOf(of: string | { job: string; type: string }): { job: string; type: string } {
  return typeof of === 'string' ? { job: of, type: of } : of;
}

/**
 * incidents: one open row per host × job (a partial unique index; issue 21), from the first
 * failure or missed run to the next success. Every change that two processes could race
 * on (`run` and `watch` from a timer) is a single guarded UPDATE or an IMMEDIATE transaction.
 */
export class IncidentTable {
  constructor(private readonly db: Database.Database) {}

  get(id: number): IncidentRow | undefined {
    return this.db.prepare('SELECT * FROM incidents WHERE id = ?').get(id) as IncidentRow | undefined;
  }

  openFor(host: string, job: string): IncidentRow | undefined {
    return this.db
      .prepare('SELECT * FROM incidents WHERE host = ? AND job = ? AND closed_at IS NULL')
      .get(host, job) as IncidentRow | undefined;
  }

  /** Open incidents on a host, oldest first. */
  openOn(host: string): IncidentRow[] {
    return this.db
      .prepare('SELECT * FROM incidents WHERE host = ? AND closed_at IS NULL ORDER BY opened_at, id')
      .all(host) as IncidentRow[];
  }

  /** A failed run: opens the incident (the run is its first) or counts the run on the open one. */
  recordFailure(
    host: string,
    of: string | { job: string; type: string },
    backupId: string,
    at: string,
  ): { incident: IncidentRow; opened: boolean } {
    return this.db
      .transaction(() => {
        const key = keyOf(of);
        const open = this.openFor(host, key.job);
        if (open) {
          this.db
            .prepare('UPDATE incidents SET failed_runs = failed_runs + 1, last_backup_id = ? WHERE id = ?')
            .run(backupId, open.id);
          return { incident: this.get(open.id)!, opened: false };
        }
        return { incident: this.insert(host, key, 'failure', at, backupId), opened: true };
      })
      .immediate();
  }

  /** A job found missing: opens an incident unless one is open already. */
  recordMissing(
    host: string,
    of: string | { job: string; type: string },
    at: string,
  ): { incident: IncidentRow; opened: boolean } {
    return this.db
      .transaction(() => {
        const key = keyOf(of);
        const open = this.openFor(host, key.job);
        if (open) return { incident: open, opened: false };
        return { incident: this.insert(host, key, 'missing', at, null), opened: true };
      })
      .immediate();
  }

  private insert(
    host: string,
    key: { job: string; type: string },
    cause: IncidentCause,
    at: string,
    backupId: string | null,
  ): IncidentRow {
    const result = this.db
      .prepare(
        `INSERT INTO incidents (host, job, type, cause, opened_at, first_backup_id, last_backup_id, failed_runs)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(host, key.job, key.type, cause, at, backupId, backupId, backupId ? 1 : 0);
    return this.get(Number(result.lastInsertRowid))!;
  }

  /** A success: closes the open incident, if any, and returns it as closed. */
  close(host: string, job: string, backupId: string, at: string): IncidentRow | undefined {
    // Most successes close nothing: a plain read first keeps the write lock off the success path.
    if (!this.openFor(host, job)) return undefined;
    return this.db
      .transaction(() => {
        const open = this.openFor(host, job);
        if (!open) return undefined;
        this.db
          .prepare('UPDATE incidents SET closed_at = ?, closed_by = ? WHERE id = ? AND closed_at IS NULL')
          .run(at, backupId, open.id);
        return this.get(open.id);
      })
      .immediate();
  }

  /** The one backup_missing alert of an incident: true for the one process that gets to send it. */
  claimMissingAlert(id: number, at: string): boolean {
    return (
      this.db
        .prepare(
          `UPDATE incidents SET missing_alerted_at = ?, last_alert_at = ?
           WHERE id = ? AND missing_alerted_at IS NULL AND closed_at IS NULL`,
        )
        .run(at, at, id).changes === 1
    );
  }

  /** Reminder number `sent + 1`: true for the one process that gets to send it. */
  claimReminder(id: number, sent: number, at: string): boolean {
    return (
      this.db
        .prepare(
          `UPDATE incidents SET reminders_sent = reminders_sent + 1, last_alert_at = ?
           WHERE id = ? AND reminders_sent = ? AND closed_at IS NULL`,
        )
        .run(at, id, sent).changes === 1
    );
  }

  /** Its failure was folded into the centre's storm `stormId` (as leader or member). */
  joinStorm(id: number, stormId: number): void {
    this.db.prepare('UPDATE incidents SET storm_id = ? WHERE id = ?').run(stormId, id);
  }

  /** A failure alert about the incident was sent now: reminders count from it. */
  noteAlert(id: number, at: string): void {
    this.db.prepare('UPDATE incidents SET last_alert_at = ? WHERE id = ?').run(at, id);
  }

  /** The notification rows written for the incident's latest alert (and anything after it). */
  latestAlertDeliveries(incident: Pick<IncidentRow, 'id' | 'last_alert_at'>): AlertDelivery[] {
    if (!incident.last_alert_at) return [];
    return this.db
      .prepare('SELECT status, sent_at FROM notification_logs WHERE incident_id = ? AND created_at >= ?')
      .all(incident.id, incident.last_alert_at) as AlertDelivery[];
  }
}
