import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { TEST_NOTIFY_TEXT, testAlert } from '../../alert/test-alert.js';
import type { Config } from '../../config/config.js';
import type { CommandContext } from '../../context.js';
import { verifySmtp } from '../../notify/email.js';
import { buildNotifiers, deliverAll } from '../../notify/fanout.js';
import { channelOfRow } from '../../notify/registered.js';
import type { Channel } from '../../notify/types.js';
import { ExitCode } from '../../shared/exit-codes.js';
import { createLogger, type Logger } from '../../shared/logger.js';
import { redactUrl } from '../../shared/redact.js';
import {
  type Check,
  checkEmail,
  checkEnvFile,
  checkProblems,
  checkSmtpSettings,
  OWNED_VARIABLES,
} from './checks.js';
import { centreChecks } from './fleet-checks.js';
import { checkJobFiles } from './job-checks.js';
import { metricsChecks } from './metrics-checks.js';
import { checkOldDatabase, checkPlaces } from './places.js';
import { renderChecks } from './render.js';
import { checkDatabase, checkScript, checkStateDir } from './system.js';
import { checkTemplate } from './template.js';

/** SMTP verify bound: long enough for a slow greeting, short enough for a person waiting. */
export const DOCTOR_SMTP_TIMEOUT_MS = 10_000;
const WEBHOOK_CHANNELS = [
  {
    channel: 'slack',
    title: 'Slack webhook',
    variable: 'SLACK_WEBHOOK_URL',
    url: (c: Config) => c.slackWebhookUrl,
  },
  {
    channel: 'teams',
    title: 'Teams webhook',
    variable: 'TEAMS_WEBHOOK_URL',
    url: (c: Config) => c.teamsWebhookUrl,
  },
  {
    channel: 'webhook',
    title: 'Generic webhook',
    variable: 'BACKUP_ALERT_WEBHOOK_URL',
    url: (c: Config) => c.webhookUrl,
  },
] as const satisfies ReadonlyArray<{
  channel: Channel;
  title: string;
  variable: string;
  url: (c: Config) => string | undefined;
}>;

/**
 * `backup-alert doctor`: runbook §12.1 as a checklist, one ✔/✖/!/– line per
 * item and a remedy under each ✖ or !. Read-only apart from creating the
 * database; sends only with --send. Exit 1 if any ✖.
 */
export async function doctorCommand(
  options: { json?: boolean; send?: boolean },
  ctx: CommandContext,
): Promise<number> {
  const { config, problems } = ctx;
  // Our checks report through the checklist; their log lines would only repeat it on stderr.
  const quiet = createLogger({ write: () => {}, level: 'silent', redactor: ctx.redactor });
  const now = ctx.now();

  const oldDatabase = checkOldDatabase(ctx);
  const checks: Check[] = [
    checkPlaces(ctx),
    ...(oldDatabase ? [oldDatabase] : []),
    checkEnvFile(config, ctx.cwd),
    ...checkProblems(problems, config),
    checkEmail(config, ctx.env['BACKUP_ALERT_EMAIL'], problems),
    checkSmtpSettings(config, problems),
    await checkSmtpConnection(config, quiet),
    await checkTemplate(config, now, ctx.hostname),
    ...(await checkWebhooks(ctx, quiet, options.send === true)),
    checkChannels(config, registeredChannelNames(ctx)),
    ...(await metricsChecks(config.metrics, problems, {
      send: options.send === true,
      timeoutMs: DOCTOR_SMTP_TIMEOUT_MS,
    })),
    ...checkDatabase(ctx),
    ...(await centreChecks(ctx)),
    checkStateDir(dirname(config.dbPath), config.dbPath),
    checkScript(config),
    ...checkJobFiles(ctx.jobsDir, ctx.cwd, config.script, config.expect),
  ];
  // Last line of defence: nothing secret leaves, whatever a check put in its text.
  const safe = checks.map((check) => ({
    ...check,
    detail: ctx.logger.mask(check.detail),
    remedy: check.remedy === null ? null : ctx.logger.mask(check.remedy),
  }));
  ctx.io.stdout(options.json ? `${JSON.stringify(safe, null, 2)}\n` : renderChecks(safe, ctx.io.color));
  return safe.some((check) => check.status === 'fail') ? ExitCode.failed : ExitCode.ok;
}

async function checkSmtpConnection(config: Config, logger: Logger): Promise<Check> {
  const base = { id: 'smtp-connection', title: 'SMTP connection' } as const;
  if (config.emailRecipients.length === 0) {
    return { ...base, status: 'skip', detail: 'e-mail alerts off', remedy: null };
  }
  const where = `${config.smtp.host}:${config.smtp.port}`;
  const result = await verifySmtp(config, logger, { timeoutMs: DOCTOR_SMTP_TIMEOUT_MS });
  if (result.ok) {
    const login = config.smtp.user ? `login as ${config.smtp.user} accepted` : 'no login configured';
    return { ...base, status: 'ok', detail: `${where} answered; ${login}`, remedy: null };
  }
  return {
    ...base,
    status: 'fail',
    detail: `${where}: ${result.error.code}: ${result.error.message}`,
    remedy: result.error.remedy,
  };
}

