import type { AlertmanagerSettings } from '../config/alertmanager.js';
import { errorMessage } from '../shared/errors.js';
import { redactUrl } from '../shared/redact.js';
import { postJson } from './http-post.js';
import { type Alert, DeliveryError, type Notifier, type SendReport } from './types.js';

/**
 * Prometheus Alertmanager (`POST /api/v2/alerts`): delivery only. What the alerts say
 * (alertname, severity, startsAt/endsAt) is the policy's (alert/alertmanager-alert.ts),
 * handed in as `describe`, so this file knows the wire and nothing about incidents.
 */

/** One element of the API's `postableAlerts` body (Alertmanager's openapi.yaml). */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt?: string;
  generatorURL?: string;
}

/** The alerts one of our alerts becomes, and a short title for notification_logs.subject. */
export interface AlertmanagerBody {
  alerts: PostableAlert[];
  subject: string;
}

/** Alertmanager answers within milliseconds when up; do not hold a run's notify bound for long. */
const MAX_ATTEMPTS = 3;

/**
 * Posts to every member of an HA cluster at once (Alertmanager's documented client
 * behaviour: the members de-duplicate by gossip). Delivered when any member accepted;
 * failed when all refused, permanent only if every refusal was permanent.
 */
export async function postToAlertmanagers(
  settings: AlertmanagerSettings,
  alerts: readonly PostableAlert[],
  signal: AbortSignal,
): Promise<{ attempts: number; accepted: number }> {
  const body = JSON.stringify(alerts);
  const headers = authHeaders(settings);
  const settled = await Promise.allSettled(
    settings.urls.map((url) => postJson({ url, body, headers, signal, maxAttempts: MAX_ATTEMPTS })),
  );
  const accepted = settled.filter((outcome) => outcome.status === 'fulfilled').length;
  const attempts = Math.max(
    ...settled.map((outcome) =>
      outcome.status === 'fulfilled'
        ? outcome.value.attempts
        : outcome.reason instanceof DeliveryError
          ? outcome.reason.attempts
          : 1,
    ),
  );
  if (accepted > 0) return { attempts, accepted };
  const reasons = settled.map((outcome) => (outcome.status === 'rejected' ? outcome.reason : undefined));
  const permanent = reasons.every((reason) => reason instanceof DeliveryError && reason.permanent);
  // Each member's error names its scheme and host only (postJson): safe to join.
  throw new DeliveryError(reasons.map((reason) => errorMessage(reason)).join('; '), {
    attempts,
    permanent,
    code: reasons[0] instanceof DeliveryError ? reasons[0].code : undefined,
  });
}

function authHeaders(settings: AlertmanagerSettings): Record<string, string> {
  const { auth } = settings;
  if (!auth) return {};
  if (auth.kind === 'bearer') return { authorization: `Bearer ${auth.token}` };
  return { authorization: `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}` };
}

/** `http://am1:9093/…, http://am2:9093/…`: scheme and host of each member, never a password. */
export function describeAlertmanagers(urls: readonly string[]): string {
  return urls.map((url) => redactUrl(url)).join(', ');
}

/** The Alertmanager channel; undefined when BACKUP_ALERT_ALERTMANAGER_URL is not set. */
export function createAlertmanagerNotifier(
  settings: AlertmanagerSettings | undefined,
  describe: (alert: Alert) => AlertmanagerBody,
): Notifier | undefined {
  if (!settings || settings.urls.length === 0) return undefined;
  return {
    channel: 'alertmanager',
    recipient: describeAlertmanagers(settings.urls),
    async send(alert: Alert, signal: AbortSignal): Promise<SendReport> {
      const body = describe(alert);
      const { attempts } = await postToAlertmanagers(settings, body.alerts, signal);
      return { attempts, subject: body.subject };
    },
  };
}
