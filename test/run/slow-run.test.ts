import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMain } from '../helpers/cli.js';
import { readNotifications, readRuns } from '../helpers/db.js';
import { waitFor } from '../helpers/process.js';
import { routingSetup } from '../helpers/routing.js';
import { writeScript } from '../helpers/tmp.js';

/** A backup that runs until the test says it may finish (so "still running" needs no clock). */
function waitingScript(dir: string): { script: string; release: () => void } {
  const marker = join(dir, 'release');
  const script = writeScript(
    dir,
    'waits.sh',
    `echo "dumping"\nfor i in $(seq 1 600); do [ -e "${marker}" ] && exit 0; sleep 0.05; done\nexit 9`,
  );
  return { script, release: () => writeFileSync(marker, '') };
}

describe('run --warn-after (the slow run)', () => {
  it('sends one backup_slow while the script still runs, then lets it finish: exit code untouched', async () => {
    const s = await routingSetup();
    const { script, release } = waitingScript(s.dir);
    const running = runMain(
      ['run', '--type', 'daily', '--quiet', '--script', script, '--warn-after', '200ms', '--timeout', '1h'],
      {
        env: s.env,
        cwd: s.dir,
      },
    );
    expect(await waitFor(() => s.hook.requests.length > 0, 20_000)).toBe(true);
    // Sent while the run is still going: its row is still `running`.
    expect(readRuns(s.db).map((row) => row.status)).toEqual(['running']);
    const [slow] = s.events();
    const backupId = readRuns(s.db)[0]!.backup_id;
    expect(slow).toMatchObject({
      event: 'backup_slow',
      subject: `【注意】バックアップ実行中: daily@test-host ${backupId}`,
      backupId,
      slow: { warnAfterMs: 200 },
    });
    expect(slow!.error).toMatch(/^Backup script still running after \d+ms \(--warn-after 200ms\)$/);
    release();
    const result = await running;
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toMatch(
      /\[WARN\] \[Backup\] Backup BKP-\S+ \(daily\): Backup script still running after/,
    );
    expect(readRuns(s.db)[0]!.status).toBe('success');
    expect(s.events().map((e) => e.event)).toEqual(['backup_slow']);
    expect(readNotifications(s.db).map((row) => [row.notification_type, row.backup_id])).toEqual([
      ['backup_slow', backupId],
    ]);
  });

  it('BACKUP_ALERT_WARN_AFTER does the same, in English when asked; a quick run sends nothing', async () => {
    const s = await routingSetup({ BACKUP_ALERT_WARN_AFTER: '200ms', BACKUP_ALERT_LANG: 'en' });
    expect((await s.run('ok.sh', { env: { BACKUP_ALERT_WARN_AFTER: '1h' } })).exitCode).toBe(0);
    expect(s.events()).toEqual([]);
    const { script, release } = waitingScript(s.dir);
    const running = s.cli(['run', '--type', 'weekly', '--quiet', '--script', script]);
    expect(await waitFor(() => s.hook.requests.length > 0, 20_000)).toBe(true);
    release();
    expect((await running).exitCode).toBe(0);
    expect(s.events()[0]!.subject).toMatch(
      /^\[NOTICE\] Backup still running: weekly@test-host BKP-\S+-weekly$/,
    );
  });

  it('a failure after the warning is still alerted as a failure', async () => {
    const s = await routingSetup();
    const script = writeScript(s.dir, 'slowfail.sh', 'sleep 1\necho "broke" >&2\nexit 4');
    const result = await s.cli([
      'run',
      '--type',
      'daily',
      '--quiet',
      '--script',
      script,
      '--warn-after',
      '100ms',
    ]);
    expect(result.exitCode).toBe(4);
    expect(s.events().map((e) => e.event)).toEqual(['backup_slow', 'backup_failure']);
  });

  it.each([
    [['--warn-after', 'soon'], /invalid --warn-after "soon"/],
    [['--warn-after', '0'], /invalid --warn-after "0"/],
    [
      ['--warn-after', '2h', '--timeout', '1h'],
      /invalid --warn-after "2h": it must be shorter than the timeout \(1h\)/,
    ],
  ])('%j is a usage error (exit 2), the script is not run', async (flags, message) => {
    const s = await routingSetup();
    const result = await s.cli(['run', '--type', 'daily', '--script', '/bin/true', ...flags]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(existsSync(s.db)).toBe(false); // nothing ran, nothing was written
  });
});
