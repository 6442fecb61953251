import type { Config } from '../config/config.js';
import type { MetricsConfig } from '../config/metrics.js';
import { errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { VERSION } from '../shared/version.js';
import { renderExposition } from './exposition.js';
import { type PushResult, pushMetrics } from './pushgateway.js';
import type { MetricsSnapshot } from './snapshot.js';
import { type TextfileResult, writeTextfile } from './textfile.js';

export interface PublishOptions {
  metrics: Pick<MetricsConfig, 'metricsFile' | 'pushgatewayUrl'>;
  /** This host's name: the Pushgateway grouping key's `instance`. */
  instance: string;
  logger: Logger;
  /** Bound of the push (the notify timeout). */
  timeoutMs: number;
}

export interface PublishReport {
  file?: TextfileResult;
  push?: PushResult;
  /** The snapshot could not be built (database busy or broken): nothing was published. */
  error?: string;
}

/** Is there anywhere to publish to? When not, skip building the snapshot altogether. */
export function wantsMetrics(metrics: Pick<MetricsConfig, 'metricsFile' | 'pushgatewayUrl'>): boolean {
  return metrics.metricsFile !== undefined || metrics.pushgatewayUrl !== undefined;
}

/**
 * What the local snapshot always includes, so the same series exist after every run: the
 * configured channels (0 until they deliver) and the types this host promises to run.
 */
export function snapshotOptions(
  config: Pick<Config, 'emailRecipients' | 'slackWebhookUrl' | 'teamsWebhookUrl' | 'webhookUrl'>,
  metrics: Pick<MetricsConfig, 'ping'>,
  expectedTypes: readonly string[] = [],
): { version: string; types: string[]; channels: string[] } {
  const channels: string[] = [];
  if (config.emailRecipients.length > 0) channels.push('email');
  if (config.slackWebhookUrl) channels.push('slack');
  if (config.teamsWebhookUrl) channels.push('teams');
  if (config.webhookUrl) channels.push('webhook');
  if (metrics.ping) channels.push('ping');
  return { version: VERSION, types: [...expectedTypes], channels };
}

/**
 * Writes the metrics file and pushes to the Pushgateway, side by side. Never throws and never
 * changes the run: each failure is one [WARN] line, and the next run, retry or sync rewrites
 * the file and re-pushes the then-current state. `snapshot` may be a function (e.g.
 * `() => metricsSnapshot(store.db, options)`): it is called only when there is somewhere to
 * publish, and an error it throws is reported like the others.
 */
export async function publishMetrics(
  snapshot: MetricsSnapshot | (() => MetricsSnapshot),
  options: PublishOptions,
): Promise<PublishReport> {
  const { metrics, logger } = options;
  if (!wantsMetrics(metrics)) return {};
  let text: string;
  try {
    text = renderExposition(typeof snapshot === 'function' ? snapshot() : snapshot);
  } catch (error) {
    const message = `cannot read the metrics from the database: ${errorMessage(error)}`;
    logger.warn('Metrics', `${message}; metrics not updated`);
    return { error: message };
  }
  const [file, push] = await Promise.all([
    metrics.metricsFile === undefined ? undefined : writeTextfile(metrics.metricsFile, text),
    metrics.pushgatewayUrl === undefined
      ? undefined
      : pushMetrics({
          url: metrics.pushgatewayUrl,
          instance: options.instance,
          body: text,
          signal: AbortSignal.timeout(options.timeoutMs),
        }),
  ]);
  if (file && !file.ok) logger.warn('Metrics', `${file.error}; metrics not updated`);
  if (push && !push.ok) {
    logger.warn('Metrics', `Could not push metrics: ${push.error}; the next run pushes again`);
  }
  return { ...(file ? { file } : {}), ...(push ? { push } : {}) };
}
