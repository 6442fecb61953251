import type Database from 'better-sqlite3';
import type {
  AuditItem,
  BackupDetail,
  BackupItem,
  BackupQuery,
  BackupWithTail,
  HostTypeFacts,
  NotificationItem,
  NotificationQuery,
  Page,
  PageQuery,
  ReadModel,
} from '../serve/read-model.js';
import {
  type AuditRow,
  auditItem,
  backupItem,
  type NotificationWithHost,
  notificationItem,
  withTail,
} from './read-items.js';
import type { RunRow } from './rows.js';
import { statusFacts } from './status-facts.js';
import type { Store } from './store.js';

/** Newest first, ties in insertion order (the same order as `history`). */
const NEWEST = 'ORDER BY started_at DESC, id DESC';

/**
 * The index to walk for a filtered list, by the filters it covers. Chosen from the exact
 * counts (see `pickIndex`), not left to SQLite's planner: without statistics it walks the
 * host index for `?status=failure&host=h` even when every row has that host.
 */
const RUN_INDEXES = [
  { name: 'backup_logs_host_type_started', keys: ['host', 'type'] },
  { name: 'backup_logs_status_started', keys: ['status'] },
  { name: 'backup_logs_type_started', keys: ['type'] },
  { name: 'backup_logs_host_started', keys: ['host'] },
  { name: 'backup_logs_job_started', keys: ['job'] },
] as const;

type RunFilterKey = 'status' | 'type' | 'host' | 'job';

/** Notifications with the host of the run they were about (local rows have no host of their own). */
const NOTIFICATIONS = `SELECT n.*, b.host AS host FROM notification_logs n
  LEFT JOIN backup_logs b ON b.backup_id = n.backup_id`;

/** The SQLite read model over an open Store. Reads only; every query walks an index. */
export class SqliteReadModel implements ReadModel {
  private readonly db: Database.Database;
  /** Totals and host × type facts by key, valid while the database is unchanged (see `version`). */
  private readonly memo = new Map<string, { version: string; value: unknown }>();

  /** Any open Store; only its connection is used (tests pass one that traces every statement). */
  constructor(store: Pick<Store, 'db'>) {
    this.db = store.db;
  }

  /**
   * Changes when anything was committed: data_version counts other connections' commits
   * (other processes included), total_changes() this connection's own writes.
   */
  private version(): string {
    const others = this.db.pragma('data_version', { simple: true }) as number;
    const own = this.db.prepare('SELECT total_changes()').pluck().get() as number;
    return `${others}:${own}`;
  }

  /**
   * A result computed at most once per database state: totals over 1,000 hosts sum 8,000
   * counter rows, and the page asks for every host × type on each (auto-)refresh, while runs
   * are recorded a few times a day. Values are shared: callers must not change them.
   */
  private remember<T>(key: string, version: string, compute: () => T): T {
    const hit = this.memo.get(key);
    if (hit?.version === version) return hit.value as T;
    const value = compute();
    if (this.memo.size >= 256) this.memo.clear();
    this.memo.set(key, { version, value });
    return value;
  }

  /** Exact number of runs matching the equality filters, from backup_log_counts (kept by triggers). */
  private countRuns(filter: Partial<Record<RunFilterKey, string>>, version: string): number {
    const key = `count\u0000${filter.status ?? ''}\u0000${filter.type ?? ''}\u0000${filter.host ?? ''}\u0000${filter.job ?? ''}`;
    return this.remember(key, version, () => this.sumCounts(filter));
  }

  private sumCounts(filter: Partial<Record<RunFilterKey, string>>): number {
    const where: string[] = [];
    const params: string[] = [];
    for (const key of ['status', 'type', 'host', 'job'] as const) {
      const value = filter[key];
      if (value === undefined) continue;
      where.push(`${key} = ?`);
      params.push(value);
    }
    const sql = `SELECT coalesce(sum(n), 0) FROM backup_log_counts ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`;
    return this.db
      .prepare(sql)
      .pluck()
      .get(...params) as number;
  }

  /** The applicable index with the fewest entries: the one where matches are densest. */
  private pickIndex(filter: Partial<Record<RunFilterKey, string>>, version: string): string | undefined {
    let best: { name: string; entries: number } | undefined;
    for (const index of RUN_INDEXES) {
      if (!index.keys.every((key) => filter[key] !== undefined)) continue;
      const covered: Partial<Record<RunFilterKey, string>> = {};
      for (const key of index.keys) covered[key] = filter[key];
      const entries = this.countRuns(covered, version);
      if (!best || entries < best.entries) best = { name: index.name, entries };
    }
    return best?.name;
  }

