import type Database from 'better-sqlite3';
import type { MetricsSnapshot } from '../metrics/snapshot.js';
import type { AuditTable } from './audit.js';
import type { ChannelTable } from './channels.js';
import type { IncidentTable } from './incidents.js';
import type { MetricsQueryOptions } from './metrics-query.js';
import type { NotificationTable } from './notifications.js';
import type { PruneResult } from './prune.js';
import { backupIdFor } from './rows.js';
import type { RunTable } from './runs.js';
import type { SilenceTable } from './silences.js';

/**
 * What `run`, the alert policy and `retry` read and write. The SQLite Store is
 * one; NO_JOURNAL is the other, for when the database cannot be opened: the
 * backup still runs and alerts still go out, nothing is recorded and every
 * history read is empty. Callers never check for "no database" themselves.
 */
export interface Journal {
  /** false for NO_JOURNAL. */
  readonly recording: boolean;
  /** The SQLite database itself, for the fleet's outbox (src/store/outbox.ts); absent without one. */
  readonly db?: Database.Database;
  readonly runs: Pick<
    RunTable,
    | 'insert'
    | 'finish'
    | 'markAbandoned'
    | 'earlierFinished'
    | 'previousFinishedStatus'
    | 'consecutiveFailures'
    | 'recentArtifactSizes'
    | 'get'
  >;
  readonly notifications: Pick<
    NotificationTable,
    'insert' | 'update' | 'claim' | 'settle' | 'hasPending' | 'pending' | 'failedSince' | 'firstAttemptAt'
  >;
  readonly audit: Pick<AuditTable, 'write'>;
  /** The runbook §8.1.3 channel registry (read when alerting). */
  readonly channels: Pick<ChannelTable, 'list'>;
  readonly incidents: Pick<
    IncidentTable,
    | 'get'
    | 'openFor'
    | 'openOn'
    | 'recordFailure'
    | 'recordMissing'
    | 'close'
    | 'claimMissingAlert'
    | 'claimReminder'
    | 'joinStorm'
    | 'noteAlert'
    | 'latestAlertDeliveries'
  >;
  readonly silences: Pick<SilenceTable, 'active' | 'hold' | 'claimUnreported' | 'releaseClaim'>;
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
    get: () => undefined,
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
  // Without a database there is no registry, no incident and no silence: every alert goes out.
  channels: { list: () => [] },
  incidents: {
    get: () => undefined,
    openFor: () => undefined,
    openOn: () => [],
    recordFailure: () => {
      throw new Error('no database: incidents are not tracked');
    },
    recordMissing: () => {
      throw new Error('no database: incidents are not tracked');
    },
    close: () => undefined,
    claimMissingAlert: () => true,
    claimReminder: () => false,
    joinStorm: () => {},
    noteAlert: () => {},
    latestAlertDeliveries: () => [],
  },
  silences: { active: () => [], hold: () => {}, claimUnreported: () => [], releaseClaim: () => {} },
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
