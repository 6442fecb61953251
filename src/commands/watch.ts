import { alertAbout } from '../alert/alert-run.js';
import { sendDueReminders } from '../alert/incidents.js';
import { checkExpectations, missingError, type WatchResult } from '../alert/missing.js';
import { parseExpectations } from '../config/host.js';
import type { ConfigProblem } from '../config/values.js';
import type { CommandContext } from '../context.js';
import { reapAbandoned } from '../run/record.js';
import { formatDuration } from '../shared/duration.js';
import { errorMessage, UsageError } from '../shared/errors.js';
import { ExitCode } from '../shared/exit-codes.js';
import type { BackupType } from '../shared/run-result.js';
import { BACKUP_TYPES } from '../shared/run-result.js';
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
  const expectations = expectationsOf(options, ctx);
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
    const results = await checkExpectations(store.runs, expectations, actx);
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

/** --max-age wins over BACKUP_ALERT_EXPECT; with neither (and no reminders) there is nothing to do. */
function expectationsOf(options: WatchOptions, ctx: CommandContext): Partial<Record<BackupType, number>> {
  if (options.maxAge !== undefined) {
    const problems: ConfigProblem[] = [];
    const maxAgeMs = parseExpectations('--max-age', options.maxAge, BACKUP_TYPES, problems);
    if (problems[0])
      throw new UsageError(`invalid --max-age: ${problems[0].message.replace(/; ignored$/, '')}`);
    if (Object.keys(maxAgeMs).length === 0) {
      throw new UsageError('invalid --max-age: give type=DURATION items, e.g. --max-age daily=26h,weekly=8d');
    }
    return maxAgeMs;
  }
  const fromEnv = ctx.config.expect;
  if (Object.keys(fromEnv).length === 0 && ctx.config.routing.remindMs.length === 0) {
    throw new UsageError(
      'nothing to watch: give --max-age daily=26h,weekly=8d or set BACKUP_ALERT_EXPECT (or BACKUP_ALERT_REMIND for reminders only)',
    );
  }
  return fromEnv;
}

function describe(result: WatchResult): string {
  const max = formatDuration(result.maxAgeMs);
  switch (result.state) {
    case 'ok':
      return `${result.type}: last success ${formatDuration(result.ageMs ?? 0)} ago (max age ${max})`;
    case 'running':
      return `${result.type}: running now (${result.latestRun?.backupId ?? '?'}); not missing`;
    default:
      return `${missingError(result)} [incident #${result.incidentId ?? '?'}: ${result.action ?? 'recorded'}]`;
  }
}
