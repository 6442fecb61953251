import type { Alert, MissingFacts } from '../notify/types.js';
import { formatDuration } from '../shared/duration.js';
import { type BackupType, isBackupType } from '../shared/run-result.js';
import type { RunTable } from '../store/runs.js';
import type { AlertContext } from './dispatch.js';
import { incidentFacts } from './incidents.js';
import { typeAlerts } from './policy.js';
import { sendAlert } from './send.js';
import { standInRun } from './stand-in.js';

/**
 * `watch`, the local dead man's switch: a job with no success within its max age is
 * missing (keyed by job, issue 21: `pg` missing is not hidden by `files` succeeding). It opens an incident and sends one backup_missing alert per incident (a failure
 * alert already told people when the incident began with a failure). A run in progress is
 * not missing: it may yet succeed, and --warn-after / --timeout watch over it.
 */

export type WatchState = 'ok' | 'running' | 'missing';

/** What happened to the missing alert this time. */
export type MissingAction = 'sent' | 'held' | 'already alerted' | 'type does not alert';

export interface WatchResult {
  job: string;
  /** The job's type (its latest run's; a job named like a type is that type). */
  type: BackupType;
  maxAgeMs: number;
  state: WatchState;
  lastSuccessAt: string | null;
  /** Time since the last success (null: never). */
  ageMs: number | null;
  latestRun: { backupId: string; status: string } | null;
  action?: MissingAction;
  incidentId?: number;
}

/** How a job stands against its max age, from the (real) runs recorded here. */
export function judgeType(
  runs: Pick<RunTable, 'latest'>,
  job: string,
  maxAgeMs: number,
  now: Date,
  jobType?: BackupType,
): WatchResult {
  const latest = runs.latest(job);
  const success = runs.latest(job, 'success');
  const lastSuccessAt = success ? (success.finished_at ?? success.started_at) : null;
  const ageMs = lastSuccessAt ? now.getTime() - Date.parse(lastSuccessAt) : null;
  let state: WatchState = 'ok';
  if (latest?.status === 'running') state = 'running';
  else if (ageMs === null || ageMs > maxAgeMs) state = 'missing';
  const type =
    jobType ?? (isBackupType(latest?.type ?? job) ? ((latest?.type ?? job) as BackupType) : 'manual');
  return {
    job,
    type,
    maxAgeMs,
    state,
    lastSuccessAt,
    ageMs,
    latestRun: latest ? { backupId: latest.backup_id, status: latest.status } : null,
  };
}

/** Judges every expected job and sends what is due. Never throws for one job's sake. */
export async function checkExpectations(
  runs: Pick<RunTable, 'latest' | 'consecutiveFailures'>,
  expectations: Readonly<Record<string, number>>,
  ctx: AlertContext & { hostname: string },
  jobTypes: Readonly<Record<string, BackupType>> = {},
): Promise<WatchResult[]> {
  const results: WatchResult[] = [];
  for (const [job, maxAgeMs] of Object.entries(expectations)) {
    const result = judgeType(runs, job, maxAgeMs, ctx.now(), jobTypes[job]);
    if (result.state === 'missing') await onMissing(result, runs, ctx);
    results.push(result);
  }
  return results;
}

async function onMissing(
  result: WatchResult,
  runs: Pick<RunTable, 'consecutiveFailures'>,
  ctx: AlertContext & { hostname: string },
): Promise<void> {
  const now = ctx.now();
  const at = now.toISOString();
  const { incident, opened } = ctx.journal.incidents.recordMissing(
    ctx.hostname,
    { job: result.job, type: result.type },
    at,
  );
  result.incidentId = incident.id;
  if (!typeAlerts(ctx.config, result.type)) {
    result.action = 'type does not alert';
    return;
  }
  // Once per incident: this alert went out before, or a failure alert did (one held by a
  // silence or never sent told nobody: then this one is news).
  if (incident.missing_alerted_at || (incident.cause === 'failure' && incident.last_alert_at)) {
    result.action = 'already alerted';
    return;
  }
  const silence = ctx.journal.silences.active(at, { job: result.job, type: result.type })[0];
  if (silence) {
    // Counted once, when the incident opens: watch runs every few minutes. The alert itself
    // stays due (missing_alerted_at is unset) and goes out when the silence ends.
    if (opened) ctx.journal.silences.hold(silence.id);
    ctx.logger.info(
      'Silence',
      `Missing backup alert for ${result.job} held: silenced until ${silence.ends_at} (silence #${silence.id})`,
    );
    result.action = 'held';
    return;
  }
  if (!ctx.journal.incidents.claimMissingAlert(incident.id, at)) {
    result.action = 'already alerted';
    return;
  }
  const missing: MissingFacts = {
    maxAgeMs: result.maxAgeMs,
    lastSuccessAt: result.lastSuccessAt,
    overdueMs: result.ageMs === null ? null : result.ageMs - result.maxAgeMs,
    lastRunId: result.latestRun?.backupId ?? null,
    lastRunStatus: result.latestRun?.status ?? null,
  };
  const consecutiveFailures = runs.consecutiveFailures(result.job);
  const alert: Alert = {
    kind: 'missing',
    run: standInRun(result.job, result.type, ctx.hostname, now, missingError(result)),
    consecutiveFailures,
    escalate: false,
    incident: incidentFacts(incident),
    missing,
  };
  ctx.logger.error('Backup', `Backup missing: ${missingError(result)}`);
  const outcome = await sendAlert(alert, ctx);
  result.action = outcome.held ? 'held' : 'sent';
}

/** The one-line error of a missing backup (English, like every error message we store). */
export function missingError(
  result: Pick<WatchResult, 'job' | 'maxAgeMs' | 'ageMs' | 'lastSuccessAt'>,
): string {
  const max = formatDuration(result.maxAgeMs);
  if (result.ageMs === null)
    return `No successful ${result.job} backup recorded on this host (max age ${max})`;
  return `No successful ${result.job} backup for ${formatDuration(result.ageMs)} (max age ${max}); last success ${result.lastSuccessAt}`;
}
