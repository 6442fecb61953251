import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { runMain } from '../helpers/cli.js';
import { tempDir, writeScript } from '../helpers/tmp.js';

// Error messages that name the real cause (issue 23).

describe('run: messages that point at the real cause', () => {
  it('--timeout 4 h: says the unit was split off, not "no backup script"', async () => {
    const dir = tempDir();
    const script = writeScript(dir, 'ok.sh', 'exit 0');
    const result = await runMain([
      'run',
      '--type',
      'daily',
      '--timeout',
      '4',
      'h',
      '--script',
      script,
      '--db',
      join(dir, 'x.db'),
    ]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe(
      'backup-alert: --timeout "4" is followed by the word "h": write the duration as one word, e.g. --timeout 4h (everything after it was taken as the script\'s arguments)\n',
    );
  });

  it('--script "pg_dump app > x": not found, and no shell is used', async () => {
    const dir = tempDir();
    const result = await runMain(
      ['run', '--type', 'daily', '--script', 'pg_dump app > x', '--db', join(dir, 'x.db')],
      {
        cwd: dir,
      },
    );
    expect(result.exitCode).toBe(127);
    expect(result.stderr).toContain(
      `Backup script not found: ${join(dir, 'pg_dump app > x')} (no shell is used: --script names one executable file; put the command line in a script and give its path)`,
    );
  });

  it('BACKUP_ALERT_TIMEOUT=4hrs: the backup runs with the default (no timeout) and the message says to use 4h', async () => {
    const dir = tempDir();
    const script = writeScript(dir, 'ok.sh', 'exit 0');
    const result = await runMain(['run', '--type', 'daily', '--script', script, '--db', join(dir, 'x.db')], {
      env: { BACKUP_ALERT_TIMEOUT: '4hrs' },
    });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain(
      '[WARN] [Config] BACKUP_ALERT_TIMEOUT: "4hrs" is not a duration: use 4h; using the default: no timeout',
    );
    const { config } = loadConfig(
      { BACKUP_ALERT_DB: '/tmp/x.db', BACKUP_ALERT_TIMEOUT: '4 h' },
      {},
      { cwd: '/srv', defaultTemplateDir: '/t' },
    );
    expect(config.timeoutMs).toBeUndefined();
  });
});
