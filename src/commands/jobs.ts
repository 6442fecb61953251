import { expectationsWithJobs, listJobFiles } from '../config/jobs-dir.js';
import type { CommandContext } from '../context.js';
import { formatDuration } from '../shared/duration.js';
import { ExitCode } from '../shared/exit-codes.js';
import { isBackupType } from '../shared/run-result.js';
import { colourStatus, table } from '../shared/table.js';
import { isStoreError, openForReading, unreadableStore } from './reading.js';
import { type TypeHealth, typeStatus } from './status.js';

export interface JobsOptions {
  json?: boolean;
}

/** One job as `jobs --json` shows it. */
export interface JobView {
  job: string;
  /** Its job file, null for a job known only from its runs (an ad-hoc or a type's). */
  file: string | null;
  /** The job file's BACKUP_ALERT_TYPE, else its latest run's type, else its name when that is a type. */
  type: string | null;
  /** The longest time allowed since its last success (job file, BACKUP_ALERT_EXPECT); null: none. */
  promiseMs: number | null;
  lastRun: { backupId: string; status: string; finishedAt: string | null; ageMs: number } | null;
  health: TypeHealth;
}

/**
 * `backup-alert jobs`: every job this host knows (files in the jobs directory and jobs seen
 * in the database), its file, type, promise, last run and health. A listing: exit 0.
 */
export async function jobsCommand(options: JobsOptions, ctx: CommandContext): Promise<number> {
  const files = listJobFiles(ctx.jobsDir);
  const promises = expectationsWithJobs(ctx.config.expect, files);
  const now = ctx.now();
  const store = await openForReading(ctx);
  let views: JobView[];
  try {
    const seen = store?.runs.jobs() ?? [];
    const names = [...new Set([...files.map((f) => f.name), ...seen])].sort();
    views = names.map((job) => {
      const file = files.find((f) => f.name === job);
      const promiseMs = promises[job] ?? null;
      const status = typeStatus(store, job, promiseMs ?? undefined, now, ctx.config.escalateAfter);
      const last = status.latestRun;
      const declared = file?.values['BACKUP_ALERT_TYPE']?.trim();
      const type = declared || (last ? last.type : isBackupType(job) ? job : null);
      return {
        job,
        file: file?.path ?? null,
        type,
        promiseMs,
        lastRun: last
          ? {
              backupId: last.backupId,
              status: last.status,
              finishedAt: last.finishedAt,
              ageMs: now.getTime() - Date.parse(last.finishedAt ?? last.startedAt),
            }
          : null,
        health: status.health,
      };
    });
  } catch (error) {
    throw isStoreError(error) ? unreadableStore(ctx.config.dbPath, error) : error;
  } finally {
    store?.close();
  }
  if (options.json) {
    ctx.io.stdout(`${JSON.stringify(views, null, 2)}\n`);
    return ExitCode.ok;
  }
  if (views.length === 0) {
    ctx.io.stdout(`No job yet: no file in ${ctx.jobsDir} and no run recorded.\n`);
    return ExitCode.ok;
  }
  const rows = [['JOB', 'TYPE', 'PROMISE', 'LAST RUN', 'STATUS', 'AGE', 'HEALTH', 'FILE']];
  for (const v of views) {
    rows.push([
      v.job,
      v.type ?? '-',
      v.promiseMs === null ? '-' : formatDuration(v.promiseMs),
      v.lastRun?.backupId ?? '-',
      v.lastRun?.status ?? '-',
      v.lastRun ? `${formatDuration(v.lastRun.ageMs)} ago` : '-',
      colourStatus(v.health === 'ok' ? 'OK' : v.health.toUpperCase(), ctx.io.color),
      v.file ?? '-',
    ]);
  }
  ctx.io.stdout(`${await table(rows)}\n`);
  return ExitCode.ok;
}
