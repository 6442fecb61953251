import type { ClientBase } from 'pg';

/** A storm as `status --fleet` shows it: one row for every host that failed in it. */
export interface StormRow {
  id: number;
  kind: 'target' | 'error';
  label: string;
  job: string;
  hostCount: number;
  openedAt: string;
  /** host → the backup ID that failed in the storm. */
  members: Map<string, Set<string>>;
}

/** How far back `status --fleet` looks for storms. */
const RECENT = '1 day';

/**
 * The storms of the last day with their members. A centre older than schema 5, or a role
 * that may not read `storms`, has none to show: never an error for `status --fleet`. Call it
 * outside a transaction (a failed statement would abort one).
 */
export async function recentStorms(client: ClientBase): Promise<StormRow[]> {
  let rows: Array<{
    id: string;
    kind: StormRow['kind'];
    label: string;
    job: string;
    host_count: number;
    opened_at: Date;
    host: string;
    backup_id: string;
  }>;
  try {
    rows = (
      await client.query(
        `SELECT s.id, s.kind, s.label, s.job, s.host_count, s.opened_at, h.host, h.backup_id
           FROM storms s JOIN storm_hosts h ON h.storm_id = s.id
          WHERE s.opened_at > now() - interval '${RECENT}' ORDER BY s.opened_at DESC`,
      )
    ).rows;
  } catch (error) {
    // undefined_table (schema < 5) or insufficient_privilege (a reader without the grant).
    const code = (error as { code?: unknown }).code;
    if (code === '42P01' || code === '42501') return [];
    throw error;
  }
  const storms = new Map<number, StormRow>();
  for (const row of rows) {
    const id = Number(row.id);
    let storm = storms.get(id);
    if (!storm) {
      storm = {
        id,
        kind: row.kind,
        label: row.label,
        job: row.job,
        hostCount: row.host_count,
        openedAt: row.opened_at.toISOString(),
        members: new Map(),
      };
      storms.set(id, storm);
    }
    const ids = storm.members.get(row.host) ?? new Set<string>();
    ids.add(row.backup_id);
    storm.members.set(row.host, ids);
  }
  return [...storms.values()];
}
