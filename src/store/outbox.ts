import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';

/**
 * The local side of the fleet: which rows the centre has not acknowledged yet. Each row has
 * a `revision` (1 on insert, bumped by a trigger on every update) and the `acked_revision`
 * the centre last committed; a partial index holds only the rows where they differ, so
 * finding the backlog never reads the tables (schema.ts, migration 2).
 */
export const OUTBOX_TABLES = ['backup_logs', 'notification_logs', 'backup_audit_logs'] as const;
export type OutboxTable = (typeof OUTBOX_TABLES)[number];

/** One row in its current state, with the revision of that state. */
export interface OutboxItem {
  id: number;
  revision: number;
  /** Every column, as SQLite returns it (new columns other migrations add come along). */
  row: Record<string, unknown>;
}

export interface Ack {
  id: number;
  revision: number;
}

export interface Backlog {
  total: number;
  byTable: Record<OutboxTable, number>;
}

// Table names are interpolated into SQL: only ever one of these three.
function checked(table: OutboxTable): OutboxTable {
  if (!OUTBOX_TABLES.includes(table)) throw new Error(`not an outbox table: ${String(table)}`);
  return table;
}

/** Up to `limit` unacknowledged rows with an id above `afterId`, oldest first. */
export function unsentBatch(
  db: Database.Database,
  table: OutboxTable,
  limit: number,
  afterId = 0,
): OutboxItem[] {
  const rows = db
    .prepare(`SELECT * FROM ${checked(table)} WHERE revision > acked_revision AND id > ? ORDER BY id LIMIT ?`)
    .all(afterId, limit) as Array<Record<string, unknown>>;
  return rows.map((row) => ({ id: Number(row['id']), revision: Number(row['revision']), row }));
}

/**
 * Records what the centre has committed. Call only after its COMMIT returned. A row updated
 * since it was read keeps a higher revision than the one acknowledged, so it ships again.
 */
export function markAcknowledged(db: Database.Database, table: OutboxTable, acks: readonly Ack[]): number {
  const update = db.prepare(
    `UPDATE ${checked(table)} SET acked_revision = @revision WHERE id = @id AND acked_revision < @revision`,
  );
  return db.transaction(() => {
    let changed = 0;
    for (const ack of acks) changed += update.run(ack).changes;
    return changed;
  })();
}

/** Rows still to ship, per table; counted from the partial indexes alone. */
export function backlogSize(db: Database.Database): Backlog {
  const byTable = {} as Record<OutboxTable, number>;
  let total = 0;
  for (const table of OUTBOX_TABLES) {
    const count = db
      .prepare(`SELECT count(*) FROM ${table} WHERE revision > acked_revision`)
      .pluck()
      .get() as number;
    byTable[table] = count;
    total += count;
  }
  return { total, byTable };
}

/**
 * This database's identity in the fleet, made once. Two machines configured with the same
 * host name have different ones, so the centre can refuse the second instead of mixing them;
 * a database restored on a new machine keeps its own and carries on.
 */
export function instanceId(db: Database.Database, make: () => string = randomUUID): string {
  // Made on first use rather than by a migration: only databases that ship have one.
  db.exec('CREATE TABLE IF NOT EXISTS fleet_outbox (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
  db.prepare("INSERT OR IGNORE INTO fleet_outbox (key, value) VALUES ('instance_id', ?)").run(make());
  return db.prepare("SELECT value FROM fleet_outbox WHERE key = 'instance_id'").pluck().get() as string;
}
