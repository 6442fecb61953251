import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decideAlert, type PolicyConfig } from '../../src/alert/policy.js';
import { BACKUP_TYPES, type BackupType, type RunResult } from '../../src/shared/run-result.js';
import { Store } from '../../src/store/store.js';
import { tempDir } from '../helpers/tmp.js';

const T0 = Date.parse('2025-01-01T00:00:00.000Z');
const MINUTE = 60_000;

function openStore(): Store {
  const store = Store.open(join(tempDir(), 'state', 'test.db'));
  return store;
}

/** Records one finished run `minutes` after T0 and returns its backup ID. */
function record(
  store: Store,
  minutes: number,
  status: 'success' | 'failure' | 'abandoned',
  error: string | null = status === 'success' ? null : 'Backup script failed with exit code 1: disk full',
  type: BackupType = 'daily',
): RunResult {
  const started = new Date(T0 + minutes * MINUTE);
  const { backupId } = store.runs.insert(
    { type, startedAt: started.toISOString(), script: '/x.sh', host: 'h', pid: 1, logPathTemplate: null },
    started,
  );
  const result: RunResult = {
    backupId,
    type,
    job: type,
    host: 'h',
    script: '/x.sh',
    logPath: null,
    status,
    startedAt: started.toISOString(),
    finishedAt: new Date(started.getTime() + 1000).toISOString(),
    durationMs: 1000,
    exitCode: status === 'failure' ? 1 : status === 'success' ? 0 : null,
    signal: null,
    errorMessage: error,
    outputTail: '',
    artifactPath: null,
    artifactBytes: null,
  };
  store.runs.finish(result);
  return result;
}

/** What the notify fan-out does for a sent alert: one notification_logs row per channel. */
function alerted(store: Store, backupId: string, minutes: number): void {
  store.notifications.insert({
    notificationType: 'failure',
    channel: 'email',
    recipient: 'ops@example.com',
    subject: `【緊急】バックアップ失敗: ${backupId}`,
    status: 'sent',
    errorMessage: null,
    sentAt: new Date(T0 + minutes * MINUTE + 2000).toISOString(),
    attempts: 1,
    payload: null,
    backupId,
  });
}

const at = (minutes: number) => new Date(T0 + minutes * MINUTE + 1500);
const defaults: PolicyConfig = {
  alertTypes: [...BACKUP_TYPES],
  escalateAfter: 3,
  notifyRecovery: false,
  falseSuccess: {
    artifacts: [],
    minDurationMs: undefined,
    sizeDropPercent: 50,
    sizeGrowthPercent: null,
  },
};

/** Runs the pipeline's decision for a new failure and records the alert when it is sent. */
function fail(
  store: Store,
  minutes: number,
  config: PolicyConfig,
  error = 'Backup script failed with exit code 1: disk full',
) {
  const run = record(store, minutes, 'failure', error);
  const decision = decideAlert(run, store, config, at(minutes));
  if (decision.send) alerted(store, run.backupId, minutes);
  const alert = decision.send ? decision.alert : decision.heldBack;
  return {
    send: decision.send,
    suppressedCount: alert?.suppressedCount ?? 0,
    consecutiveFailures: alert?.consecutiveFailures,
    escalate: alert?.escalate,
  };
}

/** Whether a recovery message goes out for this success. */
function recovers(store: Store, run: RunResult, config: PolicyConfig): boolean {
  const decision = decideAlert(run, store, config, at(0));
  return decision.send && decision.alert.kind === 'recovery';
}

