import type { Alert } from '../notify/types.js';
import { backupIdFor } from '../store/rows.js';

/** What test-notify and doctor --send say in the test alert's error line. */
export const TEST_NOTIFY_TEXT =
  'This is a test notification from backup-alert test-notify; no backup failed.';

/**
 * A clearly-marked test alert (【テスト】) carrying the same facts a real one would:
 * what test-email (runbook §7.1), test-notify and doctor --send send.
 */
export function testAlert(now: Date, host: string, error: string, script: string | null = null): Alert {
  return {
    kind: 'test',
    run: {
      backupId: backupIdFor(now, 'test', 1),
      job: 'test',
      type: 'manual',
      host,
      script,
      logPath: null,
      status: 'failure',
      startedAt: now.toISOString(),
      finishedAt: now.toISOString(),
      durationMs: null,
      exitCode: null,
      signal: null,
      errorMessage: error,
      outputTail: '',
      artifactPath: null,
      artifactBytes: null,
    },
    consecutiveFailures: 0,
    escalate: false,
  };
}

/**
 * test-notify --kind: what an alert of that kind looks like, marked as a test (【テスト】)
 * and never queued for retry. Its facts are examples, said to be so in its error line.
 */
export function previewAlert(kind: Alert['kind'], now: Date, host: string): Alert {
  if (kind === 'test') return testAlert(now, host, TEST_NOTIFY_TEXT);
  const base = testAlert(now, host, `${TEST_NOTIFY_TEXT} (preview of a ${kind} alert)`);
  const hour = 3_600_000;
  const at = (ms: number) => new Date(now.getTime() - ms).toISOString();
  const run = { ...base.run, backupId: backupIdFor(now, 'daily', 1), job: 'daily', type: 'daily' as const };
  const incident = { id: 0, cause: 'failure' as const, openedAt: at(26 * hour), failedRuns: 2 };
  switch (kind) {
    case 'failure':
      return { ...base, kind, run: { ...run, exitCode: 1 }, consecutiveFailures: 2, incident, preview: true };
    case 'recovery':
      return {
        ...base,
        kind,
        run: { ...run, status: 'success', exitCode: 0 },
        incident: { ...incident, closedAt: now.toISOString() },
        preview: true,
      };
    case 'reminder':
      return {
        ...base,
        kind,
        run,
        consecutiveFailures: 2,
        incident: { ...incident, reminder: 1 },
        preview: true,
      };
    case 'slow':
      return { ...base, kind, run, slow: { runningForMs: 2 * hour, warnAfterMs: 2 * hour }, preview: true };
    case 'suspect':
    case 'suspect-growth': {
      const drop = kind === 'suspect';
      const mib = 1_048_576;
      const bytes = drop ? mib : 40 * mib;
      return {
        ...base,
        kind,
        run: {
          ...run,
          status: 'success',
          exitCode: 0,
          artifactPath: '/var/backups/db.dump',
          artifactBytes: bytes,
        },
        size: {
          direction: drop ? 'drop' : 'growth',
          path: '/var/backups/db.dump',
          bytes,
          medianBytes: 10 * mib,
          recentBytes: [10 * mib, 10 * mib, 11 * mib],
          changePercent: drop ? -90 : 300,
          thresholdPercent: drop ? 50 : 200,
        },
        preview: true,
      };
    }
    case 'missing':
      return {
        ...base,
        kind,
        run: { ...run, backupId: '-' },
        incident: { ...incident, cause: 'missing', failedRuns: 0 },
        missing: {
          maxAgeMs: 26 * hour,
          lastSuccessAt: at(27 * hour),
          overdueMs: hour,
          lastRunId: backupIdFor(new Date(now.getTime() - 27 * hour), 'daily', 1),
          lastRunStatus: 'success',
        },
        preview: true,
      };
    case 'config-problem':
      return {
        ...base,
        kind,
        run: { ...run, status: 'success', exitCode: 0, errorMessage: EXAMPLE_CONFIG_PROBLEM },
        preview: true,
      };
  }
}

/** What a settings-problem notice's error line looks like (test-notify --kind config-problem). */
const EXAMPLE_CONFIG_PROBLEM =
  'BACKUP_ALERT_TIMEOUT is not a duration (e.g. 90s, 15m, 4h, 7d): the backup ran without a timeout (example)';
