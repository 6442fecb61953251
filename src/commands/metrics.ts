import type { MetricsConfig } from '../config/metrics.js';
import type { CommandContext } from '../context.js';
import { renderExposition } from '../metrics/exposition.js';
import { snapshotOptions } from '../metrics/publish.js';
import { DELIVERY_OUTCOMES, type MetricsSnapshot } from '../metrics/snapshot.js';
import { errorMessage } from '../shared/errors.js';
import { ExitCode } from '../shared/exit-codes.js';
import { metricsSnapshot, promisedNeverRan } from '../store/metrics-query.js';
import { openForReading } from './reading.js';

export interface MetricsCommandOptions {
  /** The parsed metrics settings (for the ping channel's counters). */
  metrics?: Pick<MetricsConfig, 'ping'>;
  /** Types this host promises (BACKUP_ALERT_EXPECT): their series exist before they first run. */
  expectedTypes?: readonly string[];
}

/**
 * `backup-alert metrics`: prints the exposition the metrics file would hold, for people and
 * for checks without curl. With no database yet, the series of the expected types read "never".
 */
export async function metricsCommand(options: MetricsCommandOptions, ctx: CommandContext): Promise<number> {
  const settings = snapshotOptions(ctx.config, options.metrics ?? {}, options.expectedTypes);
  let store: Awaited<ReturnType<typeof openForReading>>;
  try {
    store = await openForReading(ctx);
  } catch (error) {
    ctx.io.stderr(`backup-alert: ${errorMessage(error)}\n`);
    return ExitCode.failed;
  }
  try {
    let snapshot: MetricsSnapshot;
    if (store) {
      snapshot = metricsSnapshot(store.db, settings);
    } else {
      snapshot = {
        version: settings.version,
        types: settings.types.map(promisedNeverRan),
        notifications: [
          {
            pending: 0,
            delivered: settings.channels.flatMap((channel) =>
              DELIVERY_OUTCOMES.map((status) => ({ channel, status, count: 0 })),
            ),
          },
        ],
      };
    }
    ctx.io.stdout(renderExposition(snapshot));
    return ExitCode.ok;
  } catch (error) {
    // A database opened read-only (someone else's) may predate the metrics tables.
    ctx.io.stderr(
      `backup-alert: cannot read metrics from ${ctx.config.dbPath}: ${errorMessage(error)} (run any command as its owner once to upgrade it)\n`,
    );
    return ExitCode.failed;
  } finally {
    store?.close();
  }
}
