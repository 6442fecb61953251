import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decideAlert, type PolicyConfig } from '../../src/alert/policy.js';
import { judgeSize } from '../../src/alert/size-check.js';
import { BACKUP_TYPES, type RunResult } from '../../src/shared/run-result.js';
import { describeSizeFinding, median } from '../../src/shared/size-finding.js';
import { Store } from '../../src/store/store.js';
import { tempDir } from '../helpers/tmp.js';

const DROP = { sizeDropPercent: 50, sizeGrowthPercent: null };

describe('judgeSize', () => {
  it('median of odd and even counts', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(3); // (2 + 3) / 2, rounded
  });

  const cases: Array<
    [
      string,
      number,
      number[],
      typeof DROP | { sizeDropPercent: number | null; sizeGrowthPercent: number | null },
      string | undefined,
    ]
  > = [
    ['fewer than 3 earlier sizes: no judgement', 1, [1000, 1000], DROP, undefined],
    ['exactly 50 % below: not more than the threshold', 500, [1000, 1000, 1000], DROP, undefined],
    ['just over 50 % below', 499, [1000, 1000, 1000], DROP, 'drop'],
    ['growth is off by default', 10_000, [1000, 1000, 1000], DROP, undefined],
    ['growth when set', 2001, [1000, 1000, 1000], { sizeDropPercent: 50, sizeGrowthPercent: 100 }, 'growth'],
    ['drop off', 1, [1000, 1000, 1000], { sizeDropPercent: null, sizeGrowthPercent: null }, undefined],
    ['a median of 0 has no percentage', 0, [0, 0, 0, 5], DROP, undefined],
    ['one outlier does not move the median', 400, [1000, 1, 1000, 1_000_000, 1000], DROP, 'drop'],
  ];
  it.each(cases)('%s', (_name, bytes, recent, thresholds, direction) => {
    expect(judgeSize(bytes, '/b.dump', recent, thresholds)?.direction).toBe(direction);
  });

  it('describes the finding in one line with size, change and median', () => {
    const finding = judgeSize(
      1_048_576,
      '/var/backups/db.dump',
      [10_485_760, 10_485_760, 10_485_760, 9_437_184],
      DROP,
    )!;
    expect(finding).toMatchObject({ medianBytes: 10_485_760, changePercent: -90, thresholdPercent: 50 });
    expect(describeSizeFinding(finding)).toBe(
      'Backup artifact much smaller than usual: /var/backups/db.dump (1.0 MiB, 90 % below the median of the last 4 successful runs, 10.0 MiB)',
    );
  });
});

describe('the policy and a size far from the usual', () => {
  const config: PolicyConfig = {
    alertTypes: [...BACKUP_TYPES],
    escalateAfter: 3,
    notifyRecovery: true,
    falseSuccess: {
      artifacts: [],
      minDurationMs: undefined,
      sizeDropPercent: 50,
      sizeGrowthPercent: null,
    },
  };

  function record(
    store: Store,
    hours: number,
    status: 'success' | 'failure',
    bytes: number | null,
  ): RunResult {
    const started = new Date(Date.parse('2026-03-01T00:00:00Z') + hours * 3_600_000);
    const { backupId } = store.runs.insert(
      {
        type: 'daily',
        startedAt: started.toISOString(),
        script: '/x',
        host: 'h',
        pid: 1,
        logPathTemplate: null,
      },
      started,
    );
    const run: RunResult = {
      backupId,
      type: 'daily',
      job: 'daily',
      host: 'h',
      script: '/x',
      logPath: null,
      status,
      startedAt: started.toISOString(),
      finishedAt: started.toISOString(),
      durationMs: 1,
      exitCode: status === 'success' ? 0 : 1,
      signal: null,
      errorMessage: status === 'success' ? null : 'Backup script failed with exit code 1: x',
      outputTail: '',
      artifactPath: bytes === null ? null : '/b.dump',
      artifactBytes: bytes,
    };
    store.runs.finish(run);
    return run;
  }

  it('a suspect size takes the place of the recovery notice; a normal one recovers as before', () => {
    const store = Store.open(join(tempDir(), 'db'));
    try {
      for (let hour = 0; hour < 3; hour++) record(store, hour, 'success', 1000);
      record(store, 3, 'failure', null);
      const tiny = record(store, 4, 'success', 10);
      const decision = decideAlert(tiny, store, config, new Date());
      expect(decision).toMatchObject({ send: true, alert: { kind: 'suspect', size: { direction: 'drop' } } });

      record(store, 5, 'failure', null);
      const normal = record(store, 6, 'success', 1000);
      expect(decideAlert(normal, store, config, new Date())).toMatchObject({
        send: true,
        alert: { kind: 'recovery' },
      });
    } finally {
      store.close();
    }
  });

  it('a failure with a size carries the comparison for its message', () => {
    const store = Store.open(join(tempDir(), 'db'));
    try {
      for (let hour = 0; hour < 3; hour++) record(store, hour, 'success', 1000);
      const failed = record(store, 3, 'failure', 1);
      const decision = decideAlert(failed, store, config, new Date());
      expect(decision).toMatchObject({ send: true, alert: { kind: 'failure', size: { medianBytes: 1000 } } });
    } finally {
      store.close();
    }
  });
});
