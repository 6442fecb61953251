import type { CommandContext } from '../context.js';
import { errorMessage } from '../shared/errors.js';
import type { Store } from './store.js';

/**
 * Appends a backup_audit_logs row (runbook §9.4). The audit trail must never
 * break the operation it records, so a write failure is only logged.
 */
export function recordAudit(
  store: Store | null,
  ctx: Pick<CommandContext, 'username' | 'hostname' | 'now' | 'logger'>,
  entry: { operation: string; backupId?: string | null; status: string; details?: unknown },
): void {
  if (!store) return;
  try {
    store.audit({
      operation: entry.operation,
      backupId: entry.backupId ?? null,
      username: ctx.username,
      host: ctx.hostname,
      status: entry.status,
      details: entry.details,
      createdAt: ctx.now().toISOString(),
    });
  } catch (error) {
    ctx.logger.warn('Audit', `Could not write audit row for ${entry.operation}: ${errorMessage(error)}`);
  }
}
