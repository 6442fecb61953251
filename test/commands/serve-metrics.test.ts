import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serveCommand } from '../../src/commands/serve.js';
import { defaultServePlugins } from '../../src/commands/serve-plugins.js';
import { fakeSignals, ROOT, runCli } from '../helpers/cli.js';
import { commandContext } from '../helpers/context.js';
import { tempDir } from '../helpers/tmp.js';

describe('GET /metrics from serve', () => {
  it('equals the textfile a run wrote for the same database, the types only BACKUP_ALERT_EXPECT names included', async () => {
    const dir = tempDir();
    const env = {
      BACKUP_ALERT_DB: join(dir, 'backup-alert.db'),
      BACKUP_ALERT_EXPECT: 'daily=26h,monthly=32d',
      BACKUP_ALERT_METRICS_FILE: join(dir, 'backup_alert.prom'),
      BACKUP_ALERT_HOST: 'db1',
    };
    const run = await runCli(
      ['run', '--type', 'daily', '--script', join(ROOT, 'test', 'fixtures', 'ok.sh')],
      {
        env,
        cwd: dir,
      },
    );
    expect(run.exitCode).toBe(0);
    const textfile = readFileSync(env.BACKUP_ALERT_METRICS_FILE, 'utf8');
    expect(textfile).toContain(
      'backup_alert_last_success_timestamp_seconds{backup_job="monthly",type="monthly"}',
    );
    const { ctx } = commandContext(env, { hostname: 'db1', cwd: dir });
    const signals = fakeSignals();
    let served = '';
    let failure: unknown;
    await serveCommand({ listen: '127.0.0.1:0' }, ctx, signals, {
      ...defaultServePlugins(ctx),
      onListening: (server) => {
        fetch(new URL('/metrics', server.url))
          .then(async (answer) => {
            served = await answer.text();
          })
          .catch((error: unknown) => {
            failure = error;
          })
          .finally(() => signals.emit('SIGTERM'));
      },
    });
    if (failure) throw failure;
    expect(served).toBe(textfile);
  });
});
