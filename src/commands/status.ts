import type { CommandContext } from '../context.js';
import { checkDuration, formatDuration } from '../shared/duration.js';
import { errorMessage, UsageError } from '../shared/errors.js';
import { ExitCode } from '../shared/exit-codes.js';
import { colourStatus, table } from '../shared/table.js';
import { oneLineSafe } from '../shared/terminal-text.js';
import { runViewOf } from '../store/rows.js';
import type { Store } from '../store/store.js';
import { isStoreError, openForReading, type RunJson, unreadableStore } from './reading.js';
import { formatSizeStatus, type SizeStatus, sizeStatus } from './size-status.js';

export interface StatusOptions {
  type?: string;
  /** Only this job (issue 21). */
  job?: string;
  maxAge?: string;
  json?: boolean;
  nagios?: boolean;
}

/** ok; failed (latest run failed or was abandoned); stale (no success within --max-age); never (no run at all). */
export type TypeHealth = 'ok' | 'running' | 'failed' | 'stale' | 'never';

export interface TypeStatus {
  /** The job (the type when runs named none): what a status line is about. */
  job: string;
  /** The type of the job's latest run (its schedule class). */
  type: string;
  health: TypeHealth;
  /** The latest finished run (what health follows), or the running one when none has finished. */
  latestRun: RunJson | null;
  /** A run of this type in progress now, if any. */
  runningRun: RunJson | null;
  latestSuccess: RunJson | null;
  /** Age of the latest success in ms, null when there is none. */
  successAgeMs: number | null;
  consecutiveFailures: number;
  /** consecutiveFailures reached BACKUP_ALERT_ESCALATE_AFTER (runbook §13 Level 2). */
  escalate: boolean;
  /** The latest success's artifact size against the median before it; null without `--artifact`. */
  size: SizeStatus | null;
}

const NAGIOS = { ok: 0, warning: 1, critical: 2, unknown: 3 } as const;

/** "|" starts the performance data and a newline ends the status line (monitoring-plugin rules). */
function nagiosText(text: string): string {
  return text.replace(/\|/g, '/').replace(/\s*[\r\n]+\s*/g, ' ');
}

/** One job's health (keyed by job: two jobs of one type never hide each other). */
export function typeStatus(
  store: Store | null,
  job: string,
  maxAgeMs: number | undefined,
  now: Date,
  escalateAfter: number,
): TypeStatus {
  // Health follows the latest finished outcome: a lock-busy failure recorded while a real
  // run was still going must not outrank that run's later success.
  const finished = store?.runs.latestFinished(job);
  const running = store?.runs.latest(job, 'running');
  const latest = finished ?? running;
  const success = store?.runs.latestFinished(job, 'success');
  const successAgeMs = success ? now.getTime() - Date.parse(success.finished_at ?? success.started_at) : null;
  const consecutiveFailures = store?.runs.failuresFinishedAfter(job, success?.finished_at ?? '') ?? 0;
  let health: TypeHealth = 'ok';
  const stale = maxAgeMs !== undefined && (successAgeMs === null || successAgeMs > maxAgeMs);
  if (!latest) health = 'never';
  else if (latest.status === 'failure' || latest.status === 'abandoned') health = 'failed';
  else if (stale) health = running ? 'running' : 'stale';
  return {
    job,
    type: latest?.type ?? job,
    health,
    latestRun: latest ? runViewOf(latest) : null,
    runningRun: running ? runViewOf(running) : null,
    latestSuccess: success ? runViewOf(success) : null,
    successAgeMs,
    consecutiveFailures,
    escalate: consecutiveFailures >= escalateAfter,
    size: sizeStatus(store, job, success),
  };
}

function describe(status: TypeStatus, maxAge: string | undefined): string {
  const age =
    status.successAgeMs === null
      ? 'never succeeded'
      : `last success ${formatDuration(status.successAgeMs)} ago`;
  switch (status.health) {
    case 'never':
      return `${status.job}: no run recorded`;
    case 'failed':
      return (
        `${status.job}: latest run ${status.latestRun?.backupId} ${status.latestRun?.status}` +
        ` (${status.consecutiveFailures} in a row${status.escalate ? ', Level 2 escalation' : ''}): ${oneLineSafe(status.latestRun?.errorMessage ?? '')}`
      );
    case 'stale':
      return `${status.job}: ${age}, older than ${maxAge}`;
    case 'running':
      return `${status.job}: running now, ${age}, older than ${maxAge}`;
    default:
      return `${status.job}: ${age}`;
  }
}

