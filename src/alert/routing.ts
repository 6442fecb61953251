import { createAlertmanagerNotifier } from '../notify/alertmanager.js';
import { buildNotifiers, type DeliveryContext } from '../notify/fanout.js';
import { channelOfRow, createRegisteredNotifier, type RegisteredChannel } from '../notify/registered.js';
import { type Alert, NOTIFICATION_TYPES, type Notifier } from '../notify/types.js';
import type { Journal } from '../store/journal.js';
import { alertmanagerBody } from './alertmanager-alert.js';

/**
 * Which channels hear about an alert: every env-configured channel, plus each registered
 * channel (runbook §8.1.3) whose notification_types and backup_types take it. Routing is
 * decided here only; delivery is notify/'s job.
 */

export interface RoutingContext extends DeliveryContext {
  journal: Pick<Journal, 'channels'>;
}

/** Broken rows already reported, per journal: one [WARN] per row and command, not one per alert. */
const warned = new WeakMap<object, Set<string>>();

/**
 * The registry's well-formed, active channels. A broken row (a bad URL inserted by hand, an
 * unknown type) is skipped with a [WARN] naming it; every other channel still sends. Each
 * target becomes a secret of the redactor the moment it is read: never in a log line.
 */
export function registeredChannels(ctx: RoutingContext): RegisteredChannel[] {
  let rows: ReturnType<Journal['channels']['list']>;
  try {
    rows = ctx.journal.channels.list();
  } catch (error) {
    ctx.logger.warn('Routing', `Cannot read notification_channels: ${ctx.redactor.safeError(error)}`);
    return [];
  }
  const seen = warned.get(ctx.journal) ?? new Set<string>();
  warned.set(ctx.journal, seen);
  const channels: RegisteredChannel[] = [];
  for (const row of rows) {
    // Addresses of an e-mail channel are not secrets (they are shown like BACKUP_ALERT_EMAIL's).
    const raw = String(row.webhook_url ?? '');
    const isEmail = String(row.channel_type).trim().toLowerCase() === 'email';
    // Each URL-like piece too (an Apprise list); plain words of a broken row are not secrets.
    const pieces = raw.split(/[\s,]+/).filter((piece) => piece.length >= 8 && /[:/]/.test(piece));
    if (!isEmail) ctx.redactor.addSecrets(raw, raw.trim(), ...pieces);
    const parsed = channelOfRow(row);
    if ('error' in parsed) {
      const key = `${row.id}:${parsed.error}`;
      if (!seen.has(key)) {
        seen.add(key);
        ctx.logger.warn(
          'Routing',
          `Registered channel "${String(row.channel_name).slice(0, 80)}" (notification_channels id ${row.id}) is skipped: ${parsed.error}`,
        );
      }
      continue;
    }
    if (!isEmail) ctx.redactor.addSecrets(...parsed.channel.targets);
    if (parsed.channel.active) channels.push(parsed.channel);
  }
  return channels;
}

/** Whether a registered channel takes this alert (an empty filter takes everything). */
export function takes(channel: RegisteredChannel, alert: Alert): boolean {
  const type = NOTIFICATION_TYPES[alert.kind];
  if (channel.notificationTypes && !channel.notificationTypes.includes(type)) return false;
  if (channel.backupTypes && !channel.backupTypes.includes(alert.run.type)) return false;
  if (channel.jobs && !channel.jobs.includes(alert.run.job ?? alert.run.type)) return false;
  return true;
}

/**
 * BACKUP_ALERT_CHANNELS (a job file's, usually): the channels this job alerts on, by a
 * registered channel's name or a channel kind (email, slack, teams, webhook, apprise).
 * Unset: every channel.
 */
export function chosenByJob(notifier: Notifier, names: readonly string[] | undefined): boolean {
  if (!names) return true;
  return names.includes(notifier.channel) || (notifier.name !== undefined && names.includes(notifier.name));
}

/** The env channels and the registered ones that take this alert. */
export function notifiersFor(alert: Alert, ctx: RoutingContext): Notifier[] {
  const registered = registeredChannels(ctx)
    .filter((channel) => takes(channel, alert))
    .map((channel) => createRegisteredNotifier(channel, ctx, describeFor(ctx)))
    .filter((notifier): notifier is Notifier => notifier !== undefined);
  const all = [...buildNotifiers(ctx), ...envAlertmanager(ctx), ...registered].filter((notifier) =>
    chosenByJob(notifier, ctx.config.channels),
  );
  return alert.audience === 'alertmanager' ? all.filter((n) => n.channel === 'alertmanager') : all;
}

/** Every channel, unfiltered: what `retry` re-sends through and test-notify tests. */
export function allNotifiers(ctx: RoutingContext): Notifier[] {
  const registered = registeredChannels(ctx)
    .map((channel) => createRegisteredNotifier(channel, ctx, describeFor(ctx)))
    .filter((notifier): notifier is Notifier => notifier !== undefined);
  return [...buildNotifiers(ctx), ...envAlertmanager(ctx), ...registered];
}

/** The Alertmanager channels' bodies follow the policy in alertmanager-alert.ts. */
function describeFor(ctx: DeliveryContext) {
  return (alert: Alert) => alertmanagerBody(alert, ctx.config, ctx.now());
}

/** BACKUP_ALERT_ALERTMANAGER_URL's channel, when set. */
export function envAlertmanager(ctx: DeliveryContext): Notifier[] {
  const notifier = createAlertmanagerNotifier(ctx.config.alertmanager, describeFor(ctx));
  return notifier ? [notifier] : [];
}
