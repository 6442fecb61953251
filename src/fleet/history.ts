import type { ClientBase } from 'pg';
import type { RunView } from '../shared/run-result.js';
import { readOnly } from './read-only.js';
import { requireReadableSchema } from './schema.js';

/** The schema `history --fleet` reads: runs with their job (4). */
export const FLEET_HISTORY_SCHEMA_VERSION = 4;

const iso = (value: Date | null) => (value ? value.toISOString() : null);

/** A run as `history --fleet --json` prints it: the one run view plus when the centre got it. */
export interface FleetRun extends RunView {
  host: string;
  /** The run's job (issue 21); its type's name for hosts that do not name jobs. */
  job: string;
  receivedAt: string;
}

export interface FleetHistoryFilter {
  host?: string;
  type?: string;
  job?: string;
  status?: string;
  limit: number;
}

/**
 * Newest first across the fleet. Every filter is a bound parameter; each has an index
 * ((host, type, started_at), (status, started_at), (started_at)) so a LIMIT stops early.
 */
export async function fleetHistory(client: ClientBase, filter: FleetHistoryFilter): Promise<FleetRun[]> {
  const where: string[] = [];
  const values: unknown[] = [];
  for (const [column, value] of [
    ['host', filter.host],
    ['type', filter.type],
    ['job', filter.job],
    ['status', filter.status],
  ] as const) {
    if (value === undefined) continue;
    values.push(value);
    where.push(`${column} = $${values.length}`);
  }
  values.push(filter.limit);
  const query = () =>
    client.query<{
      host: string;
      backup_id: string;
      job: string;
      type: string;
      status: string;
      started_at: Date;
      finished_at: Date | null;
      duration_ms: number | null;
      exit_code: number | null;
      signal: string | null;
      error_message: string | null;
      script: string | null;
      log_path: string | null;
      artifact_path: string | null;
      artifact_bytes: number | null;
      received_at: Date;
    }>(
      `SELECT host, backup_id, job, type, status, started_at, finished_at, duration_ms::float8 AS duration_ms,
            exit_code, signal, error_message, script, log_path, artifact_path,
            artifact_bytes::float8 AS artifact_bytes, received_at
       FROM backup_logs ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY started_at DESC, host, backup_id
      LIMIT $${values.length}`,
      values,
    );
  // An old centre says so, rather than "no runs match".
  await requireReadableSchema(client, FLEET_HISTORY_SCHEMA_VERSION, '`history --fleet`');
  const result = await readOnly(client, query);
  return result.rows.map((row) => ({
    host: row.host,
    backupId: row.backup_id,
    job: row.job,
    type: row.type,
    status: row.status,
    startedAt: row.started_at.toISOString(),
    finishedAt: iso(row.finished_at),
    durationMs: row.duration_ms,
    exitCode: row.exit_code,
    signal: row.signal,
    errorMessage: row.error_message,
    script: row.script,
    logPath: row.log_path,
    artifactPath: row.artifact_path,
    artifactBytes: row.artifact_bytes,
    receivedAt: row.received_at.toISOString(),
  }));
}
