import { alertAbout } from '../alert/alert-run.js';
import { sendDueReminders } from '../alert/incidents.js';
import { checkExpectations, missingError, type WatchResult } from '../alert/missing.js';
import { parseExpectations } from '../config/host.js';
import type { JobFile } from '../config/job-file.js';
import { expectationsWithJobs, listJobFiles } from '../config/jobs-dir.js';
import type { ConfigProblem } from '../config/values.js';
import type { CommandContext } from '../context.js';
import { reapAbandoned } from '../run/record.js';
import { formatDuration } from '../shared/duration.js';
import { errorMessage, UsageError } from '../shared/errors.js';
import { ExitCode } from '../shared/exit-codes.js';
import { BACKUP_TYPES, type BackupType, isBackupType } from '../shared/run-result.js';
import type { Store } from '../store/store.js';

export interface WatchOptions {
  maxAge?: string;
}

/**
 * `backup-alert watch`: the local dead man's switch, run every few minutes by a timer. Each
 * expected type without a success within its max age is missing (one backup_missing alert
 * per incident); then the reminders that are due go out. Silent when all is well (cron mails
 * only output); exit 0 healthy, 1 when something is missing.
 */
export async function watchCommand(options: WatchOptions, ctx: CommandContext): Promise<number> {
  const jobFiles = listJobFiles(ctx.jobsDir);
  const expectations = expectationsOf(options, ctx, jobFiles);
  for (const problem of ctx.problems) ctx.logger.warn('Config', `${problem.variable}: ${problem.message}`);
  let store: Store;
  try {
    store = ctx.openStore();
  } catch (error) {
    ctx.io.stderr(
      `backup-alert: cannot open database ${ctx.config.dbPath}: ${errorMessage(error)}; nothing can be checked\n`,
    );
    return ExitCode.failed;
  }
  const actx = { ...ctx, journal: store };
  try {
    for (const abandoned of reapAbandoned(store, ctx)) await alertAbout(abandoned, actx);
    const results = await checkExpectations(store.runs, expectations, actx, typesOf(jobFiles));
    await sendDueReminders(actx, ctx.hostname);
    if (ctx.config.alertmanager) {
      const { refreshOpenAlerts } = await import('../alert/alertmanager-resend.js');
      await refreshOpenAlerts(actx, ctx.hostname);
    }
    if (ctx.config.fleet) {
      const { sendStormUpdates } = await import('../alert/storm.js');
      await sendStormUpdates(actx);
    }
    for (const result of results) {
      const line = describe(result);
      if (result.state === 'missing') ctx.io.stdout(`✖ ${line}\n`);
      else ctx.logger.debug('Watch', line);
    }
    return results.some((result) => result.state === 'missing') ? ExitCode.failed : ExitCode.ok;
  } finally {
    store.close();
  }
}

/**
 * --max-age wins over BACKUP_ALERT_EXPECT and the job files' BACKUP_ALERT_MAX_AGE; with none
 * (and no reminders) there is nothing to do.
 */
function expectationsOf(
  options: WatchOptions,
  ctx: CommandContext,
  jobFiles: readonly JobFile[],
): Record<string, number> {
  if (options.maxAge !== undefined) {
    const problems: ConfigProblem[] = [];
    const maxAgeMs = parseExpectations('--max-age', options.maxAge, BACKUP_TYPES, problems, { jobs: true });
    if (problems[0])
      throw new UsageError(`invalid --max-age: ${problems[0].message.replace(/; ignored$/, '')}`);
    if (Object.keys(maxAgeMs).length === 0) {
      throw new UsageError('invalid --max-age: give job=DURATION items, e.g. --max-age daily=26h,pg=26h');
    }
    return maxAgeMs;
  }
  const fromEnv = expectationsWithJobs(ctx.config.expect, jobFiles);
  if (Object.keys(fromEnv).length === 0 && ctx.config.routing.remindMs.length === 0) {
    throw new UsageError(
      "nothing to watch: give --max-age daily=26h,pg=26h, set BACKUP_ALERT_EXPECT or a job file's BACKUP_ALERT_MAX_AGE (or BACKUP_ALERT_REMIND for reminders only)",
    );
  }
  return fromEnv;
}

function describe(result: WatchResult): string {
  const max = formatDuration(result.maxAgeMs);
  switch (result.state) {
    case 'ok':
      return `${result.job}: last success ${formatDuration(result.ageMs ?? 0)} ago (max age ${max})`;
    case 'running':
      return `${result.job}: running now (${result.latestRun?.backupId ?? '?'}); not missing`;
    default:
      return `${missingError(result)} [incident #${result.incidentId ?? '?'}: ${result.action ?? 'recorded'}]`;
  }
}

/** The type each job file declares: what a missing alert about a job that never ran says. */
function typesOf(files: readonly JobFile[]): Record<string, BackupType> {
  const types: Record<string, BackupType> = {};
  for (const file of files) {
    const type = file.values['BACKUP_ALERT_TYPE']?.trim();
    if (type && isBackupType(type)) types[file.name] = type;
  }
  return types;
}
