import type { Alert } from '../notify/types.js';
import { backupIdFor } from '../store/rows.js';

/** What test-notify and doctor --send say in the test alert's error line. */
export const TEST_NOTIFY_TEXT =
  'This is a test notification from backup-alert test-notify; no backup failed.';

/**
 * A clearly-marked test alert (【テスト】) carrying the same facts a real one would:
 * what test-email (runbook §7.1), test-notify and doctor --send send.
 */
export function testAlert(now: Date, host: string, error: string, script: string | null = null): Alert {
  return {
    kind: 'test',
    run: {
      backupId: backupIdFor(now, 'test', 1),
      type: 'manual',
      host,
      script,
      logPath: null,
      status: 'failure',
      startedAt: now.toISOString(),
      finishedAt: now.toISOString(),
      durationMs: null,
      exitCode: null,
      signal: null,
      errorMessage: error,
      outputTail: '',
      artifactPath: null,
      artifactBytes: null,
    },
    consecutiveFailures: 0,
    escalate: false,
  };
}
