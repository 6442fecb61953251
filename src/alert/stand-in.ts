import type { BackupType, RunResult } from '../shared/run-result.js';
/** The backup ID of an alert about no run (a missing backup): stored as NULL. */
export const NO_BACKUP_ID = '-';

/**
 * The run an alert about no single run carries (a missing backup, a reminder of one), as a
 * test alert carries one: every channel reads the same shape. Its backup ID is `-` (recorded
 * as none), its time is when it was found, its error says what is wrong.
 */
export function standInRun(job: string, type: BackupType, host: string, at: Date, error: string): RunResult {
  return {
    backupId: NO_BACKUP_ID,
    job,
    type,
    host,
    script: null,
    logPath: null,
    status: 'failure',
    startedAt: at.toISOString(),
    finishedAt: at.toISOString(),
    durationMs: null,
    exitCode: null,
    signal: null,
    errorMessage: error,
    outputTail: '',
    artifactPath: null,
    artifactBytes: null,
  };
}
