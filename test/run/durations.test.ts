import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMain } from '../helpers/cli.js';
import { readRuns } from '../helpers/db.js';
import { ok, scriptedServer } from '../helpers/http.js';
import { tempDir, writeScript } from '../helpers/tmp.js';

/** Durations of 25 days and more: beyond one Node.js timer (2^31-1 ms), which fires after 1 ms instead. */
describe('run with durations of weeks', () => {
  it('--timeout 25d lets a healthy script finish', async () => {
    const dir = tempDir();
    const db = join(dir, 'state.db');
    const script = writeScript(dir, 'backup.sh', 'sleep 0.3\necho done');
    const result = await runMain([
      'run',
      '--type',
      'monthly',
      '--timeout',
      '25d',
      '--script',
      script,
      '--db',
      db,
    ]);
    expect(result).toMatchObject({ exitCode: 0, stderr: '' });
    expect(readRuns(db)[0]).toMatchObject({ status: 'success', signal: null });
  });

  it('--kill-after 30d leaves the script its grace period after SIGTERM', async () => {
    const dir = tempDir();
    const db = join(dir, 'state.db');
    const script = writeScript(
      dir,
      'backup.sh',
      "trap 'echo cleaning up; sleep 0.2; echo cleaned up; exit 7' TERM\nsleep 30 &\nwait",
    );
    const result = await runMain([
      'run',
      '--type',
      'daily',
      '--timeout',
      '1s',
      '--kill-after',
      '30d',
      '--script',
      script,
      '--db',
      db,
    ]);
    expect(result.exitCode).toBe(124);
    // Not SIGKILLed 1 ms after SIGTERM: its trap ran to the end.
    expect(result.stdout).toContain('cleaned up');
    expect(readRuns(db)[0]).toMatchObject({
      error_message: 'Backup script timed out after 1s',
      signal: null,
    });
  });

  it('BACKUP_ALERT_NOTIFY_TIMEOUT=30d is refused with one [WARN] line, and alerts still go out', async () => {
    const dir = tempDir();
    const hook = await scriptedServer([ok, ok]);
    const script = writeScript(dir, 'backup.sh', 'echo "disk full" >&2\nexit 1');
    const result = await runMain(
      ['run', '--type', 'daily', '--script', script, '--db', join(dir, 'state.db')],
      {
        env: { BACKUP_ALERT_WEBHOOK_URL: hook.url, BACKUP_ALERT_NOTIFY_TIMEOUT: '30d' },
      },
    );
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(
      '[WARN] [Config] BACKUP_ALERT_NOTIFY_TIMEOUT: "30d" is longer than the 24d 20h 30m 24s allowed; using 30s',
    );
    // The failure, and (issue 23) the invalid setting as its own once-a-day notice.
    expect(hook.requests.map((_, i) => (hook.json(i) as { event: string }).event).sort()).toEqual([
      'backup_failure',
      'config_problem',
    ]);
    expect(result.stderr).toMatch(/Failure alert sent to webhook/);
  });

  it('--warn-after 30d sends no slow-run warning after 1 ms', async () => {
    const dir = tempDir();
    const hook = await scriptedServer([ok]);
    const script = writeScript(dir, 'backup.sh', 'sleep 0.3');
    const result = await runMain(
      ['run', '--type', 'monthly', '--warn-after', '30d', '--script', script, '--db', join(dir, 'state.db')],
      { env: { BACKUP_ALERT_WEBHOOK_URL: hook.url } },
    );
    expect(result).toMatchObject({ exitCode: 0, stderr: '' });
    expect(hook.requests).toHaveLength(0);
  });
});
