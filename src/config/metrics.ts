import { isAbsolute, resolve } from 'node:path';
import { quoteValue } from '../shared/terminal-text.js';
import type { Env } from './env-source.js';
import type { SecretName } from './secrets.js';
import { type ConfigProblem, parseWebhookUrl } from './values.js';

export const PING_FORMATS = ['healthchecks', 'uptime-kuma'] as const;
export type PingFormat = (typeof PING_FORMATS)[number];

/**
 * Variables whose values are credentials: the ping URL's UUID or push token is the key to the
 * check, and a Pushgateway URL may carry `user:password@`. Each may be given as NAME_FILE or a
 * systemd credential. `doctor` shows them redacted; the logger masks their values.
 */

export interface PingSettings {
  url: string;
  format: PingFormat;
}

export interface MetricsConfig {
  /** BACKUP_ALERT_METRICS_FILE, absolute. */
  metricsFile?: string;
  /** BACKUP_ALERT_PUSHGATEWAY_URL: the base URL. */
  pushgatewayUrl?: string;
  /** BACKUP_ALERT_PING_URL with its format. */
  ping?: PingSettings;
  /** The secret values as given and as normalised, for the logger to mask. */
  secrets: string[];
}

/**
 * Parses the metrics and heartbeat settings. Every malformed value is one problem naming the
 * variable and never quoting a URL; the setting is then off (a run never stops for it).
 * `readSecretFn` is `readSecret` bound to the env and cwd (NAME, NAME_FILE, systemd credential).
 */
export function parseMetricsConfig(
  env: Env,
  readSecretFn: (name: SecretName) => string | undefined,
  problems: ConfigProblem[],
  options: { cwd: string },
): MetricsConfig {
  const config: MetricsConfig = { secrets: [] };
  const keep = (...values: Array<string | undefined>) => {
    for (const value of values) if (value && !config.secrets.includes(value)) config.secrets.push(value);
  };

  const file = env['BACKUP_ALERT_METRICS_FILE']?.trim();
  if (file) {
    if (file.endsWith('/')) {
      problems.push({
        variable: 'BACKUP_ALERT_METRICS_FILE',
        message: 'names a directory; give a file name ending in .prom (metrics are not written)',
      });
    } else {
      config.metricsFile = isAbsolute(file) ? file : resolve(options.cwd, file);
      if (!file.endsWith('.prom')) {
        problems.push({
          variable: 'BACKUP_ALERT_METRICS_FILE',
          message: "does not end in .prom; node_exporter's textfile collector reads only *.prom files",
        });
      }
    }
  }

  const pushRaw = readSecretFn('BACKUP_ALERT_PUSHGATEWAY_URL');
  keep(pushRaw, pushRaw?.trim());
  const push = parseHttpUrl('BACKUP_ALERT_PUSHGATEWAY_URL', pushRaw, problems);
  if (push) {
    if (push.search || push.hash || /\/metrics\/job\//.test(push.pathname)) {
      problems.push({
        variable: 'BACKUP_ALERT_PUSHGATEWAY_URL',
        message:
          'give the base URL only (e.g. http://pushgateway:9091); backup-alert adds /metrics/job/backup_alert/instance/<host>',
      });
    } else {
      config.pushgatewayUrl = push.toString();
      keep(config.pushgatewayUrl);
    }
  }

  const pingRaw = readSecretFn('BACKUP_ALERT_PING_URL');
  keep(pingRaw, pingRaw?.trim());
  const ping = parseHttpUrl('BACKUP_ALERT_PING_URL', pingRaw, problems);
  const format = parsePingFormat(env['BACKUP_ALERT_PING_FORMAT'], ping, problems);
  if (ping) {
    config.ping = { url: ping.toString(), format };
    keep(config.ping.url);
  }
  return config;
}

function parseHttpUrl(variable: string, value: string | undefined, problems: ConfigProblem[]) {
  // parseWebhookUrl already says what is wrong without echoing the URL.
  const before = problems.length;
  const url = parseWebhookUrl(variable, value, problems);
  for (const problem of problems.slice(before)) {
    problem.message = problem.message.replace('this channel is off', 'it is not used');
  }
  return url === undefined ? undefined : new URL(url);
}

/**
 * Unset: Uptime Kuma when the URL is a push URL (`/api/push/<token>`), else healthchecks.
 * Mistyped: the same guess, and a problem.
 */
function parsePingFormat(value: string | undefined, url: URL | undefined, problems: ConfigProblem[]) {
  const guess: PingFormat =
    url && /\/api\/push\/[^/]+\/?$/.test(url.pathname) ? 'uptime-kuma' : 'healthchecks';
  const format = value?.trim().toLowerCase();
  if (!format) return guess;
  if ((PING_FORMATS as readonly string[]).includes(format)) return format as PingFormat;
  problems.push({
    variable: 'BACKUP_ALERT_PING_FORMAT',
    message: `${quoteValue(value)} is not ${PING_FORMATS.join(' or ')}; using ${guess}`,
  });
  return guess;
}
