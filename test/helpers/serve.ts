import { join } from 'node:path';
import type { BackupType, RunStatus } from '../../src/shared/run-result.js';
import { Store } from '../../src/store/store.js';
import { finishRun } from './db.js';

/** The injected clock of the serve tests: every page and status is judged at this instant. */
export const NOW = new Date('2026-03-10T12:00:00.000Z');
const HOUR = 3_600_000;

/** What a malicious or merely unlucky script may print: it must reach the page as text. */
export const HOSTILE_OUTPUT =
  '<script>alert(1)</script>\n<img src=x onerror=alert(2)>\n"quoted" & \'single\'\n';

export interface SeedRun {
  host: string;
  type: BackupType;
  status: RunStatus;
  /** Hours before NOW the run started. */
  hoursAgo: number;
  error?: string;
  output?: string;
}

export interface SeedNotification {
  backupIndex: number;
  channel: string;
  status: 'sent' | 'failed' | 'pending';
  error?: string;
  /** Seconds after NOW - 1 h it was sent (default: its place in the list). */
  at?: number;
}

/** Writes runs through the real Store (real schema, migrations, triggers); returns their backup IDs. */
export function seedStore(
  store: Store,
  runs: readonly SeedRun[],
  notifications: readonly SeedNotification[] = [],
): string[] {
  const ids: string[] = [];
  for (const run of runs) {
    const started = new Date(NOW.getTime() - run.hoursAgo * HOUR);
    const { backupId } = store.runs.insert(
      {
        type: run.type,
        startedAt: started.toISOString(),
        script: '/opt/backup/backup.sh',
        host: run.host,
        pid: 4242,
        logPathTemplate: null,
      },
      started,
    );
    ids.push(backupId);
    if (run.status === 'running') continue;
    const failed = run.status !== 'success';
    finishRun(store, backupId, {
      status: run.status,
      finishedAt: new Date(started.getTime() + 60_000).toISOString(),
      durationMs: 60_000,
      exitCode: run.status === 'failure' ? 1 : run.status === 'success' ? 0 : null,
      signal: null,
      errorMessage: failed ? (run.error ?? 'Backup script failed with exit code 1: disk full') : null,
      outputTail: run.output ?? (failed ? 'tar: /backup/db.tar: No space left on device\n' : null),
    });
  }
  for (const [index, n] of notifications.entries()) {
    const backupId = ids[n.backupIndex]!;
    store.notifications.insert({
      notificationType: 'backup_failure',
      channel: n.channel,
      recipient: n.channel === 'email' ? 'admin@company.com' : 'https://hooks.slack.com/…',
      subject: `【緊急】バックアップ失敗: ${backupId}`,
      status: n.status,
      errorMessage: n.error ?? null,
      // A second apart: newest-first lists have one order whatever each store breaks ties by.
      sentAt: new Date(NOW.getTime() - HOUR + (n.at ?? index) * 1000).toISOString(),
      attempts: n.status === 'sent' ? 1 : 3,
      payload: n.status === 'pending' ? '{"secret":"never shown"}' : null,
      backupId,
    });
  }
  return ids;
}

/**
 * A small fleet in one database: db1 healthy, web1 failing with hostile output, files1
 * failing weekly three times in a row (an escalation), mail1 overdue, and a success history.
 * No two runs start at the same time: the local database breaks such ties by insertion
 * order, the centre by host and backup ID, and the tests compare both.
 */
export const FLEET: readonly SeedRun[] = [
  ...Array.from(
    { length: 8 },
    (_, i): SeedRun => ({ host: 'db1', type: 'daily', status: 'success', hoursAgo: 24 * (8 - i) + 2 }),
  ),
  { host: 'db1', type: 'weekly', status: 'success', hoursAgo: 30 },
  { host: 'web1', type: 'daily', status: 'success', hoursAgo: 48 },
  {
    host: 'web1',
    type: 'daily',
    status: 'failure',
    hoursAgo: 3,
    error: 'Backup script failed with exit code 2: <b>rsync</b> refused',
    output: HOSTILE_OUTPUT,
  },
  ...Array.from(
    { length: 3 },
    (_, i): SeedRun => ({ host: 'files1', type: 'weekly', status: 'failure', hoursAgo: 171 - i * 50 }),
  ),
  { host: 'files1', type: 'daily', status: 'success', hoursAgo: 5 },
  { host: 'mail1', type: 'daily', status: 'success', hoursAgo: 80 },
  ...Array.from(
    { length: 8 },
    (_, i): SeedRun => ({ host: 'db1', type: 'manual', status: 'failure', hoursAgo: 400 + i }),
  ),
  { host: 'db1', type: 'monthly', status: 'abandoned', hoursAgo: 600 },
  { host: 'db1', type: 'daily', status: 'running', hoursAgo: 0.5 },
];

/** Index in FLEET of web1's failure (the hostile output). */
export const WEB1_FAILURE = 10;

export const FLEET_NOTIFICATIONS: readonly SeedNotification[] = [
  { backupIndex: WEB1_FAILURE, channel: 'email', status: 'sent' },
  { backupIndex: WEB1_FAILURE, channel: 'slack', status: 'pending', error: 'HTTP 503 from hooks.slack.com' },
  {
    backupIndex: 13,
    channel: 'email',
    status: 'failed',
    error: 'gave up after 10 attempts; last error: ECONNREFUSED',
  },
];

/** A database file in `dir` holding FLEET; returns its path and the backup IDs in FLEET order. */
export function seedFleet(dir: string): { dbPath: string; ids: string[] } {
  const dbPath = join(dir, 'backup-alert.db');
  const store = Store.open(dbPath);
  try {
    const ids = seedStore(store, FLEET, FLEET_NOTIFICATIONS);
    store.audit.write({
      operation: 'test-email',
      backupId: null,
      username: 'operator',
      host: 'db1',
      status: 'success',
      details: { to: 'admin@company.com' },
      createdAt: NOW.toISOString(),
    });
    return { dbPath, ids };
  } finally {
    store.close();
  }
}
