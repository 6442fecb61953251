// PLACEHOLDER until the channels issue lands: logs the failure instead of sending it.
import type { FailureAlert, NotifyContext } from './types.js';

export async function notifyFailure(alert: FailureAlert, ctx: NotifyContext): Promise<void> {
  ctx.logger.error('Backup', `Backup ${alert.backupId} (${alert.type}) failed: ${alert.error}`);
}
