import type { Config } from '../config/config.js';
import type { Alert, IncidentFacts } from '../notify/types.js';
import type { RunResult, RunStatus } from '../shared/run-result.js';
import { describeSizeFinding, type SizeFinding } from '../shared/size-finding.js';
import type { Journal } from '../store/journal.js';
import type { SilenceRow } from '../store/routing-rows.js';
import type { RunRow } from '../store/rows.js';
import { sizeFindingOf } from './size-check.js';

/**
 * Who is told what about a finished run: every "should we send?" rule in one
 * place (runbook §1.2, §10.4 and §13, FAQ Q5): the types that alert, escalation,
 * repeat suppression and recovery, decided from what the journal already holds.
 *
 * No table of its own: a failed run "was alerted" when notification_logs has a row
 * for its backup_id (whatever the delivery status: a failed delivery is queued for
 * `retry`, so the alert still went out). A held-back failure writes no notification
 * row, which is exactly how the held-back count is found again later.
 */
export type AlertDecision =
  | { send: true; alert: Alert }
  /** `heldBack`: the alert a repeat would have been (its suppressedCount: held back so far, this one included). */
  | { send: false; reason?: string; heldBack?: Alert };

export type PolicyConfig = Pick<
  Config,
  'alertTypes' | 'escalateAfter' | 'repeatIntervalMs' | 'notifyRecovery' | 'falseSuccess'
> &
  Partial<Pick<Config, 'alertmanager'>>;

const FAILED: ReadonlySet<RunStatus> = new Set(['failure', 'abandoned']);

/** BACKUP_ALERT_TYPES: only these types alert (every run is recorded regardless). */
export function typeAlerts(config: Pick<Config, 'alertTypes'>, type: string): boolean {
  return (config.alertTypes as readonly string[]).includes(type);
}

/**
 * Decides what (if anything) to send about `run`, whose row is already final. `incident`:
 * the incident the run belongs to (for a success, the one it has just closed).
 */
export function decideAlert(
  run: RunResult,
  journal: Journal,
  config: PolicyConfig,
  now: Date,
  incident?: IncidentFacts,
): AlertDecision {
  if (run.status === 'success')
    return decideSuspect(run, journal, config) ?? decideRecovery(run, journal, config, incident);
  if (!config.alertTypes.includes(run.type)) {
    return {
      send: false,
      reason: `No alert for ${run.backupId}: type ${run.type} is not in BACKUP_ALERT_TYPES (${config.alertTypes.join(', ')}); the run is recorded`,
    };
  }
  const streak = failureStreak(journal, run);
  const consecutiveFailures = streak.length + 1;
  // A failure with a size (a too-small or stale artifact) also says how it compares.
  const size = quietSizeFinding(run, journal, config);
  const alert = (suppressedCount: number): Alert => ({
    kind: 'failure',
    run,
    consecutiveFailures,
    escalate: consecutiveFailures >= config.escalateAfter,
    ...(suppressedCount > 0 ? { suppressedCount } : {}),
    ...(size ? { size } : {}),
    ...(incident ? { incident } : {}),
  });
  const failure = (suppressedCount: number): AlertDecision => ({ send: true, alert: alert(suppressedCount) });
  // Default (runbook behaviour): every failure alerts, nothing to count.
  if (config.repeatIntervalMs === undefined) return failure(0);

  const alertedIndex = streak.findIndex((row) => journal.notifications.firstAttemptAt(row.backup_id));
  if (alertedIndex < 0) return failure(0);
  const lastAlerted = streak[alertedIndex]!;
  // Runs newer than the last alerted one in this streak were not sent: held back.
  const heldBack = alertedIndex;
  const sentAt = Date.parse(journal.notifications.firstAttemptAt(lastAlerted.backup_id)!);
  const identical = (lastAlerted.error_message ?? '') === (run.errorMessage ?? '');
  if (identical && now.getTime() - sentAt < config.repeatIntervalMs) {
    return {
      send: false,
      reason: `Alert for ${run.backupId} held back: same failure as the last alert inside BACKUP_ALERT_REPEAT_INTERVAL (${heldBack + 1} held back so far)`,
      heldBack: alert(heldBack + 1),
    };
  }
  return failure(heldBack);
}

