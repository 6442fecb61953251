import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createContext } from '../../src/cli/invoke.js';
import { defaultEnvFile, resolveEnv } from '../../src/config/env-source.js';
import type { Places } from '../../src/config/paths.js';
import { runMain } from '../helpers/cli.js';
import { commandContext } from '../helpers/context.js';
import { tempDir } from '../helpers/tmp.js';

// System mode is decided by the uid; the places themselves are parameters, so these tests
// point "system" at temp directories and never read the real /etc/backup-alert.
function places(mode: Places['mode']): Places {
  const root = tempDir();
  return { mode, configDir: join(root, 'etc'), stateDir: join(root, 'state') };
}

describe('the default env file', () => {
  it('system mode reads <config dir>/env, never ./.env (cron, systemd and a root shell agree)', () => {
    const system = places('system');
    const cwd = tempDir();
    writeFileSync(join(cwd, '.env'), 'SMTP_HOST=from-cwd\n');
    mkdirSync(system.configDir);
    writeFileSync(join(system.configDir, 'env'), 'SMTP_HOST=from-etc\n');
    const resolved = resolveEnv({ processEnv: {}, cwd, places: system });
    expect(resolved.envFile).toBe(join(system.configDir, 'env'));
    expect(resolved.env['SMTP_HOST']).toBe('from-etc');
  });

  it('user mode prefers ./.env when it exists, else the XDG config file', () => {
    const user = places('user');
    const cwd = tempDir();
    expect(defaultEnvFile(cwd, user)).toBe(join(user.configDir, 'env'));
    writeFileSync(join(cwd, '.env'), 'SMTP_HOST=from-cwd\n');
    expect(defaultEnvFile(cwd, user)).toBe(join(cwd, '.env'));
  });

  it('a named file still wins over the system file', () => {
    const system = places('system');
    const cwd = tempDir();
    writeFileSync(join(cwd, 'named.env'), 'SMTP_HOST=named\n');
    const resolved = resolveEnv({ processEnv: {}, cwd, envFileFlag: 'named.env', places: system });
    expect(resolved.env['SMTP_HOST']).toBe('named');
  });
});

describe('the default database follows the mode', () => {
  it('root: /var/lib/backup-alert/backup-alert.db; $STATE_DIRECTORY still wins', () => {
    const dir = tempDir();
    const envFile = join(dir, 'env');
    writeFileSync(envFile, '');
    const asRoot = (env: Record<string, string>) =>
      createContext(
        { envFile },
        {
          env: { HOME: dir, ...env },
          cwd: dir,
          stdout: () => {},
          stderr: () => {},
          stdoutIsTTY: false,
          stderrIsTTY: false,
          now: () => new Date(),
          hostname: 'h',
          username: 'root',
          pid: 1,
          signals: { on: () => () => {} },
          defaultTemplateDir: dir,
          uid: 0,
        },
      );
    expect(asRoot({}).config.dbPath).toBe('/var/lib/backup-alert/backup-alert.db');
    expect(asRoot({}).places).toMatchObject({ mode: 'system', configDir: '/etc/backup-alert' });
    expect(asRoot({ STATE_DIRECTORY: join(dir, 's') }).config.dbPath).toBe(join(dir, 's', 'backup-alert.db'));
  });

  it('another user (or a test that gives no uid): the XDG state dir', () => {
    const dir = tempDir();
    const { ctx } = commandContext({ HOME: dir }, { cwd: dir });
    expect(ctx.config.dbPath).toBe(join(dir, '.local', 'state', 'backup-alert', 'backup-alert.db'));
  });
});

describe('doctor says where it looked', () => {
  it('prints the mode, the env file, the jobs dir and the database', async () => {
    const dir = tempDir();
    const result = await runMain(['doctor', '--json'], {
      cwd: dir,
      env: { HOME: dir, XDG_CONFIG_HOME: join(dir, 'cfg'), BACKUP_ALERT_DB: join(dir, 'b.db') },
    });
    const places = (JSON.parse(result.stdout) as { id: string; detail: string }[]).find(
      (c) => c.id === 'places',
    );
    expect(places?.detail).toBe(
      `user mode; env file ${join(dir, 'cfg', 'backup-alert', 'env')} (absent; not read); jobs ${join(dir, 'cfg', 'backup-alert', 'jobs')}; database ${join(dir, 'b.db')}`,
    );
  });

  it('as root, finds a database left in ~/.local/state and says how to move it', async () => {
    const dir = tempDir();
    const old = join(dir, '.local', 'state', 'backup-alert');
    mkdirSync(old, { recursive: true });
    writeFileSync(join(old, 'backup-alert.db'), '');
    writeFileSync(join(dir, 'env'), '');
    const state = join(dir, 'var-lib');
    const result = await runMain(['doctor', '--json', '--env-file', join(dir, 'env')], {
      cwd: dir,
      env: { HOME: dir, STATE_DIRECTORY: state },
      deps: { uid: 0 },
    });
    const check = (JSON.parse(result.stdout) as { id: string; status: string; remedy: string }[]).find(
      (c) => c.id === 'old-database',
    );
    expect(check?.status).toBe('warn');
    expect(check?.remedy).toContain(`mv ${old}/* ${state}/`);
  });
});
