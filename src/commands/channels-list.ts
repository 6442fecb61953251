import type { CommandContext } from '../context.js';
import { channelOfRow, describeTargets } from '../notify/registered.js';
import { ExitCode } from '../shared/exit-codes.js';
import { redactUrl } from '../shared/redact.js';
import { table } from '../shared/table.js';
import { openStore } from './channels.js';

/** `backup-alert channels list`: the registry as a table (or JSON), targets redacted, broken rows marked. */

interface ListedChannel {
  name: string;
  type: string;
  active: boolean | null;
  notificationTypes: string[] | null;
  backupTypes: string[] | null;
  /** Scheme and host only (or the e-mail addresses). */
  target: string;
  createdAt: string;
  /** Why alerting skips it, for a broken row. */
  error?: string;
}

export async function channelsListCommand(options: { json?: boolean }, ctx: CommandContext): Promise<number> {
  const store = openStore(ctx);
  try {
    const listed: ListedChannel[] = store.channels.list().map((row) => {
      const parsed = channelOfRow(row);
      if ('error' in parsed) {
        const raw = String(row.webhook_url ?? '');
        return {
          name: String(row.channel_name),
          type: String(row.channel_type),
          active: null,
          notificationTypes: null,
          backupTypes: null,
          target:
            raw
              .split(/[\s,]+/)
              .filter(Boolean)
              .map(redactUrl)
              .join(',') || '-',
          createdAt: String(row.created_at),
          error: parsed.error,
        };
      }
      const { channel } = parsed;
      return {
        name: channel.name,
        type: channel.type,
        active: channel.active,
        notificationTypes: channel.notificationTypes,
        backupTypes: channel.backupTypes,
        target: describeTargets(channel),
        createdAt: channel.createdAt,
      };
    });
    if (options.json) {
      ctx.io.stdout(`${JSON.stringify(listed, null, 2)}\n`);
      return ExitCode.ok;
    }
    if (listed.length === 0) {
      ctx.io.stdout(
        'No registered channel (add one with: backup-alert channels add NAME --type slack --url-file PATH).\n',
      );
    } else {
      const rows = [['NAME', 'TYPE', 'ACTIVE', 'NOTIFICATIONS', 'BACKUP TYPES', 'TARGET', 'CREATED (UTC)']];
      for (const c of listed) {
        rows.push([
          c.name,
          c.type,
          c.active === null ? 'BROKEN' : c.active ? 'yes' : 'no',
          c.error ? '-' : (c.notificationTypes?.join(',') ?? 'all'),
          c.error ? '-' : (c.backupTypes?.join(',') ?? 'all'),
          c.target,
          c.createdAt.replace('T', ' ').slice(0, 19),
        ]);
      }
      ctx.io.stdout(`${await table(rows)}\n`);
      for (const c of listed.filter((c) => c.error))
        ctx.io.stdout(`✖ ${c.name}: skipped when alerting: ${c.error}\n`);
    }
    const env = envChannels(ctx);
    if (env.length > 0) ctx.io.stdout(`Also configured by the environment: ${env.join(', ')}\n`);
    return ExitCode.ok;
  } finally {
    store.close();
  }
}

function envChannels(ctx: CommandContext): string[] {
  const { config } = ctx;
  return [
    config.emailRecipients.length > 0 ? 'email' : '',
    config.slackWebhookUrl ? 'slack' : '',
    config.teamsWebhookUrl ? 'teams' : '',
    config.webhookUrl ? 'webhook' : '',
    config.routing.appriseUrls.length > 0 ? 'apprise' : '',
    config.alertmanager ? 'alertmanager' : '',
  ].filter(Boolean);
}
