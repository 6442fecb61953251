/**
 * Rows of the routing tables (notification_channels, incidents, silences) as SQLite
 * returns them, and what the store takes to write them. Plain data: no SQLite here.
 */

/** notification_channels (runbook §8.1.3 columns, plus backup_types and created_at). */
export interface ChannelRow {
  id: number;
  channel_name: string;
  channel_type: string;
  /** The target: a webhook URL, Apprise URLs, or `mailto:` addresses. A secret at rest. */
  webhook_url: string | null;
  /** 1 or 0; a row inserted by hand may hold anything, which makes it a broken row. */
  is_active: unknown;
  /** Comma-separated notification types (backup_failure, …); NULL or '' = all of them. */
  notification_types: string | null;
  /** Comma-separated backup types (daily, …); NULL or '' = all of them. */
  backup_types: string | null;
  /** Comma-separated job names (migration 10); NULL or '' = every job. */
  jobs?: string | null;
  created_at: string;
}

export interface NewChannel {
  name: string;
  type: string;
  url: string;
  active: boolean;
  notificationTypes: string | null;
  backupTypes: string | null;
  createdAt: string;
}

export type IncidentCause = 'failure' | 'missing';

/** One incident: a host × type that is failing or missing, from its first sign to the next success. */
export interface IncidentRow {
  id: number;
  host: string;
  /** The job the incident is about (migration 10; the type for older rows). */
  job: string;
  type: string;
  cause: IncidentCause;
  opened_at: string;
  first_backup_id: string | null;
  last_backup_id: string | null;
  /** Runs of the type that failed while it was open. */
  failed_runs: number;
  /** When the one backup_missing alert of this incident was sent (claimed). */
  missing_alerted_at: string | null;
  reminders_sent: number;
  /** When the latest alert about it (failure, missing, reminder) was sent; reminders count from its delivery. */
  last_alert_at: string | null;
  closed_at: string | null;
  /** The backup ID of the success that closed it. */
  closed_by: string | null;
  /** The centre's storm its failure was folded into (migration 14): its reminders are the storm's. */
  storm_id: number | null;
}

/** The notification rows of an incident's latest alert: was it delivered, and when. */
export interface AlertDelivery {
  status: 'sent' | 'failed' | 'pending';
  sent_at: string | null;
}

export interface SilenceRow {
  id: number;
  type: string;
  /** The one job it holds; null: every job of `type` (migration 10). */
  job: string | null;
  reason: string;
  created_by: string;
  created_at: string;
  ends_at: string;
  removed_at: string | null;
  removed_by: string | null;
  /** Alerts held while it was active. */
  held_count: number;
  /** When the first alert after it said how many were held. */
  reported_at: string | null;
}

export interface NewSilence {
  /** With a job: the job's type, for reading; the job alone decides what is held. */
  type: string;
  job?: string | null;
  reason: string;
  createdBy: string;
  createdAt: string;
  endsAt: string;
}
