import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/cli.js';
import { readRuns } from '../helpers/db.js';
import { tempDir } from '../helpers/tmp.js';

describe('a timeout with a grandchild that ignores SIGTERM', () => {
  it('ends at --timeout + --kill-after: a killed grandchild left a zombie (slow reaper) is not waited for', async () => {
    const dir = tempDir();
    const db = join(dir, 'x.db');
    const result = await runCli(
      [
        'run',
        '--type',
        'daily',
        '--timeout',
        '1s',
        '--kill-after',
        '1s',
        '--script',
        join(ROOT, 'test', 'fixtures', 'ignores-sigterm.sh'),
        '--db',
        db,
      ],
      { env: { PID_FILE: join(dir, 'pid'), CHILD_PID_FILE: join(dir, 'child.pid') } },
    );
    expect(result.exitCode).toBe(124);
    // 2 s of timeout and grace, plus a margin for a loaded machine; a zombie counted as
    // alive added a whole second grace (3 s and more).
    expect(readRuns(db)[0]!.duration_ms).toBeLessThan(2_700);
  });
});
