import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'dotenv';
import { describe, expect, it } from 'vitest';
import { lintEnvFile } from '../../src/config/env-file-lint.js';
import { runMain } from '../helpers/cli.js';
import { tempDir, writeScript } from '../helpers/tmp.js';

describe('lintEnvFile', () => {
  it('accepts everything dotenv reads: comments, blanks, export, NAME: value, quoted values over several lines', () => {
    const text = [
      '# settings',
      '',
      'SMTP_HOST=smtp.example.com',
      'export SMTP_PORT=587',
      'SMTP_FROM: Backups <backup@example.com>',
      'SYSTEM_URL = https://itsm.example.com # the portal',
      'MULTI="line one',
      'line two = not a setting',
      'line three"',
      "SINGLE='it''s'",
      'EMPTY=',
      '   ',
    ].join('\n');
    expect(lintEnvFile('/etc/env', text)).toEqual([]);
    expect(parse(text)['MULTI']).toBe('line one\nline two = not a setting\nline three');
  });

  it('names the lines dotenv would skip, never their content', () => {
    const text =
      'SMTP_HOST=smtp.example.com\nSMTP_PASSWORD hunter2\nexport\nrm -rf /tmp/x\r\nBACKUP_ALERT_EMAIL=a@b.c\n';
    // What dotenv does with it: the bad lines simply vanish.
    expect(Object.keys(parse(text))).toEqual(['SMTP_HOST', 'BACKUP_ALERT_EMAIL']);
    const problems = lintEnvFile('/etc/backup-alert/env', text);
    expect(problems).toEqual([
      {
        variable: 'env file',
        message:
          '/etc/backup-alert/env: lines 2, 3, 4 are not NAME=value and ignored (fix or comment out with #)',
      },
    ]);
    expect(JSON.stringify(problems)).not.toContain('hunter2');
  });
});

describe('an env file with a line that does not parse', () => {
  it('run warns once, naming the line, and still runs the backup', async () => {
    const dir = tempDir();
    const envFile = join(dir, 'env');
    writeFileSync(envFile, 'BACKUP_ALERT_TYPES=daily\nSMTP_PASSWORD hunter2\n');
    const script = writeScript(dir, 'backup.sh', 'echo ok');
    const result = await runMain([
      'run',
      '--type',
      'daily',
      '--quiet',
      '--env-file',
      envFile,
      '--script',
      script,
      '--db',
      join(dir, 'x.db'),
    ]);
    expect(result.exitCode).toBe(0);
    // One line (with the time: stderr is not a terminal here, as under cron).
    expect(result.stderr).toMatch(
      /^\S+Z \[WARN\] \[Config\] env file: .*: line 2 is not NAME=value and ignored \(fix or comment out with #\)\n$/,
    );
    expect(result.stderr).toContain(envFile);
  });
});
