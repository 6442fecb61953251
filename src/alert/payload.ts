import type { Alert } from '../notify/types.js';
import { ALERT_KINDS } from '../notify/types.js';
import type { BackupType } from '../shared/run-result.js';

/** The flat alert earlier versions stored as payload; still found in pending rows after an upgrade. */
interface FlatAlert {
  kind: Alert['kind'];
  backupId: string;
  type: string;
  timestamp: string;
  error: string;
  exitCode: number | null;
  signal: string | null;
  host: string;
  durationMs: number | null;
  outputTail: string;
  script: string | null;
  logPath: string | null;
  consecutiveFailures: number;
  escalate: boolean;
  suppressedCount?: number;
  lateSince?: string;
}

/** The alert a pending notification row carries, or undefined when it cannot be re-sent. */
export function parseAlertPayload(payload: string | null): Alert | undefined {
  if (!payload) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const candidate = value as Partial<Alert> & Partial<FlatAlert>;
  if (!candidate.kind || !(ALERT_KINDS as readonly string[]).includes(candidate.kind)) return undefined;
  if (typeof candidate.run === 'object' && typeof candidate.run?.backupId === 'string') {
    // Alerts stored before the artifact facts existed lack them: null, as for a run without one.
    const alert = candidate as Alert;
    return {
      ...alert,
      run: {
        ...alert.run,
        // Alerts stored before named jobs (issue 21): the job was the type.
        job: alert.run.job ?? alert.run.type,
        artifactPath: alert.run.artifactPath ?? null,
        artifactBytes: alert.run.artifactBytes ?? null,
      },
    };
  }
  if (typeof candidate.backupId === 'string') return fromFlat(candidate as FlatAlert);
  return undefined;
}

function fromFlat(flat: FlatAlert): Alert {
  return {
    kind: flat.kind,
    run: {
      backupId: flat.backupId,
      job: flat.type,
      type: flat.type as BackupType,
      host: flat.host,
      script: flat.script,
      logPath: flat.logPath,
      status: flat.kind === 'recovery' ? 'success' : 'failure',
      startedAt: flat.timestamp,
      finishedAt: flat.timestamp,
      durationMs: flat.durationMs,
      exitCode: flat.exitCode,
      signal: flat.signal,
      errorMessage: flat.error || null,
      outputTail: flat.outputTail ?? '',
      artifactPath: null,
      artifactBytes: null,
    },
    consecutiveFailures: flat.consecutiveFailures ?? 0,
    escalate: flat.escalate ?? false,
    ...(flat.suppressedCount ? { suppressedCount: flat.suppressedCount } : {}),
    ...(flat.lateSince ? { lateSince: flat.lateSince } : {}),
  };
}
