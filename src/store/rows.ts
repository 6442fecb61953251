import type { BackupType, FinishedStatus, RunResult, RunStatus, RunView } from '../shared/run-result.js';

/**
 * The rows of the three tables (runbook column names) and what the store takes
 * to write them. Plain data: no SQLite here.
 */
export type NotificationStatus = 'sent' | 'failed' | 'pending';

export interface RunRow {
  id: number;
  backup_id: string;
  /** Migration 10; absent (undefined) in a database opened read-only before it. */
  job?: string;
  type: string;
  status: RunStatus;
  started_at: string;
  finished_at: string | null;
  duration_ms: number | null;
  exit_code: number | null;
  signal: string | null;
  error_message: string | null;
  output_tail: string | null;
  script: string | null;
  host: string | null;
  log_path: string | null;
  pid: number | null;
  /** DESIGN.md "False success"; absent (undefined) in a database opened read-only before its migration. */
  artifact_path: string | null;
  artifact_bytes: number | null;
  /** 1 for a `run --test` row (migration 10). */
  is_test?: number;
}

export interface NewRun {
  /** Default: the type. */
  job?: string;
  type: BackupType;
  isTest?: boolean;
  startedAt: string;
  script: string | null;
  host: string;
  pid: number;
  /** Log path with `{id}` standing for the allocated backup ID. */
  logPathTemplate: string | null;
}

export interface NotificationRow {
  id: number;
  notification_type: string;
  channel: string;
  recipient: string | null;
  subject: string | null;
  status: NotificationStatus;
  error_message: string | null;
  sent_at: string | null;
  attempts: number;
  payload: string | null;
  backup_id: string | null;
  created_at: string;
  /** The registered channel (notification_channels.channel_name); null for the env-configured ones. */
  channel_name: string | null;
  /** The incident the alert was about, when there is one. */
  incident_id: number | null;
  /** While a process sends the row: until when it is theirs, and who they are. */
  lease_until: string | null;
  claimed_by: string | null;
}

/** What a process asks for when it takes a row for a delivery round (NotificationTable.claim). */
export interface NotificationClaim {
  /** Unique per sending process and round; only its holder may settle the row. */
  token: string;
  /** ISO 8601 UTC: a lease that ran out before this is free to take. */
  now: string;
  leaseUntil: string;
  /** `failed`: re-open an alert that failed for good (retry --failed). */
  from: 'pending' | 'failed';
  /** A delivery round counts toward the attempt limit; giving up does not. */
  countRound: boolean;
}

export interface NewNotification {
  notificationType: string;
  channel: string;
  recipient: string | null;
  subject: string | null;
  status: NotificationStatus;
  errorMessage: string | null;
  sentAt: string;
  attempts: number;
  payload: string | null;
  backupId: string | null;
  channelName?: string | null;
  incidentId?: number | null;
}

export interface AuditEntry {
  operation: string;
  backupId: string | null;
  username: string;
  host: string;
  status: string;
  details: unknown;
  createdAt: string;
}

export interface RunFilter {
  status?: RunStatus;
  type?: string;
  job?: string;
  /** Leave out `run --test` rows (health reads only real runs). */
  real?: boolean;
  limit?: number;
}

/** `BKP-YYYYMMDD-HHMMSS-{type}` from a UTC start time; `-2`, `-3` for a clash within one second. */
export function backupIdFor(startedAt: Date, type: string, attempt: number): string {
  const iso = startedAt.toISOString();
  const stamp = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
  return `BKP-${stamp}-${type}${attempt > 1 ? `-${attempt}` : ''}`;
}

/** A finished row as the run's result (what the alert policy and messages read). */
export function runResultOf(row: RunRow, fallbackHost: string): RunResult {
  return {
    backupId: row.backup_id,
    job: row.job || row.type,
    type: row.type as BackupType,
    ...(row.is_test ? { isTest: true } : {}),
    host: row.host ?? fallbackHost,
    script: row.script,
    logPath: row.log_path,
    status: (row.status === 'running' ? 'abandoned' : row.status) as FinishedStatus,
    startedAt: row.started_at,
    finishedAt: row.finished_at ?? row.started_at,
    durationMs: row.duration_ms,
    exitCode: row.exit_code,
    signal: row.signal,
    errorMessage: row.error_message,
    outputTail: row.output_tail ?? '',
    artifactPath: row.artifact_path ?? null,
    artifactBytes: row.artifact_bytes ?? null,
  };
}

/** A row as people and tools read it (history/status --json, the API). */
export function runViewOf(row: RunRow): RunView {
  return {
    backupId: row.backup_id,
    job: row.job || row.type,
    type: row.type,
    ...(row.is_test ? { isTest: true } : {}),
    status: row.status,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    durationMs: row.duration_ms,
    exitCode: row.exit_code,
    signal: row.signal,
    errorMessage: row.error_message,
    host: row.host,
    script: row.script,
    logPath: row.log_path,
    artifactPath: row.artifact_path ?? null,
    artifactBytes: row.artifact_bytes ?? null,
  };
}
