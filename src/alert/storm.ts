import { STORM_CLAIM_TIMEOUT_MS } from '../config/storm.js';
import type { StormDecision } from '../fleet/storm.js';
import type { Alert } from '../notify/types.js';
import { jobOf } from './alertmanager-alert.js';
import type { AlertContext } from './dispatch.js';
import { errorClassOf } from './error-class.js';
import { sendAlert } from './send.js';
import { standInRun } from './stand-in.js';

/**
 * Storm control without Alertmanager (docs/alertmanager.md): with a centre, a failure is
 * claimed there first. Alone (fewer than BACKUP_ALERT_STORM_AFTER other hosts failed on the
 * same target or error class within the window) it is sent exactly as without a centre;
 * the first host past that threshold leads the storm and sends one summary per channel;
 * the hosts after it send nothing of their own (Alertmanager, which groups by itself, still
 * gets each). The run, its incident and its record are the same in every case. A centre
 * that cannot be asked in time means: alone.
 */
export async function stormVerdict(alert: Alert, ctx: AlertContext): Promise<Alert | undefined> {
  const { fleet, storm } = ctx.config;
  if (!fleet || storm.after === 0 || alert.kind !== 'failure' || alert.preview) return alert;
  const { run } = alert;
  let decision: StormDecision;
  try {
    const { claimStorm } = await import('../fleet/storm.js');
    decision = await claimStorm(
      fleet,
      {
        host: run.host,
        job: jobOf(run),
        backupId: run.backupId,
        target: ctx.config.labels.target,
        errorClass: errorClassOf(run),
        error: run.errorMessage,
        failedAt: run.finishedAt,
        windowMs: storm.windowMs,
        after: storm.after,
      },
      Math.min(STORM_CLAIM_TIMEOUT_MS, ctx.config.notifyTimeoutMs),
    );
  } catch (error) {
    ctx.logger.warn(
      'Storm',
      `Could not ask the centre about a storm, alerting alone: ${ctx.redactor.safeError(error)}`,
    );
    return alert;
  }
  if (decision.role === 'alone') return alert;
  // Its reminders are the storm's from now on: one per storm, fleet-wide (storm-reminder.ts).
  if (alert.incident && decision.stormId !== null) joinStorm(alert.incident.id, decision.stormId, ctx);
  const facts = {
    id: decision.stormId ?? 0,
    hostCount: decision.hostCount,
    kind: decision.kind,
    label: decision.label,
  };
  if (decision.role === 'lead') {
    ctx.logger.info(
      'Storm',
      `Storm #${facts.id}: ${facts.hostCount} hosts failed on ${facts.kind} ${facts.label}; this host sends the summary`,
    );
    return { ...alert, storm: facts };
  }
  ctx.logger.info(
    'Storm',
    `Failure of ${run.backupId} is part of storm #${facts.id} (${facts.hostCount} hosts on ${facts.kind} ${facts.label}); ${decision.leaderHost ?? 'another host'} sent the summary`,
  );
  return ctx.config.alertmanager ? { ...alert, audience: 'alertmanager' } : undefined;
}

function joinStorm(incidentId: number, stormId: number, ctx: AlertContext): void {
  try {
    ctx.journal.incidents.joinStorm(incidentId, stormId);
  } catch (error) {
    ctx.logger.warn(
      'Storm',
      `Could not note storm #${stormId} on the incident: ${ctx.redactor.safeError(error)}`,
    );
  }
}

/**
 * The end-of-window updates ("300 hosts failed in total: target nfs1"): `retry` and `watch`
 * on any host claim the storms whose window ended with more hosts than their summary said,
 * each exactly once fleet-wide, and send one update per channel.
 */
export async function sendStormUpdates(ctx: AlertContext): Promise<number> {
  const { fleet } = ctx.config;
  if (!fleet || ctx.config.storm.after === 0) return 0;
  let updates: Awaited<ReturnType<typeof import('../fleet/storm.js')['claimStormUpdates']>>;
  try {
    const { claimStormUpdates } = await import('../fleet/storm.js');
    updates = await claimStormUpdates(fleet, ctx.config.host, Math.min(10_000, ctx.config.notifyTimeoutMs));
  } catch (error) {
    ctx.logger.warn(
      'Storm',
      `Could not read storm updates from the centre: ${ctx.redactor.safeError(error)}`,
    );
    return 0;
  }
  for (const update of updates) {
    const type =
      (['daily', 'weekly', 'monthly', 'manual'] as const).find((t) => t === update.job) ?? 'manual';
    const run = standInRun(
      update.job,
      type,
      ctx.config.host,
      new Date(update.openedAt),
      update.errorMessage ?? 'backup failed',
    );
    const alert: Alert = {
      kind: 'failure',
      run,
      consecutiveFailures: 1,
      escalate: false,
      storm: {
        id: update.stormId,
        hostCount: update.hostCount,
        kind: update.kind,
        label: update.label,
        final: true,
        hosts: update.hosts,
      },
    };
    ctx.logger.info(
      'Storm',
      `Storm #${update.stormId} ended with ${update.hostCount} hosts: sending the update`,
    );
    await sendAlert(alert, ctx);
  }
  return updates.length;
}
