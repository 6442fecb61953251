import { postToAlertmanagers } from '../notify/alertmanager.js';
import type { Alert } from '../notify/types.js';
import { alertmanagerBody } from './alertmanager-alert.js';
import type { AlertContext } from './dispatch.js';
import { reminderAlert } from './incidents.js';
import { typeAlerts } from './policy.js';

/**
 * Alertmanager forgets an alert at its endsAt unless the client says it again (Prometheus
 * re-sends every minute). `retry` and `watch`, run by timers, re-send every open incident of
 * this host as it stands now: its alertname, severity and a fresh endsAt. Only open ones:
 * a closed incident's end was sent by the recovery and is never contradicted. Silenced types
 * are re-sent too: a silence holds messages to people, and Alertmanager's own silences are
 * the ones that mute it there (docs/alertmanager.md).
 *
 * Not recorded in notification_logs (a refresh is not a new alert); the channel's outcome
 * is logged, and the count returned.
 */
export async function refreshOpenAlerts(ctx: AlertContext, host: string): Promise<number> {
  const settings = ctx.config.alertmanager;
  if (!settings || !ctx.journal.recording) return 0;
  let alerts: Alert[];
  try {
    const now = ctx.now();
    alerts = ctx.journal.incidents
      .openOn(host)
      .filter((row) => typeAlerts(ctx.config, row.type))
      .map((row) => {
        const shown = reminderAlert(row, row.reminders_sent, now, ctx);
        const { reminder: _reminder, ...incident } = shown.incident ?? { id: row.id };
        return {
          ...shown,
          kind: row.cause === 'missing' ? 'missing' : 'failure',
          ...(shown.incident ? { incident: incident as NonNullable<Alert['incident']> } : {}),
        };
      });
  } catch (error) {
    ctx.logger.warn('Alertmanager', `Could not read the open incidents: ${ctx.redactor.safeError(error)}`);
    return 0;
  }
  if (alerts.length === 0) return 0;
  const body = alerts.flatMap((alert) => alertmanagerBody(alert, ctx.config, ctx.now()).alerts);
  try {
    await postToAlertmanagers(settings, body, AbortSignal.timeout(ctx.config.notifyTimeoutMs));
    ctx.logger.debug('Alertmanager', `Re-sent ${alerts.length} open alert(s) to Alertmanager`);
    return alerts.length;
  } catch (error) {
    ctx.logger.warn(
      'Alertmanager',
      `Could not re-send ${alerts.length} open alert(s) to Alertmanager: ${ctx.redactor.safeError(error)}`,
    );
    return 0;
  }
}
