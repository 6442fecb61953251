import type { ClientBase } from 'pg';
import type { OutboxItem, OutboxTable } from '../store/outbox.js';

/** How one local column becomes a central one. */
interface Column {
  name: string;
  type: 'text' | 'bigint' | 'integer' | 'timestamptz';
  from: (row: Record<string, unknown>) => unknown;
}

interface TableSpec {
  columns: readonly Column[];
  /** The central key: host plus what identifies the row on its host. */
  conflict: string;
  /** Extra condition for replacing a stored row (beyond "the incoming revision is newer"). */
  guard: string;
}

const EPOCH = '1970-01-01T00:00:00.000Z';

// PostgreSQL text cannot hold NUL, and a script's output tail may: one such byte must not
// block the backlog forever.
const text = (value: unknown): string | null =>
  value === null || value === undefined ? null : String(value).replace(/\u0000/g, '');
const int = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? Math.trunc(value) : null;
const time = (value: unknown): string | null =>
  typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? value : null;

const col = (name: string, type: Column['type'], from?: Column['from']): Column => ({
  name,
  type,
  from:
    from ??
    ((row) =>
      type === 'text' ? text(row[name]) : type === 'timestamptz' ? time(row[name]) : int(row[name])),
});

const common = [col('local_id', 'bigint', (row) => int(row['id'])), col('revision', 'bigint')];

const SPECS: Record<OutboxTable, TableSpec> = {
  backup_logs: {
    conflict: '(host, backup_id)',
    // The same backup ID from another database (a host that was replaced) never overwrites.
    guard: 'AND t.instance_id = EXCLUDED.instance_id',
    columns: [
      col('backup_id', 'text'),
      ...common,
      col('type', 'text'),
      col('status', 'text'),
      col('started_at', 'timestamptz', (row) => time(row['started_at']) ?? time(row['finished_at']) ?? EPOCH),
      col('finished_at', 'timestamptz'),
      col('duration_ms', 'bigint'),
      col('exit_code', 'integer'),
      col('signal', 'text'),
      col('error_message', 'text'),
      col('output_tail', 'text'),
      col('script', 'text'),
      col('log_path', 'text'),
      // Columns a later local migration adds ("False success"); null until then.
      col('artifact_path', 'text'),
      col('artifact_bytes', 'bigint'),
    ],
  },
  notification_logs: {
    conflict: '(host, instance_id, local_id, created_at)',
    guard: '',
    columns: [
      ...common,
      col('notification_type', 'text'),
      col('channel', 'text'),
      // The registered channel's name (runbook §8.1.3), when the alert went through one.
      col('channel_name', 'text'),
      col('recipient', 'text'),
      col('subject', 'text'),
      col('status', 'text'),
      col('error_message', 'text'),
      col('sent_at', 'timestamptz'),
      col('attempts', 'integer', (row) => int(row['attempts']) ?? 0),
      col('backup_id', 'text'),
      col('created_at', 'timestamptz', (row) => time(row['created_at']) ?? time(row['sent_at']) ?? EPOCH),
    ],
  },
  backup_audit_logs: {
    conflict: '(host, instance_id, local_id, created_at)',
    guard: '',
    columns: [
      ...common,
      col('operation', 'text'),
      col('backup_id', 'text'),
      col('username', 'text'),
      col('ip_address', 'text'),
      col('status', 'text'),
      col('details', 'text'),
      col('created_at', 'timestamptz', (row) => time(row['created_at']) ?? EPOCH),
    ],
  },
};

/**
 * One statement per batch: the rows travel as one array per column (unnest), so a batch of
 * 500 is one round trip with a fixed number of parameters. A stored row is replaced only by
 * a newer revision of itself: a late or repeated shipment of an old state changes nothing,
 * whatever either clock says.
 */
function upsertSql(table: OutboxTable): string {
  const { columns, conflict, guard } = SPECS[table];
  const names = columns.map((c) => c.name);
  const arrays = columns.map((c, i) => `$${i + 3}::${c.type}[]`);
  const updates = names.filter((name) => name !== 'backup_id' && name !== 'created_at');
  return `INSERT INTO ${table} AS t (host, instance_id, ${names.join(', ')})
    SELECT $1, $2::uuid, u.* FROM unnest(${arrays.join(', ')}) AS u(${names.join(', ')})
    ON CONFLICT ${conflict} DO UPDATE SET ${updates.map((n) => `${n} = EXCLUDED.${n}`).join(', ')},
      received_at = now()
    WHERE t.revision < EXCLUDED.revision ${guard}`;
}

const SQL = Object.fromEntries(
  (Object.keys(SPECS) as OutboxTable[]).map((table) => [table, upsertSql(table)]),
) as Record<OutboxTable, string>;

/** Upserts one batch of one table inside the caller's transaction; returns rows written. */
export async function upsertBatch(
  client: ClientBase,
  table: OutboxTable,
  host: string,
  instance: string,
  items: readonly OutboxItem[],
): Promise<number> {
  const { columns } = SPECS[table];
  const arrays = columns.map((c) => items.map((item) => c.from(item.row)));
  const result = await client.query(SQL[table], [host, instance, ...arrays]);
  return result.rowCount ?? 0;
}

export interface HostClaim {
  host: string;
  instance: string;
  version: string;
  expectations: Readonly<Record<string, number>>;
  /** The host's clock now: the centre records how far it is off. */
  hostNow: Date;
  /** Replace the instance that owns the name (this host replaced it). */
  takeOver: boolean;
}

/**
 * Upserts the `hosts` row (last_seen_at by the centre's clock) as the first statement of a
 * batch's transaction. False when the name belongs to another installation: nothing may be
 * written then, or two machines' histories would mix under one name.
 */
export async function claimHost(client: ClientBase, claim: HostClaim): Promise<boolean> {
  const result = await client.query(
    `INSERT INTO hosts AS h (host, instance_id, last_seen_at, version, expectations, clock_skew_ms)
     VALUES ($1, $2::uuid, now(), $3, $4::jsonb, round(extract(epoch FROM ($5::timestamptz - now())) * 1000))
     ON CONFLICT (host) DO UPDATE SET
       instance_id = EXCLUDED.instance_id,
       last_seen_at = now(),
       version = EXCLUDED.version,
       expectations = EXCLUDED.expectations,
       clock_skew_ms = EXCLUDED.clock_skew_ms
     WHERE h.instance_id = EXCLUDED.instance_id OR $6::boolean
     RETURNING host`,
    [
      claim.host,
      claim.instance,
      claim.version,
      JSON.stringify(claim.expectations),
      claim.hostNow.toISOString(),
      claim.takeOver,
    ],
  );
  return result.rowCount === 1;
}
