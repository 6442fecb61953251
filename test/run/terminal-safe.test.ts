import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { logLines, runMain } from '../helpers/cli.js';
import { readRuns } from '../helpers/db.js';
import { tempDir, writeScript } from '../helpers/tmp.js';

// Text from a script, a setting or the command line reaches the terminal only through the
// terminal-safe formatter: controls shown (␛), never acted on; one log line stays one line.

const ESC = '\u001b';

describe('what reaches the terminal', () => {
  it("a script's escape sequences are stored and shown visible, in [ERROR], history and status", async () => {
    const dir = tempDir();
    const db = join(dir, 'x.db');
    const script = writeScript(
      dir,
      'evil.sh',
      `printf 'clear\\033[2J title\\033]0;pwned\\007 end\\n' >&2\nexit 1`,
    );
    const run = await runMain(['run', '--type', 'daily', '--quiet', '--script', script, '--db', db]);
    expect(run.exitCode).toBe(1);
    const [row] = readRuns(db);
    expect(row!.error_message).toBe('Backup script failed with exit code 1: clear␛[2J title␛]0;pwned␇ end');
    // --quiet replays the failed run's output as the script printed it; our own lines are checked.
    const ours = logLines(run.stderr).filter((line) => line.startsWith('['));
    expect(ours.join('\n')).toContain('clear␛[2J title␛]0;pwned␇ end');
    const history = await runMain(['history', '--db', db]);
    const status = await runMain(['status', '--db', db]);
    for (const output of [...ours, history.stdout, history.stderr, status.stdout, status.stderr]) {
      expect(output).not.toContain(ESC);
      expect(output).not.toContain('\u0007');
    }
    expect(history.stdout).toContain('␛[2J');
    expect(status.stdout).toContain('␛[2J');
  });

  it("commander's error for a bad --type shows the escape instead of sending it", async () => {
    const dir = tempDir();
    const result = await runMain([
      'run',
      '--type',
      `${ESC}[2J`,
      '--script',
      '/bin/true',
      '--db',
      join(dir, 'x.db'),
    ]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).not.toContain(ESC);
    expect(result.stderr).toContain('␛[2J');
  });

  it('a CR/LF in an env value cannot forge a log line; a 1 MB value is not echoed whole', async () => {
    const dir = tempDir();
    const script = writeScript(dir, 'ok.sh', 'exit 0');
    // A 1 MB value comes from the env file (the kernel refuses one that size in an environment).
    const envFile = join(dir, 'env');
    writeFileSync(envFile, `BACKUP_ALERT_EMAIL=${'x'.repeat(1024 * 1024)}@\n`);
    const result = await runMain(
      ['run', '--type', 'daily', '--script', script, '--db', join(dir, 'x.db'), '--env-file', envFile],
      { env: { BACKUP_ALERT_HOST: 'db1\r\n[ERROR] [Backup] forged line' } },
    );
    expect(result.exitCode).toBe(0);
    const lines = logLines(result.stderr);
    expect(lines.filter((line) => line.startsWith('[ERROR]'))).toEqual([]);
    expect(lines.find((line) => line.startsWith('[WARN] [Config] BACKUP_ALERT_HOST'))).toContain('␍␊[ERROR]');
    expect(result.stderr.length).toBeLessThan(4096);
    expect(lines.find((line) => line.startsWith('[WARN] [Config] BACKUP_ALERT_EMAIL'))).toContain(
      '(1048577 characters)',
    );
  });
});
