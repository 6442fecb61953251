import kleur from 'kleur';
import { recordDeliveries } from '../alert/dispatch.js';
import { allNotifiers } from '../alert/routing.js';
import { previewAlert } from '../alert/test-alert.js';
import type { CommandContext } from '../context.js';
import { deliverAll } from '../notify/fanout.js';
import { ALERT_KINDS, type AlertKind, CHANNELS, type Channel } from '../notify/types.js';
import { UsageError } from '../shared/errors.js';
import { ExitCode } from '../shared/exit-codes.js';
import { recordAudit } from '../store/audit.js';
import { NO_JOURNAL } from '../store/journal.js';
import type { Store } from '../store/store.js';

/** The variables that switch each channel on; named in the "not configured" line. */
const CHANNEL_VARIABLES: Record<Channel, string[]> = {
  email: ['BACKUP_ALERT_EMAIL', 'SMTP_HOST', 'SMTP_PORT', 'SMTP_USER', 'SMTP_PASSWORD', 'SMTP_FROM'],
  slack: ['SLACK_WEBHOOK_URL'],
  teams: ['TEAMS_WEBHOOK_URL', 'TEAMS_WEBHOOK_FORMAT'],
  webhook: ['BACKUP_ALERT_WEBHOOK_URL', 'BACKUP_ALERT_WEBHOOK_SECRET'],
  apprise: ['BACKUP_ALERT_APPRISE_URLS'],
  alertmanager: ['BACKUP_ALERT_ALERTMANAGER_URL'],
};

/**
 * `backup-alert test-notify`: a clearly-marked test through each selected channel (the
 * env-configured ones and the registered ones), one ✔/✖ line each. Exit 1 if any failed or
 * the chosen channel is not configured. `--kind` previews what that kind of alert says.
 */
export async function testNotifyCommand(
  options: { channel: string; kind?: string },
  ctx: CommandContext,
): Promise<number> {
  const { config, logger, io } = ctx;
  const kind = options.kind ?? 'test';
  if (!(ALERT_KINDS as readonly string[]).includes(kind)) {
    throw new UsageError(`invalid --kind "${kind}": use one of ${ALERT_KINDS.join(', ')}`);
  }
  const wanted: readonly Channel[] =
    options.channel === 'all' ? CHANNELS : CHANNELS.filter((channel) => channel === options.channel);
  const lines: Array<{ ok: boolean; text: string }> = [];
  let failed = false;

  let store: Store | null = null;
  try {
    store = ctx.openStore();
  } catch {
    // test-notify tests the channels; without a database the rows are just not written
  }
  const notifiers = allNotifiers({ ...ctx, journal: store ?? NO_JOURNAL }).filter((n) =>
    wanted.includes(n.channel),
  );
  for (const channel of wanted) {
    if (notifiers.some((n) => n.channel === channel)) continue;
    const problems = ctx.problems.filter((p) => CHANNEL_VARIABLES[channel].includes(p.variable));
    // Under --channel all an unconfigured channel is just off; asked for by name it is a failure.
    if (problems.length === 0 && options.channel === 'all') continue;
    failed = true;
    const why =
      problems.length > 0
        ? problems.map((p) => `${p.variable} ${p.message}`).join('; ')
        : `not configured (set ${CHANNEL_VARIABLES[channel][0]})`;
    lines.push({ ok: false, text: `${channel}: ${why}` });
  }
  if (notifiers.length === 0 && lines.length === 0) {
    lines.push({
      ok: false,
      text: 'no notification channel is configured (e-mail, Slack, Teams, webhook, Apprise or a registered channel)',
    });
    failed = true;
  }

  try {
    if (notifiers.length > 0) {
      const alert = previewAlert(kind as AlertKind, ctx.now(), ctx.hostname);
      const results = await deliverAll(notifiers, alert, ctx, config.notifyTimeoutMs);
      if (store) recordDeliveries(results, alert, { ...ctx, journal: store });
      for (const result of results) {
        const attempts = `${result.attempts} attempt${result.attempts === 1 ? '' : 's'}`;
        if (result.status === 'sent') {
          lines.push({ ok: true, text: `${result.channel} (${result.recipient}): sent (${attempts})` });
        } else {
          failed = true;
          lines.push({
            ok: false,
            text: `${result.channel} (${result.recipient}): ${result.error ?? 'failed'} (${attempts})`,
          });
        }
      }
    }
    const texts = lines.map((line) => `${line.ok ? '✔' : '✖'} ${logger.mask(line.text)}`);
    for (const [index, text] of texts.entries()) {
      const ok = lines[index]!.ok;
      io.stdout(`${io.color ? (ok ? kleur.green(text) : kleur.red(text)) : text}\n`);
    }
    if (store)
      recordAudit(store.audit, ctx, {
        operation: 'test_notify',
        status: failed ? 'failure' : 'success',
        details: { channel: options.channel, kind, lines: texts },
      });
    return failed ? ExitCode.failed : ExitCode.ok;
  } finally {
    store?.close();
  }
}
