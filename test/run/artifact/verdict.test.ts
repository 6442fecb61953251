import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { OutputChecks } from '../../../src/run/artifact/plan.js';
import { judgeSuccess, type VerdictContext } from '../../../src/run/artifact/verdict.js';
import type { RunPlan } from '../../../src/run/plan.js';
import type { RunnerResult } from '../../../src/runner/runner.js';
import { createLogger } from '../../../src/shared/logger.js';
import { NO_JOURNAL } from '../../../src/store/journal.js';
import { tempDir } from '../../helpers/tmp.js';

const exited0: RunnerResult = {
  exitCode: 0,
  signal: null,
  timedOut: false,
  interruptedBy: null,
  durationMs: 5_000,
  outputTail: '',
  lastStderrLine: undefined,
  outputBytes: 0,
};

function fixture(checks: Partial<OutputChecks>) {
  const lines: string[] = [];
  const ctx: VerdictContext = {
    config: {
      falseSuccess: {
        artifacts: [],
        minDurationMs: undefined,
        sizeDropPercent: 50,
        sizeGrowthPercent: null,
      },
    },
    journal: NO_JOURNAL,
    logger: createLogger({ write: (line) => lines.push(line), level: 'debug' }),
  };
  const plan = {
    job: 'daily',
    type: 'daily',
    isTest: false,
    script: '/x.sh',
    args: [],
    timeoutMs: undefined,
    timeoutLabel: undefined,
    killAfterMs: 10_000,
    quiet: true,
    lock: false,
    checks: {
      artifacts: [],
      minBytes: 1,
      minSizeLabel: '1 byte',
      minDurationMs: undefined,
      minDurationLabel: undefined,
      onSuspect: 'warn',
      ...checks,
    },
  } satisfies RunPlan & { checks: OutputChecks };
  const started = {
    backupId: 'BKP-20260301-030000-daily',
    startedAt: new Date(Date.now() - 10_000),
    logPath: null,
  };
  return { ctx, plan, started, lines };
}

describe('judgeSuccess', () => {
  it('gives up on a filesystem that does not answer in time, and says so as the run error', async () => {
    const dir = tempDir();
    for (let index = 0; index < 3000; index++) writeFileSync(join(dir, `pack-${index}`), 'x');
    const { ctx, plan, started } = fixture({ artifacts: [dir] });
    const verdict = await judgeSuccess(plan, started, exited0, ctx, 0);
    expect(verdict).toEqual({
      artifactPath: dir,
      artifactBytes: null,
      problem: `Backup artifact unreadable: ${dir} (no answer within 0ms)`,
    });
    // With time to finish, the same directory passes.
    expect(await judgeSuccess(plan, started, exited0, ctx)).toEqual({
      artifactPath: dir,
      artifactBytes: 3000,
      problem: undefined,
    });
  });

  it("a fault in our own checking is no evidence against the backup: the script's word stands", async () => {
    const { ctx, plan, started, lines } = fixture({ artifacts: null as unknown as string[] });
    expect(await judgeSuccess(plan, started, exited0, ctx)).toBeUndefined();
    expect(lines.join('')).toContain("[ERROR] [Backup] Could not check the backup's artifacts (a bug):");
  });

  it('does not second-guess a script that failed', async () => {
    const { ctx, plan, started } = fixture({ artifacts: ['/nowhere'], minDurationMs: 3_600_000 });
    expect(await judgeSuccess(plan, started, { ...exited0, exitCode: 2 }, ctx)).toBeUndefined();
  });
});