/** Latest run per type; exit 1 when one failed or has no success within --max-age (a backup that never ran). */
export async function statusCommand(options: StatusOptions, ctx: CommandContext): Promise<number> {
  let maxAgeMs: number | undefined;
  if (options.maxAge !== undefined) {
    const checked = checkDuration(options.maxAge);
    if (!checked.ok) throw new UsageError(`invalid --max-age ${checked.problem}`);
    maxAgeMs = checked.ms;
  }
  let store: Store | null = null;
  let statuses: TypeStatus[];
  const now = ctx.now();
  try {
    store = await openForReading(ctx);
    try {
      statuses = jobsToShow(store, options).map((job) =>
        typeStatus(store, job, maxAgeMs, now, ctx.config.escalateAfter),
      );
    } catch (error) {
      throw isStoreError(error) ? unreadableStore(ctx.config.dbPath, error) : error;
    }
  } catch (error) {
    store?.close();
    if (!options.nagios) throw error;
    // The monitoring-plugin convention: a check that cannot tell is UNKNOWN, and says why.
    ctx.io.stdout(`UNKNOWN - ${nagiosText(errorMessage(error))}\n`);
    return NAGIOS.unknown;
  }
  try {
    const bad = statuses.filter((s) => s.health === 'failed' || s.health === 'stale' || s.health === 'never');
    const warn = statuses.filter((s) => s.health === 'running');
    const healthy = statuses.length > 0 && bad.length === 0;

    // An invalid setting: the backups run on its default, but it is WARNING until fixed.
    const settings = ctx.problems.map((p) => `${p.variable} ${p.message}`).join('; ');
    if (options.nagios) {
      const label =
        statuses.length === 0
          ? 'CRITICAL'
          : bad.length > 0
            ? 'CRITICAL'
            : warn.length > 0 || settings
              ? 'WARNING'
              : 'OK';
      const shown = bad.length > 0 ? bad : warn.length > 0 ? warn : statuses;
      const text =
        statuses.length === 0
          ? 'no backup run recorded'
          : nagiosText(
              [
                ...(label === 'WARNING' && warn.length === 0
                  ? []
                  : shown.map((s) => describe(s, options.maxAge))),
                ...(settings && bad.length === 0 ? [`settings: ${settings}`] : []),
              ].join('; '),
            );
      const perf = statuses
        .map(
          (s) =>
            `'${s.job}_age'=${s.successAgeMs === null ? 'U' : `${Math.round(s.successAgeMs / 1000)}s`} '${s.job}_failures'=${s.consecutiveFailures}` +
            (s.size ? ` '${s.job}_size'=${s.size.bytes}B` : ''),
        )
        .join(' ');
      ctx.io.stdout(`${label} - ${text}${perf ? ` | ${perf}` : ''}\n`);
      return label === 'OK' ? NAGIOS.ok : label === 'WARNING' ? NAGIOS.warning : NAGIOS.critical;
    }
    if (options.json) {
      ctx.io.stdout(
        `${JSON.stringify({ healthy, checkedAt: now.toISOString(), maxAgeMs: maxAgeMs ?? null, jobs: statuses, types: statuses, settingsProblems: ctx.problems }, null, 2)}\n`,
      );
      return healthy ? ExitCode.ok : ExitCode.failed;
    }
    if (statuses.length === 0) {
      ctx.io.stdout('No backup run recorded yet.\n');
      return ExitCode.failed;
    }
    const rows = [
      ['JOB', 'TYPE', 'HEALTH', 'LATEST RUN', 'STATUS', 'LAST SUCCESS', 'FAILS IN A ROW', 'LAST SIZE'],
    ];
    for (const s of statuses) {
      rows.push([
        s.job,
        s.type,
        colourStatus(s.health === 'ok' ? 'OK' : s.health.toUpperCase(), ctx.io.color),
        s.latestRun?.backupId ?? '-',
        s.latestRun?.status ?? '-',
        s.successAgeMs === null ? 'never' : `${formatDuration(s.successAgeMs)} ago`,
        `${s.consecutiveFailures}${s.escalate ? ' (Level 2: escalate)' : ''}`,
        formatSizeStatus(s.size),
      ]);
    }
    ctx.io.stdout(`${await table(rows)}\n`);
    for (const s of bad) ctx.io.stdout(`${describe(s, options.maxAge)}\n`);
    if (settings) {
      ctx.io.stdout(
        `WARNING settings: ${settings}; backups run on the defaults until it is fixed (backup-alert doctor)\n`,
      );
    }
    return healthy ? ExitCode.ok : ExitCode.failed;
  } finally {
    store?.close();
  }
}

/**
 * The jobs a status reads: --job alone; --type the jobs whose latest run is of that type (the
 * type itself when none is, so "no run recorded" is still said of it); else every job.
 */
function jobsToShow(store: Store | null, options: StatusOptions): string[] {
  if (options.job !== undefined) return [options.job];
  // A job with only `run --test` runs has no health yet: it is not listed as "never ran".
  const jobs = (store?.runs.jobs() ?? []).filter((job) => store?.runs.latest(job) !== undefined);
  if (options.type === undefined) return jobs;
  const ofType = jobs.filter((job) => store?.runs.typeOfJob(job) === options.type);
  return ofType.length > 0 ? ofType : [options.type];
}
