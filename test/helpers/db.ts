import Database from 'better-sqlite3';
import type { NotificationRow, RunRow } from '../../src/store/rows.js';

/** Reads rows straight from the file, as an operator's sqlite3 shell would. */
export function readRuns(dbPath: string): RunRow[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare('SELECT * FROM backup_logs ORDER BY id').all() as RunRow[];
  } finally {
    db.close();
  }
}

export function readNotifications(dbPath: string): NotificationRow[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare('SELECT * FROM notification_logs ORDER BY id').all() as NotificationRow[];
  } finally {
    db.close();
  }
}
