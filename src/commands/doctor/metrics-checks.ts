import { randomUUID } from 'node:crypto';
import { dirname } from 'node:path';
import type { MetricsConfig } from '../../config/metrics.js';
import type { ConfigProblem } from '../../config/values.js';
import { checkPushgateway } from '../../metrics/pushgateway.js';
import { probeTextfileDir } from '../../metrics/textfile.js';
import { sendPing } from '../../notify/ping.js';
import { pingPayload } from '../../notify/ping-payload.js';
import { redactUrl } from '../../shared/redact.js';
import { bad, type Check, OWNED_VARIABLES, ok, skip } from './checks.js';

export interface MetricsCheckOptions {
  /** --send: contact the Pushgateway (health only) and the ping service (a neutral /log ping). */
  send: boolean;
  timeoutMs: number;
}

/**
 * doctor's lines for issue 12: the metrics file's directory is writable (a probe file is
 * created and removed), the Pushgateway and ping URLs are well-formed (contacted only with
 * --send). URLs appear as scheme and host only.
 */
export async function metricsChecks(
  metrics: MetricsConfig,
  problems: readonly ConfigProblem[],
  options: MetricsCheckOptions,
): Promise<Check[]> {
  return [
    await metricsFileCheck(metrics, problems),
    await pushgatewayCheck(metrics, problems, options),
    await pingCheck(metrics, problems, options),
  ];
}

const mine = (problems: readonly ConfigProblem[], id: 'metrics-file' | 'pushgateway' | 'ping') =>
  problems.filter((p) => (OWNED_VARIABLES[id] ?? []).includes(p.variable));
const text = (problems: readonly ConfigProblem[]) =>
  problems.map((p) => `${p.variable} ${p.message}`).join('; ');

async function metricsFileCheck(metrics: MetricsConfig, problems: readonly ConfigProblem[]): Promise<Check> {
  const title = 'Metrics file';
  const issues = mine(problems, 'metrics-file');
  if (!metrics.metricsFile) {
    return issues.length > 0
      ? bad(
          'fail',
          'metrics-file',
          title,
          text(issues),
          'set BACKUP_ALERT_METRICS_FILE to a file path ending in .prom',
        )
      : skip('metrics-file', title, 'BACKUP_ALERT_METRICS_FILE not set');
  }
  const probe = await probeTextfileDir(metrics.metricsFile);
  if (!probe.ok) {
    return bad(
      'fail',
      'metrics-file',
      title,
      probe.error,
      `create ${dirname(metrics.metricsFile)} (node_exporter's --collector.textfile.directory) writable by the user that runs backups`,
    );
  }
  if (issues.length > 0) {
    return bad(
      'warn',
      'metrics-file',
      title,
      `${metrics.metricsFile}: ${text(issues)}`,
      'name the file *.prom',
    );
  }
  return ok('metrics-file', title, `${dirname(metrics.metricsFile)} is writable`);
}

async function pushgatewayCheck(
  metrics: MetricsConfig,
  problems: readonly ConfigProblem[],
  options: MetricsCheckOptions,
): Promise<Check> {
  const title = 'Pushgateway';
  const issues = mine(problems, 'pushgateway');
  if (issues.length > 0) {
    return bad(
      'fail',
      'pushgateway',
      title,
      text(issues),
      'fix BACKUP_ALERT_PUSHGATEWAY_URL (e.g. http://pushgateway:9091)',
    );
  }
  if (!metrics.pushgatewayUrl) return skip('pushgateway', title, 'BACKUP_ALERT_PUSHGATEWAY_URL not set');
  const where = redactUrl(metrics.pushgatewayUrl);
  if (!options.send) return ok('pushgateway', title, `${where} (not contacted; --send checks it)`);
  const result = await checkPushgateway(metrics.pushgatewayUrl, AbortSignal.timeout(options.timeoutMs));
  return result.ok
    ? ok('pushgateway', title, `${where} is healthy`)
    : bad(
        'fail',
        'pushgateway',
        title,
        result.error,
        'check that the Pushgateway runs and is reachable from this host',
      );
}

async function pingCheck(
  metrics: MetricsConfig,
  problems: readonly ConfigProblem[],
  options: MetricsCheckOptions,
): Promise<Check> {
  const title = 'Heartbeat ping';
  const issues = mine(problems, 'ping');
  const ping = metrics.ping;
  if (issues.length > 0 && !ping) {
    return bad(
      'fail',
      'ping',
      title,
      text(issues),
      'fix BACKUP_ALERT_PING_URL (the check URL from healthchecks.io or Uptime Kuma)',
    );
  }
  if (!ping) return skip('ping', title, 'BACKUP_ALERT_PING_URL not set');
  const where = `${ping.format} ${redactUrl(ping.url)}`;
  if (issues.length > 0)
    return bad('warn', 'ping', title, `${where}: ${text(issues)}`, 'fix BACKUP_ALERT_PING_FORMAT');
  if (!options.send) return ok('ping', title, `${where} (not contacted; --send sends a test ping)`);
  if (ping.format === 'uptime-kuma') {
    // Every Kuma push sets the monitor's state: a test push would hide a real "down".
    return skip('ping', title, `${where}: Uptime Kuma has no neutral ping; not contacted`);
  }
  const result = await sendPing(
    ping,
    pingPayload({
      event: 'log',
      rid: randomUUID(),
      message: 'backup-alert doctor --send: test ping (state unchanged)',
    }),
    AbortSignal.timeout(options.timeoutMs),
  );
  return result.ok
    ? ok(
        'ping',
        title,
        `${where} answered HTTP ${result.status} to a /log ping (the check's state is unchanged)`,
      )
    : bad(
        result.permanent ? 'fail' : 'warn',
        'ping',
        title,
        result.error,
        result.permanent
          ? 'copy the ping URL again from the check page'
          : 'check the service is reachable from this host',
      );
}
