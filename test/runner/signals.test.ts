import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ForwardedSignal, SignalSource } from '../../src/runner/signals.js';
import { runMain } from '../helpers/cli.js';
import { readRuns } from '../helpers/db.js';
import { tempDir, writeScript } from '../helpers/tmp.js';

/** A SIGTERM that arrives the moment the run subscribes: before the lock, the row and the spawn. */
function termAtOnce(): SignalSource {
  return {
    on(signal: ForwardedSignal, handler: (signal: ForwardedSignal) => void) {
      if (signal === 'SIGTERM') queueMicrotask(() => handler(signal));
      return () => undefined;
    },
  };
}

describe('the signal latch', () => {
  it('remembers a SIGTERM that came before the spawn: the script never runs and run exits 143', async () => {
    const dir = tempDir();
    const marker = join(dir, 'ran');
    const script = writeScript(dir, 'backup.sh', `touch '${marker}'`);
    const db = join(dir, 'x.db');
    const result = await runMain(['run', '--type', 'daily', '--script', script, '--db', db], {
      deps: { signals: termAtOnce() },
    });
    expect(result.exitCode).toBe(143);
    expect(existsSync(marker)).toBe(false);
    expect(readRuns(db)[0]?.status).not.toBe('running');
  });
});
