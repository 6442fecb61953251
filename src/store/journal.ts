import type { MetricsSnapshot } from '../metrics/snapshot.js';
import type { AuditTable } from './audit.js';
import type { MetricsQueryOptions } from './metrics-query.js';
import type { NotificationTable } from './notifications.js';
import type { PruneResult } from './prune.js';
import { backupIdFor } from './rows.js';
import type { RunTable } from './runs.js';

/**
 * What `run`, the alert policy and `retry` read and write. The SQLite Store is
 * one; NO_JOURNAL is the other, for when the database cannot be opened: the
 * backup still runs and alerts still go out, nothing is recorded and every
 * history read is empty. Callers never check for "no database" themselves.
 */
export interface Journal {
  /** false for NO_JOURNAL. */
  readonly recording: boolean;
  readonly runs: Pick<
    RunTable,
    | 'insert'
    | 'finish'
    | 'markAbandoned'
    | 'earlierFinished'
    | 'previousFinishedStatus'
    | 'consecutiveFailures'
    | 'recentArtifactSizes'
  >;
  readonly notifications: Pick<
    NotificationTable,
    'insert' | 'update' | 'claim' | 'settle' | 'hasPending' | 'pending' | 'failedSince' | 'firstAttemptAt'
  >;
  readonly audit: Pick<AuditTable, 'write'>;
  /** Runs `fn` in one transaction: all of its writes or none. */
  transaction<T>(fn: () => T): T;
  /** Deletes what is older than the cutoff (retention). */
  prune(cutoff: Date): PruneResult;
  /** What the Prometheus metrics say now; undefined without a database. */
  metricsSnapshot(options: MetricsQueryOptions): MetricsSnapshot | undefined;
}

export const NO_JOURNAL: Journal = {
  recording: false,
  runs: {
    // The ID is still allocated (the script gets BACKUP_ID either way) and the log file still written.
    insert: (run, startedAt) => {
      const backupId = backupIdFor(startedAt, run.type, 1);
      return { backupId, logPath: run.logPathTemplate?.replace('{id}', backupId) ?? null };
    },
    finish: () => {},
    markAbandoned: () => [],
    earlierFinished: () => [],
    previousFinishedStatus: () => undefined,
    consecutiveFailures: () => 0,
    recentArtifactSizes: () => [],
  },
  notifications: {
    insert: () => 0,
    update: () => {},
    claim: () => true,
    settle: () => true,
    hasPending: () => false,
    pending: () => [],
    failedSince: () => [],
    firstAttemptAt: () => undefined,
  },
  audit: { write: () => {} },
  transaction: (fn) => fn(),
  metricsSnapshot: () => undefined,
  prune: (cutoff) => ({
    cutoff: cutoff.toISOString(),
    dryRun: false,
    runs: 0,
    notifications: 0,
    auditRows: 0,
    logFiles: 0,
    logFileErrors: [],
  }),
};
