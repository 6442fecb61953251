/**
 * The facts of one backup run, in the one shape every part reads: built once by
 * run/result.ts and read by the store, the alert policy, the messages, metrics and
 * sync. Plain data, safe to show: the error and the output tail are already redacted.
 */
export const BACKUP_TYPES = ['daily', 'weekly', 'monthly', 'manual'] as const;
export type BackupType = (typeof BACKUP_TYPES)[number];

/** A job name: a slug, safe as a file name, a label value and a URL segment. */
export const JOB_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

export function isJobName(value: string): boolean {
  return JOB_NAME.test(value);
}

export function isBackupType(value: string): value is BackupType {
  return (BACKUP_TYPES as readonly string[]).includes(value);
}

export const RUN_STATUSES = ['running', 'success', 'failure', 'abandoned'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
/** A run that has ended, one way or another. */
export type FinishedStatus = Exclude<RunStatus, 'running'>;

export interface RunResult {
  backupId: string;
  /**
   * The job: the identity of this backup on its host (`pg`, `files`; DESIGN.md "Jobs").
   * The type when no job was named, so every run has one.
   */
  job: string;
  type: BackupType;
  /** `run --test` (runbook §7.3): alerted as a test, ignored by health. Absent = a real run. */
  isTest?: boolean;
  host: string;
  script: string | null;
  /** The per-run log file, when there is one. */
  logPath: string | null;
  status: FinishedStatus;
  /** ISO 8601 UTC with milliseconds. */
  startedAt: string;
  /** ISO 8601 UTC with milliseconds: the runbook's 発生時刻 for a failure. */
  finishedAt: string;
  durationMs: number | null;
  /**
   * The run's exit status as the scheduler saw it: 0, the script's own code, 124
   * timed out, 126/127 not startable, 128+n signal, 75 lock busy, 65 the script said
   * success but its artifact or duration did not. Null only for a
   * run whose wrapper died (abandoned): nobody knows.
   */
  exitCode: number | null;
  /** The signal that ended the script, if one did. */
  signal: string | null;
  /** DESIGN.md's one-line message; null on success. */
  errorMessage: string | null;
  /** The end of the script's output ('' on success or when there was none). */
  outputTail: string;
  /**
   * Bytes the script printed before outputTail that it does not hold (only the log file
   * does): an alert that cuts the tail further counts these too. Absent when unknown.
   */
  outputCutBytes?: number;
  /**
   * What `--artifact` found (DESIGN.md "False success"): the file or directory checked
   * (a glob's newest match; several joined with ", "), null when no artifact was asked for.
   */
  artifactPath: string | null;
  /** Its size in bytes (several: their sum); null when it was not measured (missing, unreadable). */
  artifactBytes: number | null;
}

/**
 * A recorded run as people and tools read it: `history --json`, `status --json`, the
 * API's items and `history --fleet`. camelCase, no internal columns; a run still going
 * has no finish yet. The JSON contract documented in the README.
 */
export interface RunView {
  backupId: string;
  host: string | null;
  /** The job (the type when the run named none). */
  job: string;
  type: string;
  status: string;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  exitCode: number | null;
  signal: string | null;
  errorMessage: string | null;
  script: string | null;
  logPath: string | null;
  /** What `run --artifact` checked, and its size in bytes; null without one. */
  artifactPath: string | null;
  artifactBytes: number | null;
}
