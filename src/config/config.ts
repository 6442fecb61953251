import { join, resolve } from 'node:path';
import { formatDuration, MAX_TIMER_MS } from '../shared/duration.js';
import { smtpSecretForms } from '../shared/redact.js';
import type { BackupType } from '../shared/run-result.js';
import {
  type Lang,
  parseAlertTypes,
  parseLang,
  parseSmtpCheckInterval,
  parseTeamsFormat,
  type TeamsFormat,
} from './alerting.js';
import {
  type AlertLabelSettings,
  type AlertmanagerSettings,
  parseAlertLabelSettings,
  parseAlertmanagerSettings,
} from './alertmanager.js';
import type { Env } from './env-source.js';
import { type FalseSuccessSettings, parseFalseSuccess } from './false-success.js';
import { type FleetConfig, parseFleetConfig } from './fleet.js';
import { parseHostSettings } from './host.js';
import { type MetricsConfig, parseMetricsConfig } from './metrics.js';
import { type Places, placesFor } from './paths.js';
import { parseRoutingSettings, type RoutingSettings } from './routing.js';
import { readSecret, type SecretName } from './secrets.js';
import { parseStormSettings, type StormSettings } from './storm.js';
import { parseSystemName } from './system-name.js';
import { parseSystemUrl } from './system-url.js';
import {
  type ConfigProblem,
  parseBoolean,
  parseOptionalDuration,
  parsePort,
  parsePositiveInteger,
  parseRecipients,
  parseRedactPatterns,
  parseSender,
  parseWebhookUrl,
  splitList,
} from './values.js';

export const DEFAULT_SMTP_FROM = 'ITSM-Sec Nexus <noreply@itsm.local>';
export const DEFAULT_NOTIFY_TIMEOUT_MS = 30_000;
export const DEFAULT_KILL_AFTER_MS = 10_000;
/** Deliveries add a hard cut-off margin to the notify timeout; keep the sum one timer. */
const HARD_MARGIN_ALLOWANCE_MS = 60_000;

export interface SmtpSettings {
  host: string;
  port: number;
  secure: boolean;
  user?: string;
  password?: string;
  from: string;
  tlsRejectUnauthorized: boolean;
  /** SMTP_PORT as given when it was not a port (the default was used): named in SMTP errors. */
  invalidPort?: string;
}

export interface Config {
  envFile?: string;
  dbPath: string;
  script?: string;
  timeoutMs?: number;
  killAfterMs: number;
  notifyTimeoutMs: number;
  /** Valid recipients only; invalid ones are in `problems`. Empty = e-mail off. */
  emailRecipients: string[];
  smtp: SmtpSettings;
  slackWebhookUrl?: string;
  teamsWebhookUrl?: string;
  teamsFormat?: TeamsFormat;
  webhookUrl?: string;
  webhookSecret?: string;
  systemUrl?: string;
  /** BACKUP_ALERT_SYSTEM_NAME: the alerts' footer; unset = the runbook's. */
  systemName?: string;
  /** Types whose failures alert (all by default); every failure is recorded regardless. */
  alertTypes: BackupType[];
  lang: Lang;
  templateDir: string;
  logFile?: string;
  /** NODE_ENV=test: skip the SMTP verify at start. */
  skipSmtpVerify: boolean;
  /** BACKUP_ALERT_SMTP_CHECK_INTERVAL: a good SMTP check at the start of `run` is trusted this long. */
  smtpCheckIntervalMs: number;
  redactPatterns: RegExp[];
  escalateAfter: number;
  notifyRecovery: boolean;
  repeatIntervalMs?: number;
  retentionMs?: number;
  /** Prometheus textfile / Pushgateway and the heartbeat ping (config/metrics.ts). */
  metrics: MetricsConfig;
  /** `run --artifact` and the size judgement (DESIGN.md "False success"). */
  falseSuccess: FalseSuccessSettings;
  /** Routing and incidents: reminders, watch's expectations, the slow run, Apprise, local time. */
  routing: RoutingSettings;
  /** BACKUP_ALERT_HOST (default: the OS host name): this host's name in runs, alerts, metrics and the fleet. */
  host: string;
  /** BACKUP_ALERT_EXPECT: the longest time allowed since each type's last success (watch, the fleet). */
  expect: Record<string, number>;
  /** The central PostgreSQL (BACKUP_ALERT_DATABASE_URL); undefined for a single host. */
  fleet?: FleetConfig;
  /** BACKUP_ALERT_ALERTMANAGER_URL and its auth; undefined when not set. */
  alertmanager?: AlertmanagerSettings;
  /** BACKUP_ALERT_TARGET and BACKUP_ALERT_RUNBOOK_URL: what alerts label and link. */
  labels: AlertLabelSettings;
  /** Storm control at the centre: BACKUP_ALERT_STORM_WINDOW and _AFTER. */
  storm: StormSettings;
  /** Every secret value, so output can be masked. */
  secrets: string[];
  /** BACKUP_ALERT_CHANNELS: the channels (names or kinds) alerts go to; undefined = all. */
  channels?: string[];
}

