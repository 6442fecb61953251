import type { FailureAlert } from '../../src/notify/types.js';

/** A fixed failure, as run.ts would build it; `overrides` for the case at hand. */
export function sampleAlert(overrides: Partial<FailureAlert> = {}): FailureAlert {
  return {
    kind: 'failure',
    backupId: 'BKP-20260102-030405-daily',
    type: 'daily',
    timestamp: '2026-01-02T03:04:05.678Z',
    error: 'Backup script failed with exit code 3: pg_dump: error: connection refused',
    exitCode: 3,
    signal: null,
    host: 'db1',
    durationMs: 12_345,
    outputTail: 'starting dump\npg_dump: error: connection refused\n',
    script: '/opt/backup/backup.sh',
    logPath: null,
    consecutiveFailures: 2,
    escalate: false,
    ...overrides,
  };
}

/** The runbook §5.2 example failure (BKP-20260215-030000-daily, disk full), as the e-mail tests expect it. */
export function runbookAlert(overrides: Partial<FailureAlert> = {}): FailureAlert {
  return sampleAlert({
    backupId: 'BKP-20260215-030000-daily',
    timestamp: '2026-02-15T03:00:15.123Z',
    error: 'Backup script failed with exit code 1: disk full',
    exitCode: 1,
    host: 'db01',
    durationMs: 15_000,
    outputTail: 'tar: /backup/db.tar: No space left on device\n',
    consecutiveFailures: 1,
    ...overrides,
  });
}
