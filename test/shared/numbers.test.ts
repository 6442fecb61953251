import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { checkInteger, PORT_BOUNDS } from '../../src/shared/numbers.js';
import { runMain } from '../helpers/cli.js';
import { tempDir, writeScript } from '../helpers/tmp.js';

const loadEnv = (env: Record<string, string>) =>
  loadConfig(
    { BACKUP_ALERT_DB: '/tmp/x/backup-alert.db', ...env },
    {},
    { cwd: '/srv', defaultTemplateDir: '/t' },
  );

describe('checkInteger: decimal digits only, bounds named', () => {
  it.each(['0x19', '1e3', '25.0', '-1', ' ', '2 5', '+25'])('refuses %j', (text) => {
    expect(checkInteger(text, PORT_BOUNDS)).toMatchObject({ ok: false });
  });
  it('accepts decimal digits within the bounds, and names them when out', () => {
    expect(checkInteger(' 025 ', PORT_BOUNDS)).toEqual({ ok: true, value: 25 });
    expect(checkInteger('65536', PORT_BOUNDS)).toEqual({
      ok: false,
      problem: '"65536" is not a whole number from 1 to 65535',
    });
  });
});

describe('numbers in settings', () => {
  it('SMTP_PORT=0x19 and 1e3 are not ports; the message says the default is used', () => {
    for (const port of ['0x19', '1e3']) {
      const { config, problems } = loadEnv({ SMTP_PORT: port });
      expect(config.smtp.port).toBe(587);
      expect(problems).toEqual([
        {
          variable: 'SMTP_PORT',
          message: `"${port}" is not a whole number from 1 to 65535 (decimal digits only): the setting is invalid and was not used; using the default 587 instead`,
        },
      ]);
    }
  });

  it('BACKUP_ALERT_ESCALATE_AFTER=1e3 is not a count', () => {
    const { config, problems } = loadEnv({ BACKUP_ALERT_ESCALATE_AFTER: '1e3' });
    expect(config.escalateAfter).not.toBe(1000);
    expect(problems.map((p) => p.variable)).toEqual(['BACKUP_ALERT_ESCALATE_AFTER']);
  });

  it('an SMTP_FROM that is not an address is a problem, and the default sender is used', () => {
    const bad = loadEnv({ SMTP_FROM: 'backup robot' });
    expect(bad.config.smtp.from).toBe('ITSM-Sec Nexus <noreply@itsm.local>');
    expect(bad.problems.map((p) => p.variable)).toEqual(['SMTP_FROM']);
    for (const good of [
      'ops@example.com',
      'Backup Robot <ops@example.com>',
      '"Ops, Tokyo" <ops@example.com>',
    ]) {
      expect(loadEnv({ SMTP_FROM: good })).toMatchObject({ problems: [], config: { smtp: { from: good } } });
    }
  });
});

describe('numbers on the command line', () => {
  it('history --limit takes decimal digits only, and a huge one is a usage error, not the database', async () => {
    const dir = tempDir();
    const db = join(dir, 'x.db');
    const script = writeScript(dir, 'ok.sh', 'exit 0');
    expect((await runMain(['run', '--type', 'daily', '--script', script, '--db', db])).exitCode).toBe(0);
    for (const limit of ['1e3', '0x10', '9223372036854775807']) {
      const result = await runMain(['history', '--limit', limit, '--db', db]);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toBe(
        `backup-alert: invalid --limit "${limit}" is not a whole number from 1 to 1000000${/^\d+$/.test(limit) ? '' : ' (decimal digits only)'}\n`,
      );
    }
  });

  it('prune --older-than 300000000d is a usage error naming the bound, not an internal error', async () => {
    const dir = tempDir();
    const result = await runMain(['prune', '--older-than', '300000000d', '--db', join(dir, 'x.db')]);
    expect(result).toMatchObject({ exitCode: 2 });
    expect(result.stderr).toContain('"300000000d" is longer than the 36500d allowed');
  });
});
