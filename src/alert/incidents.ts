import type { Alert, IncidentFacts } from '../notify/types.js';
import type { RunResult } from '../shared/run-result.js';
import { isBackupType } from '../shared/run-result.js';
import type { IncidentRow } from '../store/routing-rows.js';
import { runResultOf } from '../store/rows.js';
import type { AlertContext } from './dispatch.js';
import { typeAlerts } from './policy.js';
import { sendAlert } from './send.js';
import { standInRun } from './stand-in.js';

/**
 * Incidents: one per host × type, opened by the first failure or missed run and closed by
 * the next success. They carry what reminders say (since when, how many runs failed) and
 * when the next reminder is due (BACKUP_ALERT_REMIND, counted from the last delivery).
 */

export function incidentFacts(row: IncidentRow, extra: Partial<IncidentFacts> = {}): IncidentFacts {
  return {
    id: row.id,
    cause: row.cause,
    openedAt: row.opened_at,
    failedRuns: row.failed_runs,
    ...(row.closed_at ? { closedAt: row.closed_at } : {}),
    ...extra,
  };
}

/**
 * The incident a finished run opens, counts in, or (a success) closes. Bookkeeping only:
 * it never throws and never changes what happened to the run.
 */
export function trackRun(run: RunResult, ctx: AlertContext): IncidentFacts | undefined {
  if (!ctx.journal.recording) return undefined;
  try {
    if (run.status === 'success') {
      const closed = ctx.journal.incidents.close(run.host, run.job, run.backupId, run.finishedAt);
      if (!closed) return undefined;
      ctx.logger.debug(
        'Incident',
        `Incident #${closed.id} (${run.job} on ${run.host}, open since ${closed.opened_at}, ${closed.failed_runs} failed run(s)) closed by ${run.backupId}`,
      );
      return incidentFacts(closed);
    }
    const { incident, opened } = ctx.journal.incidents.recordFailure(
      run.host,
      { job: run.job, type: run.type },
      run.backupId,
      run.finishedAt,
    );
    if (opened) ctx.logger.debug('Incident', `Incident #${incident.id} opened for ${run.job} on ${run.host}`);
    return incidentFacts(incident);
  } catch (error) {
    ctx.logger.warn(
      'Incident',
      `Could not update the incident for ${run.backupId}: ${ctx.redactor.safeError(error)}`,
    );
    return undefined;
  }
}

/**
 * When the incident's latest alert was delivered: the latest `sent` row's time; while a
 * delivery is still pending (kept for `retry`), undefined: no reminder may pile on it. An
 * alert that failed for good (or went nowhere) counts from when it was tried.
 */
export function deliveredAt(
  row: IncidentRow,
  incidents: Pick<AlertContext['journal']['incidents'], 'latestAlertDeliveries'>,
): string | undefined {
  if (!row.last_alert_at) return row.opened_at;
  const rows = incidents.latestAlertDeliveries(row);
  const sent = rows
    .filter((delivery) => delivery.status === 'sent' && delivery.sent_at)
    .map((delivery) => delivery.sent_at!)
    .sort();
  if (sent.length > 0) return sent.at(-1);
  if (rows.some((delivery) => delivery.status === 'pending')) return undefined;
  return row.last_alert_at;
}

/** BACKUP_ALERT_REMIND `4h,24h`: the first reminder 4h after the delivery, then every 24h. */
export function reminderDue(
  row: Pick<IncidentRow, 'reminders_sent'>,
  gapsMs: readonly number[],
  since: string,
  now: Date,
): boolean {
  if (gapsMs.length === 0) return false;
  const gap = gapsMs[Math.min(row.reminders_sent, gapsMs.length - 1)]!;
  return now.getTime() - Date.parse(since) >= gap;
}

/**
 * Sends the reminders that are due for the open incidents on `host` (`run` and `watch` both
 * call this). Each is claimed first, so two processes never send the same one. A type under
 * a silence is skipped: its reminder is still due when the silence ends.
 */
export async function sendDueReminders(ctx: AlertContext, host: string): Promise<number> {
  const gapsMs = ctx.config.routing.remindMs;
  if (gapsMs.length === 0 || !ctx.journal.recording) return 0;
  let sent = 0;
  try {
    const now = ctx.now();
    for (const row of ctx.journal.incidents.openOn(host)) {
      if (!typeAlerts(ctx.config, row.type)) continue;
      const since = deliveredAt(row, ctx.journal.incidents);
      if (since === undefined || !reminderDue(row, gapsMs, since, now)) continue;
      const key = { job: row.job || row.type, type: row.type };
      if (ctx.journal.silences.active(now.toISOString(), key).length > 0) continue;
      // Claimed here first: two processes of this host never both ask the centre.
      if (!ctx.journal.incidents.claimReminder(row.id, row.reminders_sent, now.toISOString())) continue;
      const reminder = row.reminders_sent + 1;
      const alert = reminderAlert(row, reminder, now, ctx);
      if (row.storm_id !== null) {
        const { stormReminderVerdict } = await import('./storm-reminder.js');
        const verdict = await stormReminderVerdict(row, reminder, ctx);
        if (verdict.kind === 'elsewhere') continue;
        if (verdict.kind === 'storm') alert.storm = verdict.facts;
      }
      await sendAlert(alert, ctx, { countHeld: false });
      sent++;
    }
  } catch (error) {
    ctx.logger.warn('Incident', `Could not send reminders: ${ctx.redactor.safeError(error)}`);
  }
  return sent;
}

/** A reminder: the latest failed run of the incident (or, for a missing backup, a stand-in). */
export function reminderAlert(row: IncidentRow, reminder: number, now: Date, ctx: AlertContext): Alert {
  const type = isBackupType(row.type) ? row.type : 'manual';
  const job = row.job || row.type;
  const last = row.last_backup_id ? ctx.journal.runs.get(row.last_backup_id) : undefined;
  const run = last
    ? runResultOf(last, row.host)
    : standInRun(job, type, row.host, now, `No successful ${job} backup since ${row.opened_at}`);
  const consecutiveFailures = ctx.journal.runs.consecutiveFailures(job);
  return {
    kind: 'reminder',
    run,
    consecutiveFailures,
    escalate: consecutiveFailures >= ctx.config.escalateAfter,
    incident: incidentFacts(row, { reminder }),
  };
}
