import type Database from 'better-sqlite3';
import { errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { AuditEntry } from './rows.js';

/** backup_audit_logs (runbook §9.4). */
export class AuditTable {
  constructor(private readonly db: Database.Database) {}

  write(entry: AuditEntry): void {
    this.db
      .prepare(
        `INSERT INTO backup_audit_logs (operation, backup_id, username, ip_address, status, details, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        entry.operation,
        entry.backupId,
        entry.username,
        entry.host,
        entry.status,
        entry.details === undefined ? null : JSON.stringify(entry.details),
        entry.createdAt,
      );
  }

  /** Proves the database takes a write, without leaving one behind (doctor). */
  probeWrite(createdAt: string): void {
    const probe = this.db.prepare(
      "INSERT INTO backup_audit_logs (operation, status, created_at) VALUES ('doctor-probe', 'probe', ?)",
    );
    const rollback = new Error('rollback');
    try {
      this.db.transaction(() => {
        probe.run(createdAt);
        throw rollback;
      })();
    } catch (error) {
      if (error !== rollback) throw error;
    }
  }
}

/** Who did it, for every audit row. */
export interface Actor {
  username: string;
  hostname: string;
  now: () => Date;
  logger: Logger;
}

/**
 * Appends an audit row. The audit trail must never break the operation it
 * records, so a write failure is only logged.
 */
export function recordAudit(
  audit: Pick<AuditTable, 'write'>,
  actor: Actor,
  entry: { operation: string; backupId?: string | null; status: string; details?: unknown },
): void {
  try {
    audit.write({
      operation: entry.operation,
      backupId: entry.backupId ?? null,
      username: actor.username,
      host: actor.hostname,
      status: entry.status,
      details: entry.details,
      createdAt: actor.now().toISOString(),
    });
  } catch (error) {
    actor.logger.warn('Audit', `Could not write audit row for ${entry.operation}: ${errorMessage(error)}`);
  }
}
