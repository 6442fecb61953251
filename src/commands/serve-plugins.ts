import { testAlert } from '../alert/test-alert.js';
import type { CommandContext } from '../context.js';
import type { ServePlugins } from './serve.js';

/**
 * What `serve` borrows from the rest of backup-alert, each loaded on first use: the
 * metrics exposition for GET /metrics (this host's, or every host's from the centre), and
 * the runbook §7.1 test e-mail for POST /api/v1/notifications/test-email (always through
 * this host's SMTP settings, whichever database serve reads).
 */
export function defaultServePlugins(ctx: CommandContext): ServePlugins {
  return {
    metricsText: async (store) => {
      const [{ renderExposition }, { snapshotOptions }] = await Promise.all([
        import('../metrics/exposition.js'),
        import('../metrics/publish.js'),
      ]);
      // The types BACKUP_ALERT_EXPECT promises, as the textfile after a run has them (run/observe.ts):
      // a promised type that never ran must show here too, or the stale rule cannot fire.
      const expected = Object.keys(ctx.config.expect);
      return renderExposition(
        store.metricsSnapshot(snapshotOptions(ctx.config, ctx.config.metrics, expected)),
      );
    },
    fleetMetricsText: async (centre) => {
      const [{ renderExposition }, { VERSION }] = await Promise.all([
        import('../metrics/exposition.js'),
        import('../shared/version.js'),
      ]);
      return renderExposition(await centre.metricsSnapshot(VERSION));
    },
    sendTestEmail: async (to) => {
      const [{ sendAlertEmail }, { describeSmtpError }] = await Promise.all([
        import('../notify/email.js'),
        import('../notify/smtp-errors.js'),
      ]);
      const alert = testAlert(
        ctx.now(),
        ctx.hostname,
        'This is a test message from the backup-alert API (runbook §7.1); no backup failed.',
      );
      try {
        await sendAlertEmail(
          ctx.config,
          ctx.logger,
          [to],
          alert,
          AbortSignal.timeout(ctx.config.notifyTimeoutMs),
        );
        return { ok: true };
      } catch (error) {
        return { ok: false, error: ctx.redactor.maskSecrets(describeSmtpError(error).message) };
      }
    },
  };
}
