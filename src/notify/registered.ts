import { parseAlertmanagerSettings } from '../config/alertmanager.js';
import { parseAppriseUrls } from '../config/routing.js';
import { isValidEmail, parseWebhookUrl, splitList } from '../config/values.js';
import { BACKUP_TYPES, type BackupType, isJobName } from '../shared/run-result.js';
import type { ChannelRow } from '../store/routing-rows.js';
import { type AlertmanagerBody, createAlertmanagerNotifier } from './alertmanager.js';
import { createAppriseNotifier, describeAppriseUrls } from './apprise.js';
import { createEmailNotifier } from './email.js';
import type { DeliveryContext } from './fanout.js';
import { createSlackNotifier } from './slack.js';
import { createTeamsNotifier } from './teams.js';
import { type Alert, CHANNELS, type Channel, NOTIFICATION_TYPES, type Notifier } from './types.js';
import { createWebhookNotifier } from './webhook.js';

/**
 * Channels registered in notification_channels (runbook §8.1.3): what a row means, whether
 * it is well-formed, and the notifier it becomes. The same rules check `channels add` and a
 * row someone inserted by hand with the runbook's SQL.
 */

/** A row that makes sense. */
export interface RegisteredChannel {
  name: string;
  type: Channel;
  /** Webhook URL (one), Apprise URLs, or e-mail addresses. */
  targets: string[];
  active: boolean;
  /** null = every notification type. */
  notificationTypes: string[] | null;
  /** null = every backup type. */
  backupTypes: BackupType[] | null;
  /** The jobs it alerts on (notification_channels.jobs, issue 21); null = every job. */
  jobs: string[] | null;
  createdAt: string;
}

const KNOWN_NOTIFICATION_TYPES: readonly string[] = Object.values(NOTIFICATION_TYPES);
/** A name goes into log lines and notification_logs.recipient: keep it a plain word. */
const CHANNEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function isChannelType(value: string): value is Channel {
  return (CHANNELS as readonly string[]).includes(value);
}

export function checkChannelName(name: string): string | undefined {
  return CHANNEL_NAME.test(name)
    ? undefined
    : `channel name "${name.slice(0, 80)}" must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit`;
}

/**
 * The target of a channel of `type`, normalised; or why it is not one. Never echoes a URL
 * (it holds the token): errors name the problem only.
 */
export function parseTarget(
  type: Channel,
  text: string,
): { targets: string[]; stored: string } | { error: string } {
  const value = text.trim();
  switch (type) {
    case 'email': {
      const addresses = splitList(value.replace(/^mailto:/i, ''));
      const bad = addresses.filter((address) => !isValidEmail(address));
      if (addresses.length === 0 || bad.length > 0) {
        return {
          error: `"${bad[0] ?? value}" is not a valid e-mail address (use mailto:a@example.com,b@example.com)`,
        };
      }
      return { targets: addresses, stored: `mailto:${addresses.join(',')}` };
    }
    case 'apprise': {
      const urls = parseAppriseUrls(value);
      if (urls.length === 0 || urls.length !== value.split(/[\s,]+/).filter(Boolean).length) {
        return { error: 'is not a list of Apprise URLs (scheme://…, e.g. ntfy://ntfy.sh/topic)' };
      }
      return { targets: urls, stored: urls.join(' ') };
    }
    case 'alertmanager': {
      // One or several (an HA pair) Alertmanager URLs, comma-separated, like the env variable.
      const problems: Array<{ variable: string; message: string }> = [];
      const parsed = parseAlertmanagerSettings(
        { BACKUP_ALERT_ALERTMANAGER_URL: value },
        (name) => (name === 'BACKUP_ALERT_ALERTMANAGER_URL' ? value : undefined),
        problems,
      );
      if (!parsed.settings || problems.length > 0)
        return { error: 'is not a list of Alertmanager http(s) URLs (e.g. http://am1:9093,http://am2:9093)' };
      return { targets: parsed.settings.urls, stored: parsed.settings.urls.join(',') };
    }
    default: {
      const problems: Array<{ variable: string; message: string }> = [];
      const url = parseWebhookUrl('URL', value, problems);
      if (!url) return { error: (problems[0]?.message ?? 'is empty').replace(/; this channel.*$/, '') };
      return { targets: [url], stored: url };
    }
  }
}

/** `ops@example.com,…`, or URLs as scheme and host: safe for output, logs and the database. */
export function describeTargets(channel: Pick<RegisteredChannel, 'type' | 'targets'>): string {
  return channel.type === 'email' ? channel.targets.join(',') : describeAppriseUrls(channel.targets);
}

