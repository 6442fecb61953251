import type { AuditItem, BackupItem, BackupWithTail, NotificationItem } from '../serve/read-model.js';
import { type NotificationRow, type RunRow, runViewOf } from './rows.js';

/** Rows as the read model hands them out: camelCase plain data, internal columns left out. */

/** The one run view (history/status --json and the API's items alike). */
export const backupItem: (row: RunRow) => BackupItem = runViewOf;

export function withTail(row: RunRow): BackupWithTail {
  return { ...backupItem(row), outputTail: row.output_tail };
}

export type NotificationWithHost = NotificationRow & { host: string | null };

export function notificationItem(row: NotificationWithHost): NotificationItem {
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
    sentAt: row.sent_at,
    attempts: row.attempts,
    createdAt: row.created_at,
  };
}

export interface AuditRow {
  id: number;
  operation: string;
  backup_id: string | null;
  username: string | null;
  ip_address: string | null;
  status: string;
  details: string | null;
  created_at: string;
}

/** An audit row's details: the JSON it was written as, or the text when it is not JSON. */
export function parseDetails(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export function auditItem(row: AuditRow): AuditItem {
  return {
    id: row.id,
    host: row.ip_address,
    operation: row.operation,
    backupId: row.backup_id,
    username: row.username,
    ipAddress: row.ip_address,
    status: row.status,
    details: parseDetails(row.details),
    createdAt: row.created_at,
  };
}
