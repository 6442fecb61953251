import type { RunView } from '../shared/run-result.js';
/**
 * What `serve` reads, as plain data (camelCase, ready for JSON). The local SQLite
 * (src/store/read-model.ts) and the centre's PostgreSQL (src/fleet/read-model.ts)
 * implement it, which is why every method is async and every row carries its host
 * even though a local database usually holds one.
 */

export const RUN_STATUSES = ['running', 'success', 'failure', 'abandoned'] as const;
export type RunStatusName = (typeof RUN_STATUSES)[number];

export const NOTIFICATION_STATUSES = ['sent', 'failed', 'pending'] as const;
export type NotificationStatusName = (typeof NOTIFICATION_STATUSES)[number];

/** One page of a list: `total` counts every match, `items` is the page asked for. */
export interface Page<T> {
  total: number;
  items: T[];
}

/** One run, as history/status print it in JSON (the one run view, with its host). */
export type BackupItem = RunView;

/** A run with the end of its output (already redacted when it was recorded). */
export interface BackupWithTail extends BackupItem {
  outputTail: string | null;
}

export interface BackupDetail extends BackupWithTail {
  notifications: NotificationItem[];
}

/** A notification_logs row without its retry payload (internal, and no business of a reader). */
export interface NotificationItem {
  id: number;
  backupId: string | null;
  /** The host of the run it was about, when that run is known. */
  host: string | null;
  notificationType: string;
  channel: string;
  /** Already redacted when recorded: e-mail addresses or `https://hooks.slack.com/…`. */
  recipient: string | null;
  subject: string | null;
  status: string;
  errorMessage: string | null;
  sentAt: string | null;
  attempts: number;
  createdAt: string;
}

export interface AuditItem {
  id: number;
  host: string | null;
  operation: string;
  backupId: string | null;
  username: string | null;
  /** The runbook's column name; what it holds is the host the operation ran on. */
  ipAddress: string | null;
  status: string;
  /** Parsed from the stored JSON when it is JSON, else the text as stored. */
  details: unknown;
  createdAt: string;
}

/** What is known about one host × type; health is judged from it (src/serve/health.ts). */
export interface HostTypeFacts {
  host: string | null;
  /** The job (issue 21); the centre's facts lack it until its own migration: then the type is the job. */
  job?: string;
  /** The type of the job's latest run. */
  type: string;
  /** The run that finished last; the run in progress only when none has finished. */
  latestRun: BackupItem | null;
  latestSuccess: BackupItem | null;
  /** A run of this host and type in progress now (the newest, when several overlap). */
  runningRun: BackupItem | null;
  /** Finished runs that failed since the latest success (capped by the store, e.g. at 1000). */
  consecutiveFailures: number;
  /** What this host promised for this type (fleet expectations), overriding the reader's max age. */
  maxAgeMs?: number;
}

/** What the centre knows of a host beyond its runs (issue 25): a name clash, a skewed clock. */
export interface HostNote {
  host: string;
  /** Host clock minus the centre's at its last sync. */
  clockSkewMs: number;
  /** Installations refused under this host name, until resolved; null when none. */
  clash: { installations: number; refusals: number; pendingRows: number } | null;
}

/** A storm the centre recorded (issue 26): many hosts failing on one target or error at once. */
export interface StormNote {
  kind: 'target' | 'error';
  /** The target (BACKUP_ALERT_TARGET) or the error class. */
  label: string;
  job: string;
  hostCount: number;
  /** ISO 8601. */
  openedAt: string;
}

/** serve's page over a large fleet (issue 25, item 6): the page's clock, a search, a page. */
export interface FleetPageQuery {
  now: Date;
  /** serve's --max-age: for jobs without a promise of their own. */
  fallbackMaxAgeMs?: number;
  /** A piece of a host name (any case): narrows the healthy list. */
  search?: string;
  /** From 1. */
  page: number;
}

/** The hosts in trouble whole, the healthy ones counted and paged (FleetPageQuery). */
export interface FleetPage {
  hostCount: number;
  /** Every host × job of the hosts that may not be ok at the page's clock, or whose clock is off. */
  problemFacts: HostTypeFacts[];
  /** Those hosts: when the centre last heard of them, and whether beyond their longest promise. */
  problemHosts: Array<{ host: string; lastSeenAt: string; notSeen: boolean }>;
  /** The other hosts (those the search matches), one page of them by name. */
  healthy: Page<{ host: string; jobs: number; lastSeenAt: string }>;
  pageSize: number;
}

export interface BackupQuery {
  status?: RunStatusName;
  type?: string;
  /** Issue 21: one job's runs. */
  job?: string;
  host?: string;
  limit: number;
  offset: number;
}

export interface NotificationQuery {
  status?: NotificationStatusName;
  backupId?: string;
  host?: string;
  limit: number;
  offset: number;
}

export interface PageQuery {
  limit: number;
  offset: number;
}

export interface ReadModel {
  /** Newest first (started_at, then insertion order). */
  backups(query: BackupQuery): Promise<Page<BackupItem>>;
  /**
   * One run with its output tail and its notifications; undefined when unknown. Without a
   * host, a backup ID that several hosts share (the centre) throws AmbiguousBackupIdError.
   */
  backup(backupId: string, host?: string): Promise<BackupDetail | undefined>;
  /** Every host × type that has a run (filters narrow it). */
  statusFacts(filter?: { host?: string; type?: string; job?: string }): Promise<HostTypeFacts[]>;
  /** Newest first. */
  notifications(query: NotificationQuery): Promise<Page<NotificationItem>>;
  /** Newest first. */
  audit(query: PageQuery): Promise<Page<AuditItem>>;
  /** Alerts that did not reach anyone: `pending` (retry will re-send) and `failed` (given up); newest first. */
  undelivered(limit: number): Promise<Page<NotificationItem>>;
  /** The latest failed or abandoned runs, newest first, with the end of their output. */
  latestFailures(limit: number): Promise<BackupWithTail[]>;
  /** The centre only: hosts with a name clash or a clock off by more than a minute. */
  hostNotes?(): Promise<HostNote[]>;
  /** Over the centre: the storms of the last day, newest first. */
  storms?(): Promise<StormNote[]>;
  /**
   * Over a centre of at least `minHosts` hosts with a host summary: the page's data without
   * reading every pair; undefined otherwise (the page shows the host × job grid).
   */
  fleetPage?(query: FleetPageQuery, minHosts: number): Promise<FleetPage | undefined>;
  /** Cheap liveness check of the storage for /healthz; throws when it cannot read. */
  ping(): Promise<void>;
}

/**
 * The storage cannot be read now (the centre is down, or refuses this role): answered 503
 * with a fixed text; the reason (already free of secrets) goes to the log only.
 */
export class ReadModelUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ReadModelUnavailableError';
  }
}

/** Backup IDs are unique per host only: cron fires at 02:00:00 on every host of a fleet alike. */
export class AmbiguousBackupIdError extends Error {
  constructor(
    readonly backupId: string,
    /** Some of the hosts that have a run with this ID (sorted). */
    readonly hosts: string[],
  ) {
    super(`${backupId} is a backup ID on several hosts (${hosts.join(', ')})`);
    this.name = 'AmbiguousBackupIdError';
  }
}