/** Each webhook URL is well-formed; with --send, a marked test message goes through it. */
async function checkWebhooks(ctx: CommandContext, logger: Logger, send: boolean): Promise<Check[]> {
  const { config, problems } = ctx;
  const checks = new Map<Channel, Check>();
  for (const { channel, title, variable, url } of WEBHOOK_CHANNELS) {
    const mine = problems.filter((p) => OWNED_VARIABLES[channel]!.includes(p.variable));
    const value = url(config);
    const base = { id: channel, title };
    if (mine.length > 0) {
      checks.set(channel, {
        ...base,
        status: 'fail',
        detail: mine.map((p) => `${p.variable} ${p.message}`).join('; '),
        remedy: `set ${variable} to the full https:// URL the service gave you`,
      });
    } else if (!value) {
      checks.set(channel, { ...base, status: 'skip', detail: 'not configured', remedy: null });
    } else if (value.startsWith('http:')) {
      checks.set(channel, {
        ...base,
        status: 'warn',
        detail: `${redactUrl(value)} is plain http: its token travels unencrypted`,
        remedy: `use the https:// URL in ${variable}`,
      });
    } else {
      const note = send ? '' : ' (well-formed; not contacted, use --send to test)';
      checks.set(channel, { ...base, status: 'ok', detail: `${redactUrl(value)}${note}`, remedy: null });
    }
  }
  if (send) {
    const delivery = { config, logger, redactor: ctx.redactor, now: ctx.now };
    const notifiers = buildNotifiers(delivery).filter(
      (n) => n.channel !== 'email' && checks.get(n.channel)?.status !== 'fail',
    );
    const results = await deliverAll(
      notifiers,
      testAlert(ctx.now(), ctx.hostname, TEST_NOTIFY_TEXT),
      delivery,
      config.notifyTimeoutMs,
    );
    for (const result of results) {
      const check = checks.get(result.channel);
      if (!check) continue;
      const url = redactUrl(WEBHOOK_CHANNELS.find((w) => w.channel === result.channel)!.url(config) ?? '');
      checks.set(
        result.channel,
        result.status === 'sent'
          ? {
              ...check,
              status: check.status === 'warn' ? 'warn' : 'ok',
              detail: `${url}: test message delivered`,
            }
          : {
              ...check,
              status: 'fail',
              detail: `${url}: test message not delivered: ${result.error ?? 'unknown error'}`,
              remedy:
                'check the URL is still active (regenerate it in the service) and that this host can reach it',
            },
      );
    }
  }
  return [...checks.values()];
}

/** The registry's channels by state (runbook §8.1.3), read without creating a database. */
function registeredChannelNames(ctx: CommandContext): { active: string[]; broken: string[] } {
  const names = { active: [] as string[], broken: [] as string[] };
  if (!existsSync(ctx.config.dbPath)) return names;
  try {
    const store = ctx.openStore();
    try {
      for (const row of store.channels.list()) {
        const parsed = channelOfRow(row);
        if ('error' in parsed) names.broken.push(`${String(row.channel_name)} (${parsed.error})`);
        else if (parsed.channel.active) names.active.push(`${parsed.channel.name} (${parsed.channel.type})`);
      }
    } finally {
      store.close();
    }
  } catch {
    // The database check reports why it cannot be opened.
  }
  return names;
}

/** Without any channel a failed backup is recorded but nobody hears about it. */
function checkChannels(config: Config, registered: { active: string[]; broken: string[] }): Check {
  const on = [
    config.emailRecipients.length > 0 ? 'e-mail' : undefined,
    config.slackWebhookUrl ? 'Slack' : undefined,
    config.teamsWebhookUrl ? 'Teams' : undefined,
    config.webhookUrl ? 'webhook' : undefined,
    config.routing.appriseUrls.length > 0 ? 'Apprise' : undefined,
    config.alertmanager ? 'Alertmanager' : undefined,
    ...registered.active.map((name) => `registered ${name}`),
  ].filter((name): name is string => name !== undefined);
  const base = { id: 'channels', title: 'Alert channels' } as const;
  if (on.length === 0) {
    return {
      ...base,
      status: 'fail',
      detail: 'no channel configured: failures are recorded but nobody is alerted',
      remedy:
        'set BACKUP_ALERT_EMAIL (and SMTP_*), SLACK_WEBHOOK_URL, TEAMS_WEBHOOK_URL or BACKUP_ALERT_WEBHOOK_URL, or register one: backup-alert channels add',
    };
  }
  const types = config.alertTypes.length < 4 ? `; alerting types: ${config.alertTypes.join(', ')}` : '';
  if (registered.broken.length > 0) {
    return {
      ...base,
      status: 'warn',
      detail: `${on.join(', ')}${types}; broken registered channel(s), skipped: ${registered.broken.join('; ')}`,
      remedy: 'fix or remove them: backup-alert channels list, backup-alert channels remove NAME',
    };
  }
  return { ...base, status: 'ok', detail: `${on.join(', ')}${types}`, remedy: null };
}
