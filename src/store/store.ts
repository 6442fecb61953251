import { closeSync, existsSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import type { MetricsSnapshot } from '../metrics/snapshot.js';
import { makeDirectoryLikeParent, ownLikeParent } from '../shared/owner.js';
import { AuditTable } from './audit.js';
import { ChannelTable } from './channels.js';
import { IncidentTable } from './incidents.js';
import type { Journal } from './journal.js';
import { type MetricsQueryOptions, metricsSnapshot } from './metrics-query.js';
import { NotificationTable } from './notifications.js';
import { type PruneResult, prune } from './prune.js';
import { RunTable } from './runs.js';
import { migrate } from './schema.js';
import { SilenceTable } from './silences.js';

/**
 * better-sqlite3 is CommonJS with a native addon. Loaded with require() when a
 * database is first opened: commands that never open one do not pay for it, and
 * require() skips the CommonJS export scan an ESM import of it costs at start-up.
 */
let sqlite: typeof Database | undefined;
function loadSqlite(): typeof Database {
  sqlite ??= createRequire(import.meta.url)('better-sqlite3') as typeof Database;
  return sqlite;
}

/** SQLite in WAL mode with a busy timeout, so a cron run and an operator's `history` never collide. */
export class Store implements Journal {
  readonly recording = true;
  readonly runs: RunTable;
  readonly notifications: NotificationTable;
  readonly audit: AuditTable;
  readonly channels: ChannelTable;
  readonly incidents: IncidentTable;
  readonly silences: SilenceTable;

  private constructor(readonly db: Database.Database) {
    this.runs = new RunTable(db);
    this.notifications = new NotificationTable(db);
    this.audit = new AuditTable(db);
    this.channels = new ChannelTable(db);
    this.incidents = new IncidentTable(db);
    this.silences = new SilenceTable(db);
  }

  /** Opens (creating with 0700 dir / 0600 file) and migrates the database. */
  static open(path: string, options: { readonly?: boolean } = {}): Store {
    if (!options.readonly && path !== ':memory:' && !existsSync(path)) {
      makeDirectoryLikeParent(dirname(path));
      closeSync(openSync(path, 'a', 0o600));
      // SQLite gives its -wal and -shm files the database's owner when it runs as root.
      ownLikeParent(path);
    }
    const Sqlite = loadSqlite();
    const db = new Sqlite(path, {
      readonly: options.readonly ?? false,
      fileMustExist: options.readonly ?? false,
    });
    try {
      db.pragma('busy_timeout = 5000');
      if (!options.readonly) {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
        migrate(db);
      }
      return new Store(db);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  metricsSnapshot(options: MetricsQueryOptions): MetricsSnapshot {
    return metricsSnapshot(this.db, options);
  }

  prune(cutoff: Date, options: { dryRun?: boolean } = {}): PruneResult {
    return prune(this.db, cutoff, options);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
