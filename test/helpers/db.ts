import Database from 'better-sqlite3';
import { type NotificationRow, type RunRow, runResultOf } from '../../src/store/rows.js';
import type { Store } from '../../src/store/store.js';

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

export interface AuditRow {
  operation: string;
  backup_id: string | null;
  status: string;
  details: string | null;
  created_at: string;
}

export function readAudit(dbPath: string): AuditRow[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare('SELECT * FROM backup_audit_logs ORDER BY id').all() as AuditRow[];
  } finally {
    db.close();
  }
}

/** The outcome columns a test writes onto a run row (the old finishRun argument). */
export interface TestOutcome {
  status: 'success' | 'failure' | 'abandoned';
  finishedAt: string;
  durationMs: number | null;
  exitCode: number | null;
  signal: string | null;
  errorMessage: string | null;
  outputTail: string | null;
}

/** Finishes a run row as the pipeline would, from the outcome columns alone. */
export function finishRun(store: Store, backupId: string, outcome: TestOutcome): void {
  const row = store.runs.get(backupId);
  if (!row) throw new Error(`no run ${backupId}`);
  store.runs.finish({
    ...runResultOf(row, row.host ?? 'test-host'),
    ...outcome,
    outputTail: outcome.outputTail ?? '',
  });
}
