import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnCli } from '../helpers/cli.js';
import { readNotifications } from '../helpers/db.js';
import { scriptedServer } from '../helpers/http.js';
import { waitFor } from '../helpers/process.js';
import { tempDir, writeScript } from '../helpers/tmp.js';

describe('run: SIGTERM while the alert is being delivered', () => {
  it('stops at once with the script exit code; the undelivered alert stays pending for retry', async () => {
    const hook = await scriptedServer(['hang']);
    const dir = tempDir();
    const db = join(dir, 'x.db');
    const script = writeScript(dir, 'fail.sh', 'echo "disk full" >&2\nexit 3');
    const wrapper = spawnCli(['run', '--type', 'daily', '--script', script, '--db', db], {
      env: { BACKUP_ALERT_WEBHOOK_URL: hook.url, BACKUP_ALERT_NOTIFY_TIMEOUT: '20s' },
    });
    expect(await waitFor(() => hook.requests.length === 1, 10_000)).toBe(true);
    const signalled = performance.now();
    wrapper.kill('SIGTERM');
    const result = await wrapper;
    expect(performance.now() - signalled).toBeLessThan(3_000);
    expect(result.exitCode).toBe(3);
    expect(String(result.stderr)).toContain('SIGTERM received while alerting: stopping now');
    expect(readNotifications(db).map((row) => row.status)).toEqual(['pending']);
  });
});