  async backups(query: BackupQuery): Promise<Page<BackupItem>> {
    const filter: Partial<Record<RunFilterKey, string>> = {};
    if (query.status !== undefined) filter.status = query.status;
    if (query.type !== undefined) filter.type = query.type;
    if (query.job !== undefined) filter.job = query.job;
    if (query.host !== undefined) filter.host = query.host;
    const version = this.version();
    const total = this.countRuns(filter, version);
    // Nothing matches: walking an index to find that out could read every row of one filter.
    if (total === 0 || query.offset >= total) return { total, items: [] };
    const where = Object.keys(filter).map((key) => `${key} = @${key}`);
    const index = this.pickIndex(filter, version) ?? 'backup_logs_started';
    const rows = this.db
      .prepare(
        `SELECT * FROM backup_logs INDEXED BY ${index}
         ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ${NEWEST} LIMIT @limit OFFSET @offset`,
      )
      .all({ ...filter, limit: query.limit, offset: query.offset }) as RunRow[];
    return { total, items: rows.map(backupItem) };
  }

  async backup(backupId: string, host?: string): Promise<BackupDetail | undefined> {
    const row = this.db.prepare('SELECT * FROM backup_logs WHERE backup_id = ?').get(backupId) as
      | RunRow
      | undefined;
    if (!row || (host !== undefined && row.host !== host)) return undefined;
    const notifications = this.db
      .prepare(`${NOTIFICATIONS} WHERE n.backup_id = ? ORDER BY n.id`)
      .all(backupId) as NotificationWithHost[];
    return { ...withTail(row), notifications: notifications.map(notificationItem) };
  }

  /** Cached until the database changes (see `remember`). */
  async statusFacts(filter: { host?: string; type?: string; job?: string } = {}): Promise<HostTypeFacts[]> {
    const key = `facts\u0000${filter.host ?? ''}\u0000${filter.type ?? ''}\u0000${filter.job ?? ''}`;
    return this.remember(key, this.version(), () => statusFacts(this.db, filter));
  }

  async notifications(query: NotificationQuery): Promise<Page<NotificationItem>> {
    const where: string[] = [];
    const params: Record<string, string | number> = { limit: query.limit, offset: query.offset };
    if (query.status !== undefined) {
      where.push('n.status = @status');
      params['status'] = query.status;
    }
    if (query.backupId !== undefined) {
      where.push('n.backup_id = @backupId');
      params['backupId'] = query.backupId;
    }
    if (query.host !== undefined) {
      // A local notification's host is its run's.
      where.push('b.host = @host');
      params['host'] = query.host;
    }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const counted =
      query.host !== undefined
        ? 'notification_logs n LEFT JOIN backup_logs b ON b.backup_id = n.backup_id'
        : 'notification_logs n';
    // One run's notifications are few: its index, then sorted. Otherwise walk created_at.
    const order =
      query.backupId !== undefined ? 'ORDER BY n.id DESC' : 'ORDER BY n.created_at DESC, n.id DESC';
    const total = this.db.prepare(`SELECT count(*) FROM ${counted} ${clause}`).pluck().get(params) as number;
    const rows = this.db
      .prepare(`${NOTIFICATIONS} ${clause} ${order} LIMIT @limit OFFSET @offset`)
      .all(params) as NotificationWithHost[];
    return { total, items: rows.map(notificationItem) };
  }

  async audit(query: PageQuery): Promise<Page<AuditItem>> {
    const total = this.db.prepare('SELECT count(*) FROM backup_audit_logs').pluck().get() as number;
    const rows = this.db
      .prepare('SELECT * FROM backup_audit_logs ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?')
      .all(query.limit, query.offset) as AuditRow[];
    return { total, items: rows.map(auditItem) };
  }

  async undelivered(limit: number): Promise<Page<NotificationItem>> {
    // One walk of the (status, created_at) index per status, merged: `IN` would sort them all.
    const pick = this.db.prepare(
      `${NOTIFICATIONS} WHERE n.status = ? ORDER BY n.created_at DESC, n.id DESC LIMIT ?`,
    );
    const count = this.db.prepare('SELECT count(*) FROM notification_logs WHERE status = ?').pluck();
    const rows = [
      ...(pick.all('pending', limit) as NotificationWithHost[]),
      ...(pick.all('failed', limit) as NotificationWithHost[]),
    ];
    rows.sort((a, b) => (a.created_at === b.created_at ? b.id - a.id : a.created_at < b.created_at ? 1 : -1));
    const total = (count.get('pending') as number) + (count.get('failed') as number);
    return { total, items: rows.slice(0, limit).map(notificationItem) };
  }

  async latestFailures(limit: number): Promise<BackupWithTail[]> {
    const pick = this.db.prepare(
      `SELECT * FROM backup_logs INDEXED BY backup_logs_status_started WHERE status = ? ${NEWEST} LIMIT ?`,
    );
    const rows = [
      ...(pick.all('failure', limit) as Array<RunRow & { id: number }>),
      ...(pick.all('abandoned', limit) as Array<RunRow & { id: number }>),
    ];
    rows.sort((a, b) => (a.started_at === b.started_at ? b.id - a.id : a.started_at < b.started_at ? 1 : -1));
    return rows.slice(0, limit).map(withTail);
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1 FROM backup_log_counts LIMIT 1').get();
  }
}
