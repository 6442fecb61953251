import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMain } from '../helpers/cli.js';
import { scriptedServer } from '../helpers/http.js';
import { tempDir } from '../helpers/tmp.js';

const OK = join(import.meta.dirname, '..', 'fixtures', 'ok.sh');
const day = (iso: string) => () => new Date(iso);

async function setup() {
  const hook = await scriptedServer(Array.from({ length: 10 }, () => ({ status: 200 })));
  const dir = tempDir();
  const env = {
    BACKUP_ALERT_DB: join(dir, 'b.db'),
    BACKUP_ALERT_WEBHOOK_URL: hook.url,
    // Invalid: the backup runs with no timeout, the default.
    BACKUP_ALERT_TIMEOUT: '4hrs',
    NODE_ENV: 'test',
  };
  const run = (now: () => Date) =>
    runMain(['run', '--type', 'daily', '--script', OK], { cwd: dir, env, now });
  return { hook, env, dir, run };
}

describe('an invalid setting reaches people (issue 23)', () => {
  it('the backup still runs and succeeds; a config_problem notice goes through the channels', async () => {
    const { hook, run } = await setup();
    const result = await run(day('2026-03-02T03:00:00.000Z'));
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain('[WARN] [Config] BACKUP_ALERT_TIMEOUT');
    expect(hook.requests).toHaveLength(1);
    const notice = hook.json(0) as { event: string; error: string };
    expect(notice.event).toBe('config_problem');
    expect(notice.error).toContain('BACKUP_ALERT_TIMEOUT');
  });

  it('at most once a day per setting: the second run of the day sends nothing, the next day again', async () => {
    const { hook, run } = await setup();
    await run(day('2026-03-02T03:00:00.000Z'));
    await run(day('2026-03-02T15:00:00.000Z'));
    expect(hook.requests).toHaveLength(1);
    await run(day('2026-03-03T03:00:00.000Z'));
    expect(hook.requests).toHaveLength(2);
  });

  it('status --nagios is WARNING while the setting is invalid, OK once it is fixed', async () => {
    const { env, dir, run } = await setup();
    await run(day('2026-03-02T03:00:00.000Z'));
    const now = day('2026-03-02T04:00:00.000Z');
    const warning = await runMain(['status', '--nagios'], { cwd: dir, env, now });
    expect(warning.stdout).toMatch(/^WARNING - settings: BACKUP_ALERT_TIMEOUT /);
    expect(warning.exitCode).toBe(1);
    const fixed = await runMain(['status', '--nagios'], {
      cwd: dir,
      env: { ...env, BACKUP_ALERT_TIMEOUT: '4h' },
      now,
    });
    expect(fixed.stdout).toMatch(/^OK - /);
    expect(fixed.exitCode).toBe(0);
  });
});
