import type { AlertContext } from '../alert/dispatch.js';
import type { Heartbeat } from '../alert/heartbeat.js';
import type { CommandContext } from '../context.js';
import { errorMessage } from '../shared/errors.js';
import type { RunPlan } from './plan.js';
import type { StartedRun } from './record.js';

/**
 * What watches the run from outside: the heartbeat ping (healthchecks.io, Uptime Kuma)
 * and the Prometheus metrics. Each is loaded only when configured, bounded by the
 * notify timeout, and a failure is one [WARN]: never the run's outcome.
 */

type RunContext = CommandContext & AlertContext;

/** The /start ping goes out beside the script; `finish` follows with the run's result. */
export function startHeartbeatIfWanted(
  started: StartedRun,
  plan: RunPlan,
  ctx: RunContext,
): { finish(result: Parameters<Heartbeat['finish']>[0]): Promise<unknown> } | undefined {
  const settings = ctx.config.metrics.ping;
  if (!settings) return undefined;
  // The heartbeat module (and node:crypto for its rid) loads only when a ping URL is set.
  const heartbeat = import('../alert/heartbeat.js').then(({ startHeartbeat }) =>
    startHeartbeat(
      {
        settings,
        logger: ctx.logger,
        journal: ctx.journal,
        now: ctx.now,
        timeoutMs: ctx.config.notifyTimeoutMs,
        safe: (text) => ctx.redactor.redactOutput(text),
      },
      { backupId: started.backupId, type: plan.type },
    ),
  );
  return {
    finish: async (result) => {
      try {
        await (await heartbeat).finish(result);
      } catch (error) {
        ctx.logger.warn('Heartbeat', `Heartbeat failed: ${ctx.redactor.safeError(error)}`);
      }
    },
  };
}

/** The metrics file / Pushgateway, rewritten after every run (the lock-busy one too). */
export async function publishRunMetrics(ctx: RunContext): Promise<void> {
  const { metrics } = ctx.config;
  if (metrics.metricsFile === undefined && metrics.pushgatewayUrl === undefined) return;
  try {
    const { publishMetrics, snapshotOptions } = await import('../metrics/publish.js');
    const expected = Object.keys(ctx.config.expect);
    const snapshot = ctx.journal.metricsSnapshot(snapshotOptions(ctx.config, metrics, expected));
    if (!snapshot) {
      ctx.logger.warn('Metrics', 'no database: metrics not updated');
      return;
    }
    await publishMetrics(snapshot, {
      metrics,
      instance: ctx.hostname,
      logger: ctx.logger,
      timeoutMs: ctx.config.notifyTimeoutMs,
    });
  } catch (error) {
    ctx.logger.warn('Metrics', `metrics not updated: ${errorMessage(error)}`);
  }
}

/**
 * Starts loading the ship's code and pg as soon as the script is spawned: a backup that
 * takes more than a few tens of milliseconds hides the load, and the ship at the end only
 * connects. Failures are left for `shipToCentre` to report.
 */
export function preloadShip(ctx: RunContext): void {
  if (!ctx.config.fleet || !ctx.journal.db) return;
  import('../fleet/sync.js').then(({ loadPg }) => loadPg()).catch(() => {});
}

/**
 * The end-of-run ship to the centre (BACKUP_ALERT_DATABASE_URL): bounded by
 * BACKUP_ALERT_SYNC_TIMEOUT, after a random BACKUP_ALERT_SYNC_JITTER when set (a fleet's
 * 03:00 runs would otherwise all connect at once). What cannot be shipped waits in the
 * local outbox for the next run, `retry` or `sync`.
 */
export async function shipToCentre(ctx: RunContext): Promise<void> {
  const { fleet } = ctx.config;
  const db = ctx.journal.db;
  if (!fleet || !db) return;
  try {
    const [{ logSyncResult, syncOnce }, { VERSION }] = await Promise.all([
      import('../fleet/sync.js'),
      import('../shared/version.js'),
    ]);
    const result = await syncOnce({
      db,
      fleet,
      version: VERSION,
      now: ctx.now,
      jitterMs: fleet.syncJitterMs,
    });
    logSyncResult(result, ctx.logger);
  } catch (error) {
    ctx.logger.warn('Fleet', `not shipped to the centre: ${ctx.redactor.safeError(error)}`);
  }
}

/** After a command that changed what the metrics say (sync): rewrite them from the database. */
export async function publishMetricsAfter(ctx: CommandContext): Promise<void> {
  const { metrics } = ctx.config;
  if (metrics.metricsFile === undefined && metrics.pushgatewayUrl === undefined) return;
  let store: ReturnType<CommandContext['openStore']>;
  try {
    store = ctx.openStore();
  } catch (error) {
    ctx.logger.warn('Metrics', `metrics not updated: ${errorMessage(error)}`);
    return;
  }
  try {
    await publishRunMetrics({ ...ctx, journal: store });
  } finally {
    store.close();
  }
}
