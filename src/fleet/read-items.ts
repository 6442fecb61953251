import type { AuditItem, BackupItem, BackupWithTail, NotificationItem } from '../serve/read-model.js';
import { parseDetails } from '../store/read-items.js';

/**
 * The centre's rows as the read model hands them out, the same shapes as the local ones
 * (src/store/read-items.ts). Times arrive as epoch milliseconds (read-sql.ts) and leave as
 * ISO 8601 UTC with milliseconds, as the local database stores them.
 */

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export interface CentreRunRow {
  backup_id: string;
  host: string;
  type: string;
  status: string;
  started_at: number;
  finished_at: number | null;
  duration_ms: number | null;
  exit_code: number | null;
  signal: string | null;
  error_message: string | null;
  script: string | null;
  log_path: string | null;
  artifact_path: string | null;
  artifact_bytes: number | null;
}

export function runItem(row: CentreRunRow): BackupItem {
  return {
    backupId: row.backup_id,
    host: row.host,
    // The centre gains its job column on the fleet branch; until then the job is the type.
    job: (row as { job?: string | null }).job ?? row.type,
    type: row.type,
    status: row.status,
    startedAt: iso(row.started_at)!,
    finishedAt: iso(row.finished_at),
    durationMs: row.duration_ms,
    exitCode: row.exit_code,
    signal: row.signal,
    errorMessage: row.error_message,
    script: row.script,
    logPath: row.log_path,
    artifactPath: row.artifact_path,
    artifactBytes: row.artifact_bytes,
  };
}

export function runWithTail(row: CentreRunRow & { output_tail: string | null }): BackupWithTail {
  return { ...runItem(row), outputTail: row.output_tail };
}

/** The run whose columns carry `prefix` (a status row holds two), or null when there is none. */
export function prefixedRun(row: Record<string, unknown>, prefix: string): BackupItem | null {
  if (row[`${prefix}backup_id`] === null || row[`${prefix}backup_id`] === undefined) return null;
  const at = <T>(name: string) => (row[`${prefix}${name}`] ?? null) as T;
  return {
    backupId: at('backup_id'),
    host: at('host'),
    job: at<string | null>('job') ?? at<string>('type'),
    type: at('type'),
    status: at('status'),
    startedAt: iso(at('started_at'))!,
    finishedAt: iso(at('finished_at')),
    durationMs: at('duration_ms'),
    exitCode: at('exit_code'),
    signal: at('signal'),
    errorMessage: at('error_message'),
    script: at('script'),
    logPath: at('log_path'),
    artifactPath: at('artifact_path'),
    artifactBytes: at('artifact_bytes'),
  };
}

export interface CentreNotificationRow {
  id: number;
  backup_id: string | null;
  host: string;
  notification_type: string;
  channel: string;
  recipient: string | null;
  subject: string | null;
  status: string;
  error_message: string | null;
  sent_at: number | null;
  attempts: number;
  created_at: number;
}

/** `id` is the row's id on its host (the centre keys rows by host and that id). */
export function notificationItem(row: CentreNotificationRow): NotificationItem {
  return {
    id: row.id,
    backupId: row.backup_id,
    host: row.host,
    notificationType: row.notification_type,
    channel: row.channel,
    recipient: row.recipient,
    subject: row.subject,
    status: row.status,
    errorMessage: row.error_message,
    sentAt: iso(row.sent_at),
    attempts: row.attempts,
    createdAt: iso(row.created_at)!,
  };
}

export interface CentreAuditRow {
  id: number;
  host: string;
  operation: string;
  backup_id: string | null;
  username: string | null;
  ip_address: string | null;
  status: string;
  details: string | null;
  created_at: number;
}

export function auditItem(row: CentreAuditRow): AuditItem {
  return {
    id: row.id,
    host: row.host,
    operation: row.operation,
    backupId: row.backup_id,
    username: row.username,
    ipAddress: row.ip_address,
    status: row.status,
    details: parseDetails(row.details),
    createdAt: iso(row.created_at)!,
  };
}
