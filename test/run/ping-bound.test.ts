import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMain } from '../helpers/cli.js';
import { readRuns } from '../helpers/db.js';
import { startSilentServer } from '../helpers/net.js';
import { tempDir, writeScript } from '../helpers/tmp.js';

describe('run: a hung ping server', () => {
  it('holds the run no longer than the notify timeout after the script ends (start and finish together)', async () => {
    const silent = await startSilentServer();
    const dir = tempDir();
    const db = join(dir, 'x.db');
    const script = writeScript(dir, 'ok.sh', 'exit 0');
    const result = await runMain(['run', '--type', 'daily', '--script', script, '--db', db], {
      env: {
        BACKUP_ALERT_PING_URL: `http://127.0.0.1:${silent.port}/ping/abc`,
        BACKUP_ALERT_NOTIFY_TIMEOUT: '2s',
      },
    });
    const ended = Date.now();
    expect(result.exitCode).toBe(0);
    // From the script's end (the row's finish time) to run's return: the bound is 2 s; the
    // old way waited 2 s for the start ping, then 2 s more for the finish.
    const afterScript = ended - Date.parse(readRuns(db)[0]!.finished_at!);
    expect(afterScript).toBeGreaterThanOrEqual(1_900);
    expect(afterScript).toBeLessThan(3_000);
    expect(result.stderr).toContain('[Heartbeat]');
  });
});
