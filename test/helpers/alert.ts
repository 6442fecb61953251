import type { Alert } from '../../src/notify/types.js';
import type { BackupType, RunResult } from '../../src/shared/run-result.js';

/** The facts a test wants to vary, by the names the messages show them under. */
export interface SampleFacts {
  kind: Alert['kind'];
  backupId: string;
  type: BackupType;
  /** Default: the type. */
  job?: string;
  timestamp: string;
  error: string;
  exitCode: number | null;
  signal: string | null;
  host: string;
  durationMs: number | null;
  outputTail: string;
  script: string | null;
  logPath: string | null;
  artifactPath: string | null;
  artifactBytes: number | null;
  consecutiveFailures: number;
  escalate: boolean;
  suppressedCount: number;
  lateSince: string;
  resentAt: string;
}

const DEFAULTS: Omit<SampleFacts, 'suppressedCount' | 'lateSince' | 'resentAt'> = {
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
  artifactPath: null,
  artifactBytes: null,
  consecutiveFailures: 2,
  escalate: false,
};

/** A fixed failure, as the run pipeline would build it; `overrides` for the case at hand. */
export function sampleAlert(overrides: Partial<SampleFacts> = {}): Alert {
  const f = { ...DEFAULTS, ...overrides };
  const run: RunResult = {
    backupId: f.backupId,
    type: f.type,
    job: f.job ?? f.type,
    host: f.host,
    script: f.script,
    logPath: f.logPath,
    status: f.kind === 'recovery' ? 'success' : 'failure',
    startedAt: f.timestamp,
    finishedAt: f.timestamp,
    durationMs: f.durationMs,
    exitCode: f.exitCode,
    signal: f.signal,
    errorMessage: f.error,
    outputTail: f.outputTail,
    artifactPath: f.artifactPath,
    artifactBytes: f.artifactBytes,
  };
  return {
    kind: f.kind,
    run,
    consecutiveFailures: f.consecutiveFailures,
    escalate: f.escalate,
    ...(f.suppressedCount !== undefined ? { suppressedCount: f.suppressedCount } : {}),
    ...(f.lateSince !== undefined ? { lateSince: f.lateSince } : {}),
    ...(f.resentAt !== undefined ? { resentAt: f.resentAt } : {}),
  };
}

/** The runbook §5.2 example failure (BKP-20260215-030000-daily, disk full), as the e-mail tests expect it. */
export function runbookAlert(overrides: Partial<SampleFacts> = {}): Alert {
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