/** A comma-separated list of known words, or NULL/'' for "all"; an unknown word is an error. */
function parseFilter<T extends string>(
  text: string | null,
  known: readonly string[],
  what: string,
): { values: T[] | null } | { error: string } {
  const items = splitList(text ?? undefined);
  if (items.length === 0) return { values: null };
  const unknown = items.find((item) => !known.includes(item));
  if (unknown !== undefined)
    return { error: `"${unknown.slice(0, 80)}" is not a ${what} (${known.join(', ')})` };
  return { values: [...new Set(items)] as T[] };
}

export function parseNotificationTypes(text: string | null) {
  return parseFilter<string>(text, KNOWN_NOTIFICATION_TYPES, 'notification type');
}

/** notification_channels.jobs: comma-separated job names; NULL or '' = every job. */
export function parseJobList(text: string | null): { values: string[] | null } | { error: string } {
  const names = splitList(text ?? undefined);
  if (names.length === 0) return { values: null };
  const bad = names.find((name) => !isJobName(name));
  if (bad !== undefined) return { error: `"${bad.slice(0, 64)}" is not a job name` };
  return { values: names };
}

export function parseBackupTypes(text: string | null) {
  return parseFilter<BackupType>(text, BACKUP_TYPES, 'backup type');
}

/** A stored row as a channel, or what is wrong with it (a row inserted by hand may be anything). */
export function channelOfRow(row: ChannelRow): { channel: RegisteredChannel } | { error: string } {
  const name = String(row.channel_name);
  const type = String(row.channel_type ?? '')
    .trim()
    .toLowerCase();
  if (!isChannelType(type))
    return { error: `unknown channel_type "${type.slice(0, 40)}" (${CHANNELS.join(', ')})` };
  const target = parseTarget(type, String(row.webhook_url ?? ''));
  if ('error' in target) return { error: `webhook_url ${target.error}` };
  const active = String(row.is_active).trim().toLowerCase();
  if (!['0', '1', 'true', 'false'].includes(active)) return { error: 'is_active must be 1 or 0' };
  const notificationTypes = parseNotificationTypes(row.notification_types);
  if ('error' in notificationTypes) return { error: `notification_types: ${notificationTypes.error}` };
  const backupTypes = parseBackupTypes(row.backup_types);
  if ('error' in backupTypes) return { error: `backup_types: ${backupTypes.error}` };
  const jobs = parseJobList(row.jobs ?? null);
  if ('error' in jobs) return { error: `jobs: ${jobs.error}` };
  return {
    channel: {
      name,
      type,
      targets: target.targets,
      active: active === '1' || active === 'true',
      notificationTypes: notificationTypes.values,
      backupTypes: backupTypes.values,
      jobs: jobs.values,
      createdAt: String(row.created_at),
    },
  };
}

/** The notifier a registered channel becomes; its recipient names the channel. */
export function createRegisteredNotifier(
  channel: RegisteredChannel,
  ctx: DeliveryContext,
  alertmanagerBody?: (alert: Alert) => AlertmanagerBody,
): Notifier | undefined {
  const { config, logger } = ctx;
  const url = channel.targets[0];
  const source = `channel ${channel.name}`;
  let notifier: Notifier | undefined;
  switch (channel.type) {
    case 'email':
      notifier = createEmailNotifier({ ...config, emailRecipients: channel.targets }, logger);
      break;
    case 'slack':
      notifier = createSlackNotifier(config, url);
      break;
    case 'teams':
      notifier = createTeamsNotifier(config, logger, url, source);
      break;
    case 'webhook':
      notifier = createWebhookNotifier(config, ctx.now, url, undefined);
      break;
    case 'apprise':
      notifier = createAppriseNotifier(config, logger, channel.targets);
      break;
    case 'alertmanager':
      // The env channel's auth and TTL apply: a registered row holds URLs only.
      notifier = alertmanagerBody
        ? createAlertmanagerNotifier(
            { ttlMs: config.alertmanager?.ttlMs ?? 3_600_000, ...config.alertmanager, urls: channel.targets },
            alertmanagerBody,
          )
        : undefined;
      break;
  }
  if (!notifier) return undefined;
  const { send } = notifier;
  return {
    channel: notifier.channel,
    name: channel.name,
    recipient: `${channel.name}: ${notifier.recipient}`,
    send: (alert, signal) => send(alert, signal),
  };
}