export interface ConfigFlags {
  db?: string;
  script?: string;
}

export interface LoadedConfig {
  config: Config;
  /** Problems with the settings; reported, never fatal for a run. */
  problems: ConfigProblem[];
}

export interface ConfigContext {
  cwd: string;
  /** Packaged templates directory, used when BACKUP_ALERT_TEMPLATE_DIR is unset. */
  defaultTemplateDir: string;
  envFile?: string;
  /** The OS host name: BACKUP_ALERT_HOST's default. */
  hostname?: string;
  /** System or user places (the default database); absent: user mode. */
  places?: Places;
}

/**
 * The default database: `<state dir>/backup-alert.db` ($STATE_DIRECTORY under systemd, else
 * /var/lib/backup-alert for root, the XDG state dir for anyone else).
 */
export function defaultDbPath(env: Env, places: Places = placesFor(env, undefined)): string {
  return join(places.stateDir, 'backup-alert.db');
}

/** Parses the merged environment (and flags) once, collecting every problem. */
export function loadConfig(env: Env, flags: ConfigFlags, context: ConfigContext): LoadedConfig {
  const problems: ConfigProblem[] = [];
  const secret = (name: SecretName) => readSecret(env, name, context.cwd, problems);
  const nonEmpty = (name: string) => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };

  const smtpUser = nonEmpty('SMTP_USER');
  const smtpPassword = secret('SMTP_PASSWORD');
  const portGiven = nonEmpty('SMTP_PORT');
  const smtp: SmtpSettings = {
    host: nonEmpty('SMTP_HOST') ?? 'localhost',
    port: parsePort('SMTP_PORT', env['SMTP_PORT'], 587, problems),
    secure: parseBoolean('SMTP_SECURE', env['SMTP_SECURE'], false, problems),
    from: parseSender('SMTP_FROM', env['SMTP_FROM'], DEFAULT_SMTP_FROM, problems),
    tlsRejectUnauthorized: parseBoolean(
      'SMTP_TLS_REJECT_UNAUTHORIZED',
      env['SMTP_TLS_REJECT_UNAUTHORIZED'],
      true,
      problems,
    ),
    ...(portGiven !== undefined && problems.some((p) => p.variable === 'SMTP_PORT')
      ? { invalidPort: portGiven }
      : {}),
    ...(smtpUser ? { user: smtpUser } : {}),
    ...(smtpPassword ? { password: smtpPassword } : {}),
  };

  const slackRaw = secret('SLACK_WEBHOOK_URL');
  const teamsRaw = secret('TEAMS_WEBHOOK_URL');
  const webhookRaw = secret('BACKUP_ALERT_WEBHOOK_URL');
  const webhookSecret = secret('BACKUP_ALERT_WEBHOOK_SECRET');
  const slackWebhookUrl = parseWebhookUrl('SLACK_WEBHOOK_URL', slackRaw, problems);
  const teamsWebhookUrl = parseWebhookUrl('TEAMS_WEBHOOK_URL', teamsRaw, problems);
  const webhookUrl = parseWebhookUrl('BACKUP_ALERT_WEBHOOK_URL', webhookRaw, problems);
  const metrics = parseMetricsConfig(env, secret, problems, { cwd: context.cwd });
  const hostSettings = parseHostSettings(env, context.hostname ?? 'localhost', problems);
  const routing = parseRoutingSettings(env, context.cwd, problems);
  const alertmanager = parseAlertmanagerSettings(env, secret, problems);
  const fleet = parseFleetConfig(env, (name) => secret(name as SecretName), problems, hostSettings);

  const config: Config = {
    dbPath: resolve(
      context.cwd,
      flags.db ?? nonEmpty('BACKUP_ALERT_DB') ?? defaultDbPath(env, context.places),
    ),
    killAfterMs: DEFAULT_KILL_AFTER_MS,
    host: hostSettings.host,
    expect: hostSettings.expect,
    metrics,
    // One timer bounds every delivery: beyond Node's longest timer it would fire at once.
    notifyTimeoutMs:
      parseOptionalDuration('BACKUP_ALERT_NOTIFY_TIMEOUT', env['BACKUP_ALERT_NOTIFY_TIMEOUT'], problems, {
        maxMs: MAX_TIMER_MS - HARD_MARGIN_ALLOWANCE_MS,
        fallback: formatDuration(DEFAULT_NOTIFY_TIMEOUT_MS),
      }) ?? DEFAULT_NOTIFY_TIMEOUT_MS,
    emailRecipients: parseRecipients('BACKUP_ALERT_EMAIL', env['BACKUP_ALERT_EMAIL'], problems),
    smtp,
    alertTypes: parseAlertTypes(env['BACKUP_ALERT_TYPES'], problems),
    lang: parseLang(env['BACKUP_ALERT_LANG'], problems),
    templateDir: resolve(context.cwd, nonEmpty('BACKUP_ALERT_TEMPLATE_DIR') ?? context.defaultTemplateDir),
    skipSmtpVerify: env['NODE_ENV'] === 'test',
    smtpCheckIntervalMs: parseSmtpCheckInterval(env['BACKUP_ALERT_SMTP_CHECK_INTERVAL'], problems),
    redactPatterns: parseRedactPatterns('BACKUP_ALERT_REDACT', env['BACKUP_ALERT_REDACT'], problems),
    escalateAfter: parsePositiveInteger(
      'BACKUP_ALERT_ESCALATE_AFTER',
      env['BACKUP_ALERT_ESCALATE_AFTER'],
      3,
      problems,
    ),
    notifyRecovery: parseBoolean(
      'BACKUP_ALERT_NOTIFY_RECOVERY',
      env['BACKUP_ALERT_NOTIFY_RECOVERY'],
      false,
      problems,
    ),
    falseSuccess: parseFalseSuccess(env, problems),
    routing: routing.settings,
    labels: parseAlertLabelSettings(env, problems),
    storm: parseStormSettings(env, problems),
    // The URLs both as written and as normalised (trimmed, default port dropped…): the
    // normalised form is what is sent, so it is what an error message could quote. The
    // password also in the base64 forms SMTP AUTH puts on the wire (--verbose transcripts).
    secrets: [
      ...new Set(
        [
          ...smtpSecretForms(smtpUser, smtpPassword),
          slackRaw,
          teamsRaw,
          webhookRaw,
          slackRaw?.trim(),
          teamsRaw?.trim(),
          webhookRaw?.trim(),
          slackWebhookUrl,
          teamsWebhookUrl,
          webhookUrl,
          webhookSecret,
          ...metrics.secrets,
          ...routing.secrets,
          ...alertmanager.secrets,
          ...(fleet?.secrets ?? []),
        ].filter((value): value is string => value !== undefined && value !== ''),
      ),
    ],
  };
  const optional: Partial<Config> = {
    envFile: context.envFile,
    fleet,
    alertmanager: alertmanager.settings,
    script: flags.script ?? nonEmpty('BACKUP_ALERT_SCRIPT'),
    // Invalid = the default (no timeout), said so: the backup still runs, never cut short by a guess.
    timeoutMs: parseOptionalDuration('BACKUP_ALERT_TIMEOUT', env['BACKUP_ALERT_TIMEOUT'], problems, {
      fallback: 'the default: no timeout',
    }),
    slackWebhookUrl,
    teamsWebhookUrl,
    teamsFormat: parseTeamsFormat(env['TEAMS_WEBHOOK_FORMAT'], problems),
    webhookUrl,
    webhookSecret,
    systemUrl: parseSystemUrl(env['SYSTEM_URL'], problems),
    systemName: parseSystemName(env['BACKUP_ALERT_SYSTEM_NAME'], problems),
    logFile: nonEmpty('BACKUP_ALERT_LOG_FILE') && resolve(context.cwd, nonEmpty('BACKUP_ALERT_LOG_FILE')!),
    repeatIntervalMs: parseOptionalDuration(
      'BACKUP_ALERT_REPEAT_INTERVAL',
      env['BACKUP_ALERT_REPEAT_INTERVAL'],
      problems,
    ),
    retentionMs: parseOptionalDuration('BACKUP_ALERT_RETENTION', env['BACKUP_ALERT_RETENTION'], problems),
    channels: nonEmpty('BACKUP_ALERT_CHANNELS') ? splitList(nonEmpty('BACKUP_ALERT_CHANNELS')) : undefined,
  };
  // exactOptionalPropertyTypes-friendly: only keys that have a value.
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) (config as unknown as Record<string, unknown>)[key] = value;
  }
  return { config, problems };
}
