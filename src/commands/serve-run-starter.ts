import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listJobFiles } from '../config/jobs-dir.js';
import type { CommandContext } from '../context.js';
import { isProcessAlive } from '../run/lock-holder.js';
import type { StartRun, StartRunOutcome } from '../serve/start-run.js';
import { errorCode } from '../shared/errors.js';
import { explainTooLarge } from '../shared/exec-limits.js';
import { isBackupType } from '../shared/run-result.js';
import type { Store } from '../store/store.js';

/** How long the child gets to record its `running` row before the API gives up on it. */
const RECORD_WITHIN_MS = 15_000;

/** The bin cron runs: beside dist/ in the bundle, two up from src/commands/ in the sources. */
export function defaultBinPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [
    join(here, '..', 'bin', 'backup-alert.js'),
    join(here, '..', '..', 'bin', 'backup-alert.js'),
  ];
  return candidates.find((path) => existsSync(path)) ?? candidates[0]!;
}

export interface RunStarterOptions {
  store: Store;
  ctx: CommandContext;
  /** The named jobs that can be started: by default those with a file in the jobs directory. */
  jobs?: () => readonly string[] | Promise<readonly string[]>;
  binPath?: string;
  /** `node`: the same runtime serve runs on. */
  execPath?: string;
}

/**
 * `backup-alert run --type T` (or `--job NAME`) as cron starts it: the same bin, the same
 * database and env file, its own session (detached: a serve restart does not kill a backup),
 * its own output appended to `serve-runs.log` beside the database. The run takes its lock
 * and records itself exactly as from cron; serve learns the backup ID from the `running`
 * row the child's PID writes (no flag or protocol of its own), and answers 409 without
 * starting anything while a live wrapper has a `running` row for that job.
 */
export function createRunStarter(options: RunStarterOptions): StartRun {
  const { store, ctx } = options;
  const binPath = options.binPath ?? defaultBinPath();
  const execPath = options.execPath ?? process.execPath;
  // Jobs whose child has not recorded its row yet: a second request then must not start a
  // second child, which the lock would refuse with a recorded (and alerted) exit 75.
  const starting = new Set<string>();
  return async (request) => {
    let args: string[];
    let job: string;
    if ('job' in request) {
      // A job seen only in the database has no script to run: only files make startable jobs.
      const jobs = (await options.jobs?.()) ?? listJobFiles(ctx.jobsDir).map((file) => file.name);
      if (!jobs.includes(request.job)) return { kind: 'unknown_job' };
      args = ['run', '--job', request.job];
      job = request.job;
    } else {
      if (!isBackupType(request.type)) return { kind: 'unknown_job' };
      args = ['run', '--type', request.type];
      job = request.type;
    }
    // Without --job the job is the type: the running row is looked up by the job either way.
    const live = store.runs
      .runningOfJob(job, ctx.hostname)
      .find((row) => row.pid !== null && isProcessAlive(row.pid));
    if (live) return { kind: 'running', backupId: live.backupId };
    if (starting.has(job)) return { kind: 'running' };
    starting.add(job);
    try {
      return await spawnRun(args);
    } finally {
      starting.delete(job);
    }
  };

  async function spawnRun(args: string[]): Promise<StartRunOutcome> {
    const afterId = store.runs.lastRowId();
    const dbPath = ctx.config.dbPath;
    mkdirSync(dirname(dbPath), { recursive: true });
    const logFd = openSync(join(dirname(dbPath), 'serve-runs.log'), 'a', 0o600);
    const fullArgs = [
      binPath,
      ...args,
      '--db',
      dbPath,
      ...(ctx.config.envFile ? ['--env-file', ctx.config.envFile] : []),
    ];
    let child: ReturnType<typeof spawn>;
    // The jobs directory serve found the job in, whoever the child runs as (root's is /etc's).
    const env = { ...ctx.processEnv, BACKUP_ALERT_JOBS_DIR: ctx.jobsDir };
    try {
      child = spawn(execPath, fullArgs, {
        cwd: ctx.cwd,
        env: env as NodeJS.ProcessEnv,
        detached: true,
        stdio: ['ignore', logFd, logFd],
      });
    } catch (error) {
      // spawn throws at once for E2BIG: say which variable, never its value.
      if (errorCode(error) !== 'E2BIG') throw error;
      return { kind: 'failed', reason: `cannot start the run: ${explainTooLarge(execPath, fullArgs, env)}` };
    } finally {
      closeSync(logFd);
    }
    return waitForRow(store, child, afterId);
  }
}

/** Polls for the child's row; an exit first is a refusal (75: the lock) or a failure to start. */
function waitForRow(
  store: Store,
  child: ReturnType<typeof spawn>,
  afterId: number,
): Promise<StartRunOutcome> {
  return new Promise((resolve) => {
    let exit: number | null | undefined;
    let spawnError: Error | undefined;
    child.once('error', (error) => {
      spawnError = error;
    });
    child.once('exit', (code) => {
      exit = code;
    });
    const started = Date.now();
    const poll = () => {
      const row = child.pid === undefined ? undefined : store.runs.startedBy(child.pid, afterId);
      if (row) {
        child.unref();
        return resolve({ kind: 'started', backupId: row.backupId });
      }
      if (spawnError)
        return resolve({ kind: 'failed', reason: `cannot start the run: ${spawnError.message}` });
      if (exit === 75) return resolve({ kind: 'running' });
      if (exit !== undefined)
        return resolve({ kind: 'failed', reason: `the run exited with ${exit} before recording itself` });
      if (Date.now() - started > RECORD_WITHIN_MS) {
        child.unref();
        return resolve({
          kind: 'failed',
          reason: `the run did not record itself within ${RECORD_WITHIN_MS / 1000} s`,
        });
      }
      setTimeout(poll, 50);
    };
    poll();
  });
}
