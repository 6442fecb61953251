import { describe, expect, it } from 'vitest';
import { judge, statusReport } from '../../src/serve/health.js';
import type { BackupItem, HostTypeFacts } from '../../src/serve/read-model.js';

const NOW = new Date('2026-03-10T12:00:00.000Z');
const HOUR = 3_600_000;

function run(status: string, hoursAgo: number): BackupItem {
  const started = new Date(NOW.getTime() - hoursAgo * HOUR).toISOString();
  return {
    backupId: `BKP-x-${hoursAgo}`,
    host: 'h',
    job: 'daily',
    type: 'daily',
    status,
    startedAt: started,
    finishedAt: status === 'running' ? null : started,
    durationMs: null,
    exitCode: null,
    signal: null,
    errorMessage: null,
    script: null,
    logPath: null,
    artifactPath: null,
    artifactBytes: null,
  };
}

function facts(latest: BackupItem | null, success: BackupItem | null, failures = 0): HostTypeFacts {
  return {
    host: 'h',
    type: 'daily',
    latestRun: latest,
    latestSuccess: success,
    // As the stores give it: the latest run is the running one only when none has finished.
    runningRun: latest?.status === 'running' ? latest : null,
    consecutiveFailures: failures,
  };
}

describe('judge (the rules of `status`, per host)', () => {
  const options = { now: NOW, escalateAfter: 3, maxAgeMs: 26 * HOUR };
  it.each([
    ['never', facts(null, null)],
    ['failed', facts(run('failure', 1), run('success', 2), 1)],
    ['failed', facts(run('abandoned', 1), run('success', 2), 1)],
    ['ok', facts(run('success', 1), run('success', 1))],
    ['stale', facts(run('success', 30), run('success', 30))],
    ['running', facts(run('running', 1), run('success', 30))],
    ['ok', facts(run('running', 1), run('success', 2))],
  ])('%s', (health, input) => {
    expect(judge(input, options).health).toBe(health);
  });

  it('escalates at escalateAfter failures in a row; a host promise overrides the reader max age', () => {
    expect(judge(facts(run('failure', 1), null, 3), options).escalate).toBe(true);
    expect(judge(facts(run('failure', 1), null, 2), options).escalate).toBe(false);
    const promised = { ...facts(run('success', 30), run('success', 30)), maxAgeMs: 48 * HOUR };
    expect(judge(promised, options)).toMatchObject({ health: 'ok', maxAgeMs: 48 * HOUR });
  });

  it('adds the expected types a host never ran, and is unhealthy then', () => {
    const report = statusReport([facts(run('success', 1), run('success', 1))], {
      now: NOW,
      escalateAfter: 3,
      expect: { daily: 26 * HOUR, weekly: 8 * 24 * HOUR },
    });
    expect(report.types.map((t) => [t.type, t.health])).toEqual([
      ['daily', 'ok'],
      ['weekly', 'never'],
    ]);
    expect(report.healthy).toBe(false);
    expect(statusReport([], { now: NOW, escalateAfter: 3 }).healthy).toBe(false);
  });
});
