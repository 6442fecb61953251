import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commentedEnvFile } from '../../src/commands/init/files.js';
import { runMain } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

// User mode only here (no uid given); the Debian package test runs `init` as root.
function userEnv(home: string) {
  return {
    HOME: home,
    XDG_CONFIG_HOME: join(home, 'cfg'),
    XDG_STATE_HOME: join(home, 'state'),
  };
}

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

describe('backup-alert init', () => {
  it('creates the directories and a commented env file (0600) and an example job, then says what next', async () => {
    const home = tempDir();
    const result = await runMain(['init'], { cwd: home, env: userEnv(home) });
    expect(result.exitCode).toBe(0);
    const config = join(home, 'cfg', 'backup-alert');
    expect(mode(config)).toBe('700');
    expect(mode(join(config, 'env'))).toBe('600');
    expect(mode(join(config, 'jobs'))).toBe('700');
    expect(mode(join(home, 'state', 'backup-alert'))).toBe('700');
    const env = readFileSync(join(config, 'env'), 'utf8');
    expect(env).toContain('# BACKUP_ALERT_EMAIL=');
    // Nothing active: a fresh file alerts nobody by accident.
    expect(env.split('\n').filter((line) => /^[A-Z_]+=/.test(line))).toEqual([]);
    expect(readFileSync(join(config, 'jobs', 'example.env'), 'utf8')).toContain('# BACKUP_ALERT_SCRIPT=');
    expect(result.stdout).toContain('  backup-alert doctor\n  backup-alert test-email\n');
    expect(result.stdout).toContain('backup-alert run --job example --quiet');
  });

  it('the settings it writes are read by the next command', async () => {
    const home = tempDir();
    await runMain(['init'], { cwd: home, env: userEnv(home) });
    const env = join(home, 'cfg', 'backup-alert', 'env');
    writeFileSync(env, `${readFileSync(env, 'utf8')}\nBACKUP_ALERT_EMAIL=ops@example.com\n`);
    const doctor = await runMain(['doctor', '--json'], { cwd: home, env: userEnv(home) });
    const checks = JSON.parse(doctor.stdout) as { id: string; detail: string }[];
    expect(checks.find((c) => c.id === 'places')?.detail).toContain(`env file ${env} (read)`);
    expect(checks.find((c) => c.id === 'email')?.detail).toContain('ops@example.com');
  });

  it('refuses to overwrite an edited file, naming it, and leaves it as it was', async () => {
    const home = tempDir();
    await runMain(['init'], { cwd: home, env: userEnv(home) });
    const env = join(home, 'cfg', 'backup-alert', 'env');
    writeFileSync(env, 'BACKUP_ALERT_EMAIL=mine@example.com\n');
    const again = await runMain(['init'], { cwd: home, env: userEnv(home) });
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toContain(`not overwriting ${env}`);
    expect(readFileSync(env, 'utf8')).toBe('BACKUP_ALERT_EMAIL=mine@example.com\n');
  });

  it('files exactly as it writes them (the package ships them) are not in the way', async () => {
    const home = tempDir();
    await runMain(['init'], { cwd: home, env: userEnv(home) });
    const again = await runMain(['init'], { cwd: home, env: userEnv(home) });
    expect(again.exitCode).toBe(0);
  });

  it('comments out every setting of the example, and only settings', () => {
    expect(commentedEnvFile('# note\nSMTP_HOST=x\n  \nA_B=1')).toBe('# note\n# SMTP_HOST=x\n  \n# A_B=1');
  });
});
