import type Database from 'better-sqlite3';
import type { NewSilence, SilenceRow } from './routing-rows.js';

/** silences: a type's alerts held for a while; failures are still recorded, and counted here. */
export class SilenceTable {
  constructor(private readonly db: Database.Database) {}

  add(silence: NewSilence): number {
    const result = this.db
      .prepare('INSERT INTO silences (type, reason, created_by, created_at, ends_at) VALUES (?, ?, ?, ?, ?)')
      .run(silence.type, silence.reason, silence.createdBy, silence.createdAt, silence.endsAt);
    return Number(result.lastInsertRowid);
  }

  get(id: number): SilenceRow | undefined {
    return this.db.prepare('SELECT * FROM silences WHERE id = ?').get(id) as SilenceRow | undefined;
  }

  /** Silences in force at `at` (not removed, not yet ended), for one type or all; the longest first. */
  active(at: string, type?: string): SilenceRow[] {
    const sql = `SELECT * FROM silences WHERE removed_at IS NULL AND ends_at > @at AND created_at <= @at
      ${type === undefined ? '' : 'AND type = @type'} ORDER BY ends_at DESC, id`;
    return this.db.prepare(sql).all(type === undefined ? { at } : { at, type }) as SilenceRow[];
  }

  /** Every silence, newest first (`silence list --all`). */
  all(limit: number): SilenceRow[] {
    return this.db.prepare('SELECT * FROM silences ORDER BY id DESC LIMIT ?').all(limit) as SilenceRow[];
  }

  /** Ends a silence now; true when it was in force. */
  remove(id: number, by: string, at: string): boolean {
    return (
      this.db
        .prepare(
          'UPDATE silences SET removed_at = ?, removed_by = ? WHERE id = ? AND removed_at IS NULL AND ends_at > ?',
        )
        .run(at, by, id, at).changes === 1
    );
  }

  /** One more alert held by this silence. */
  hold(id: number): void {
    this.db.prepare('UPDATE silences SET held_count = held_count + 1 WHERE id = ?').run(id);
  }

  /** Ended silences of a type that held alerts nobody has been told about yet. */
  unreported(type: string, at: string): SilenceRow[] {
    return this.db
      .prepare(
        `SELECT * FROM silences WHERE type = ? AND held_count > 0 AND reported_at IS NULL
           AND (removed_at IS NOT NULL OR ends_at <= ?) ORDER BY id`,
      )
      .all(type, at) as SilenceRow[];
  }

  /**
   * Ended silences of a type whose held count is still untold, claimed for one alert in the
   * transaction that reads them: of two alerts deciding at once, only one carries the count.
   */
  claimUnreported(type: string, at: string): SilenceRow[] {
    const update = this.db.prepare(
      'UPDATE silences SET reported_at = ? WHERE id = ? AND reported_at IS NULL',
    );
    return this.db
      .transaction(() => {
        const rows = this.unreported(type, at);
        return rows.filter((row) => update.run(at, row.id).changes === 1);
      })
      .immediate();
  }

  /** Gives a claim back (the alert reached no channel): the next alert says how many were held. */
  releaseClaim(ids: readonly number[], at: string): void {
    const update = this.db.prepare('UPDATE silences SET reported_at = NULL WHERE id = ? AND reported_at = ?');
    this.db.transaction(() => {
      for (const id of ids) update.run(id, at);
    })();
  }
}
