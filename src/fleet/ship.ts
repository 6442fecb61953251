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
    columns: [
      col('backup_id', 'text'),
      ...common,
      // The run's job (issue 21); rows recorded before local jobs existed are their type's job.
      col('job', 'text', (row) => text(row['job'] ?? row['type'])),
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

/** One table's rows as the centre's ship_batch reads them (jsonb_to_recordset by column name). */
export function shipPayload(table: OutboxTable, items: readonly OutboxItem[]): string {
  const { columns } = SPECS[table];
  return JSON.stringify(
    items.map((item) => Object.fromEntries(columns.map((c) => [c.name, c.from(item.row)]))),
  );
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
  /** Rows still waiting here: recorded with a refusal, so the centre knows what it is missing. */
  pending: number;
}

const claimValues = (claim: HostClaim) => [
  claim.host,
  claim.instance,
  claim.version,
  JSON.stringify(claim.expectations),
  claim.hostNow.toISOString(),
  claim.takeOver,
  claim.pending,
];

/**
 * Ships one round through the centre's ship_batch (schema 4): the host's claim and its rows in
 * one call, one transaction, one round trip. A stored row is replaced only by a newer revision
 * of itself. False when the name belongs to another installation: the centre then wrote
 * nothing but the refusal (host_clashes), which it keeps to show the clash.
 */
export async function shipBatch(
  client: ClientBase,
  claim: HostClaim,
  round: ReadonlyArray<{ table: OutboxTable; batch: readonly OutboxItem[] }>,
): Promise<boolean> {
  const payload = (table: OutboxTable) => {
    const found = round.find((part) => part.table === table);
    return found ? shipPayload(table, found.batch) : null;
  };
  const result = await client.query<{ outcome: string }>(
    `SELECT ship_batch($1, $2::uuid, $3, $4::jsonb, $5::timestamptz, $6, $7, $8::jsonb, $9::jsonb, $10::jsonb)
       AS outcome`,
    [
      ...claimValues(claim),
      payload('backup_logs'),
      payload('notification_logs'),
      payload('backup_audit_logs'),
    ],
  );
  return result.rows[0]?.outcome === 'ok';
}

/** "Alive" with nothing to ship (last_seen_at by the centre's clock); false on a clash. */
export async function heartbeat(client: ClientBase, claim: HostClaim): Promise<boolean> {
  const result = await client.query<{ outcome: string }>(
    'SELECT heartbeat($1, $2::uuid, $3, $4::jsonb, $5::timestamptz, $6, $7) AS outcome',
    claimValues(claim),
  );
  return result.rows[0]?.outcome === 'ok';
}
