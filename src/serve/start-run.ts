/** What POST /api/v1/backups asks for: a type (`run --type T`) or a named job (`run --job NAME`). */
export type RunRequest = { type: string } | { job: string };

/** Who asked, for the audit row and the log. */
export interface RunRequester {
  user?: string;
  remote: string;
}

export type StartRunOutcome =
  /** The child recorded its `running` row under this ID. */
  | { kind: 'started'; backupId: string }
  /** That job runs now (its lock is held): nothing was started. */
  | { kind: 'running'; backupId?: string }
  | { kind: 'unknown_job' }
  /** The child could not start or died before recording a run; the reason is for the log. */
  | { kind: 'failed'; reason: string };

/** Starts `backup-alert run` for a job as its own process; injected by the serve command. */
export type StartRun = (request: RunRequest, by: RunRequester) => Promise<StartRunOutcome>;
