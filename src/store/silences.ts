import type Database from 'better-sqlite3';
import type { NewSilence, SilenceRow } from './routing-rows.js';

/** A silence holds a job: named, or as one of the jobs of its type. */
const MATCHES = '(job = @job OR (job IS NULL AND type = @type))';

function keyOf(of: string | { job: string; type: string }): { job: string; type: string } {
  return typeof of === 'string' ? { job: of, type: of } : of;
}

/** silences: a type's alerts held for a while; failures are still recorded, and counted here. */
export class SilenceTable {
  constructor(private readonly db: Database.Database) {}

  add(silence: NewSilence): number {
    const result = this.db
      .prepare(
        'INSERT INTO silences (type, job, reason, created_by, created_at, ends_at) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(
        silence.type,
        silence.job ?? null,
        silence.reason,
        silence.createdBy,
        silence.createdAt,
        silence.endsAt,
      );
    return Number(result.lastInsertRowid);
  }

  get(id: number): SilenceRow | undefined {
    return this.db.prepare('SELECT * FROM silences WHERE id = ?').get(id) as SilenceRow | undefined;
  }

  /**
   * Silences in force at `at` (not removed, not yet ended), for one job or all; the longest
   * first. A silence of a type (no job) holds every job of that type; a job's holds that job.
   * A bare string is a type (its job being the type), as before jobs.
   */
  active(at: string, of?: string | { job: string; type: string }): SilenceRow[] {
    const sql = `SELECT * FROM silences WHERE removed_at IS NULL AND ends_at > @at AND created_at <= @at
      ${of === undefined ? '' : `AND ${MATCHES}`} ORDER BY ends_at DESC, id`;
    return this.db.prepare(sql).all(of === undefined ? { at } : { at, ...keyOf(of) }) as SilenceRow[];
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

  /** Ended silences of a job (or its type) that held alerts nobody has been told about yet. */
  unreported(of: string | { job: string; type: string }, at: string): SilenceRow[] {
    return this.db
      .prepare(
        `SELECT * FROM silences WHERE ${MATCHES} AND held_count > 0 AND reported_at IS NULL
           AND (removed_at IS NOT NULL OR ends_at <= @at) ORDER BY id`,
      )
      .all({ ...keyOf(of), at }) as SilenceRow[];
  }

  /**
   * Ended silences of a job (or its type) whose held count is still untold, claimed for one
   * alert in the transaction that reads them: of two alerts deciding at once, only one carries the count.
   */
  claimUnreported(of: string | { job: string; type: string }, at: string): SilenceRow[] {
    const update = this.db.prepare(
      'UPDATE silences SET reported_at = ? WHERE id = ? AND reported_at IS NULL',
    );
    return this.db
      .transaction(() => {
        const rows = this.unreported(of, at);
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