describe('decideAlert: failures', () => {
  it('by default alerts every failure and escalates from the third in a row', () => {
    const store = openStore();
    const decisions = [0, 10, 20, 30].map((m) => fail(store, m, defaults));
    expect(decisions.map((d) => d.send)).toEqual([true, true, true, true]);
    expect(decisions.map((d) => d.consecutiveFailures)).toEqual([1, 2, 3, 4]);
    expect(decisions.map((d) => d.escalate)).toEqual([false, false, true, true]);
    expect(decisions.every((d) => d.suppressedCount === 0)).toBe(true);
    store.close();
  });

  it('restarts the count after a success and counts abandoned runs as failures', () => {
    const store = openStore();
    fail(store, 0, defaults);
    fail(store, 10, defaults);
    record(store, 20, 'success');
    record(store, 30, 'abandoned', 'Backup wrapper (PID 1) died before the run finished; outcome unknown');
    expect(fail(store, 40, defaults)).toMatchObject({ consecutiveFailures: 2, escalate: false });
    expect(fail(store, 50, { ...defaults, escalateAfter: 2 }).escalate).toBe(true);
    store.close();
  });

  it('only counts runs of the same type', () => {
    const store = openStore();
    record(store, 0, 'failure', 'x', 'weekly');
    record(store, 5, 'failure', 'x', 'weekly');
    expect(fail(store, 10, defaults).consecutiveFailures).toBe(1);
    store.close();
  });

  it('suppresses identical failures inside the repeat interval and reports the count in the next alert', () => {
    const store = openStore();
    const config = { ...defaults, repeatIntervalMs: 60 * MINUTE };
    expect(fail(store, 0, config)).toMatchObject({ send: true, suppressedCount: 0 });
    expect(fail(store, 10, config)).toMatchObject({
      send: false,
      suppressedCount: 1,
      consecutiveFailures: 2,
    });
    expect(fail(store, 20, config)).toMatchObject({ send: false, suppressedCount: 2, escalate: true });
    // The interval since the last sent alert has passed: sent, carrying the two suppressed.
    expect(fail(store, 61, config)).toMatchObject({ send: true, suppressedCount: 2, consecutiveFailures: 4 });
    // And the count starts again from that alert.
    expect(fail(store, 70, config)).toMatchObject({ send: false, suppressedCount: 1 });
    store.close();
  });

  it('sends a different error at once, with the count of suppressed identical ones', () => {
    const store = openStore();
    const config = { ...defaults, repeatIntervalMs: 60 * MINUTE };
    fail(store, 0, config);
    expect(fail(store, 10, config).send).toBe(false);
    expect(fail(store, 20, config, 'Backup script timed out after 4h')).toMatchObject({
      send: true,
      suppressedCount: 1,
    });
    store.close();
  });

  it('sends the first failure after a success even when identical to the last alert', () => {
    const store = openStore();
    const config = { ...defaults, repeatIntervalMs: 60 * MINUTE };
    fail(store, 0, config);
    record(store, 10, 'success');
    expect(fail(store, 20, config)).toMatchObject({ send: true, suppressedCount: 0, consecutiveFailures: 1 });
    store.close();
  });

  it('an alert whose delivery failed still counts as sent (it is queued for retry)', () => {
    const store = openStore();
    const config = { ...defaults, repeatIntervalMs: 60 * MINUTE };
    const first = record(store, 0, 'failure', 'e').backupId;
    store.notifications.insert({
      notificationType: 'failure',
      channel: 'slack',
      recipient: 'https://hooks.slack.com/…',
      subject: 's',
      status: 'pending',
      errorMessage: 'HTTP 500',
      sentAt: at(0).toISOString(),
      attempts: 3,
      payload: '{}',
      backupId: first,
    });
    expect(fail(store, 5, config, 'e').send).toBe(false);
    store.close();
  });
});

describe('decideAlert: recovery', () => {
  const on = { ...defaults, notifyRecovery: true };

  it('is off unless BACKUP_ALERT_NOTIFY_RECOVERY is set', () => {
    const store = openStore();
    record(store, 0, 'failure');
    const ok = record(store, 10, 'success');
    expect(recovers(store, ok, defaults)).toBe(false);
    store.close();
  });

  it('fires once, on the failure → success transition only', () => {
    const store = openStore();
    const first = record(store, 0, 'success');
    expect(recovers(store, first, on)).toBe(false);
    record(store, 10, 'failure');
    record(store, 20, 'abandoned', 'died');
    const recovered = record(store, 30, 'success');
    expect(recovers(store, recovered, on)).toBe(true);
    const again = record(store, 40, 'success');
    expect(recovers(store, again, on)).toBe(false);
    store.close();
  });

  it('ignores failures of other types', () => {
    const store = openStore();
    record(store, 0, 'failure', 'x', 'weekly');
    const ok = record(store, 10, 'success');
    expect(recovers(store, ok, on)).toBe(false);
    store.close();
  });
});