/**
 * DESIGN.md "False success": a success whose artifact is far from the median of its type's
 * last successes is a `backup_suspect` warning (with `--on-suspect fail` the run pipeline has
 * already made it a failure). Undefined when the size is unremarkable. It takes the place of
 * a recovery notice: "recovered" would be the wrong comfort for a backup a tenth its size.
 */
function decideSuspect(run: RunResult, journal: Journal, config: PolicyConfig): AlertDecision | undefined {
  const size = sizeFindingOf(run, journal, config.falseSuccess);
  if (!size) return undefined;
  if (!config.alertTypes.includes(run.type)) {
    return {
      send: false,
      reason: `No size warning for ${run.backupId} (type ${run.type} is not in BACKUP_ALERT_TYPES): ${describeSizeFinding(size)}`,
    };
  }
  const kind = size.direction === 'drop' ? 'suspect' : 'suspect-growth';
  return { send: true, alert: { kind, run, consecutiveFailures: 0, escalate: false, size } };
}

/** The size comparison for a failure's message: a nicety, so a history that cannot be read costs nothing. */
function quietSizeFinding(run: RunResult, journal: Journal, config: PolicyConfig): SizeFinding | undefined {
  try {
    return sizeFindingOf(run, journal, config.falseSuccess);
  } catch {
    return undefined;
  }
}

/**
 * BACKUP_ALERT_NOTIFY_RECOVERY: one recovery message when a type succeeds after
 * failing, or after it was missing (the success closed an incident: the message says
 * since when and how many runs failed). Only that transition qualifies, so a second
 * success in a row never sends another.
 */
function decideRecovery(
  run: RunResult,
  journal: Journal,
  config: PolicyConfig,
  closed: IncidentFacts | undefined,
): AlertDecision {
  // Alertmanager needs the end of what it was told (endsAt), asked for or not: without it the
  // alert would fire until its TTL runs out. People get the message only when they asked.
  const toAlertmanager = config.alertmanager !== undefined && closed !== undefined;
  if ((!config.notifyRecovery && !toAlertmanager) || !config.alertTypes.includes(run.type))
    return { send: false };
  const previous = journal.runs.previousFinishedStatus(run.job, run.backupId);
  if (!closed && (previous === undefined || !FAILED.has(previous))) return { send: false };
  return {
    send: true,
    alert: {
      kind: 'recovery',
      run,
      consecutiveFailures: 0,
      escalate: false,
      ...(closed ? { incident: closed } : {}),
      ...(config.notifyRecovery ? {} : { audience: 'alertmanager' as const }),
    },
  };
}

/** What the silences say about an alert about to go out. */
export type SilenceVerdict =
  /** Hold it: a silence for its type is in force. */
  | { hold: SilenceRow }
  /** Send it, saying how many alerts ended silences held (`reported`: those silences, claimed at `claimedAt`). */
  | { alert: Alert; reported: number[]; claimedAt?: string };

/**
 * Silences (`backup-alert silence add`): while one is in force for the alert's type, the
 * alert is held (the run is still recorded). The first alert of the type after a silence
 * ends carries how many it held. Tests are never held: they are asked for.
 */
export function silenceVerdict(
  alert: Alert,
  silences: Pick<Journal['silences'], 'active' | 'claimUnreported'>,
  now: Date,
): SilenceVerdict {
  if (alert.kind === 'test' || alert.preview) return { alert, reported: [] };
  const at = now.toISOString();
  const key = { job: alert.run.job, type: alert.run.type };
  const active = silences.active(at, key)[0];
  if (active) return { hold: active };
  // Claimed, not just read: two alerts deciding at once must not both carry the count.
  const ended = silences.claimUnreported(key, at);
  const held = ended.reduce((sum, silence) => sum + silence.held_count, 0);
  return {
    alert: held > 0 ? { ...alert, heldBySilence: (alert.heldBySilence ?? 0) + held } : alert,
    reported: ended.map((silence) => silence.id),
    claimedAt: at,
  };
}

/** Earlier finished runs of the type that failed since its last success, newest first. */
function failureStreak(journal: Journal, run: RunResult): RunRow[] {
  const streak: RunRow[] = [];
  for (const row of journal.runs.earlierFinished(run.job, run.backupId)) {
    if (!FAILED.has(row.status)) break;
    streak.push(row);
  }
  return streak;
}
