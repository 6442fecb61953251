import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { verifyPassword } from '../../src/serve/login/password.js';
import { BIN, cleanEnv, ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

/** The built CLI with a password piped on stdin, as a provisioning script would run it. */
function user(args: string[], usersPath: string, input?: string) {
  return execa(BIN, ['user', ...args], {
    reject: false,
    extendEnv: false,
    env: cleanEnv({ BACKUP_ALERT_USERS_FILE: usersPath, BACKUP_ALERT_DB: join(tempDir(), 'db.sqlite') }),
    cwd: ROOT,
    ...(input === undefined ? { stdin: 'ignore' as const } : { input }),
    timeout: 30_000,
  });
}

describe('backup-alert user', () => {
  it('adds a login from a piped password (scrypt, per-user salt, 0640), lists it without the hash, removes it', async () => {
    const usersPath = join(tempDir(), 'users');
    const added = await user(['add', 'admin'], usersPath, 'correct horse battery staple\n');
    expect(added.exitCode).toBe(0);
    expect(added.stdout).toBe(`Added admin (admin) in ${usersPath}`);
    expect(
      await user(['add', 'ops', '--role', 'read'], usersPath, 'correct horse battery staple\n'),
    ).toMatchObject({
      exitCode: 0,
    });
    const text = readFileSync(usersPath, 'utf8');
    expect(text).not.toContain('correct horse');
    const lines = text.split('\n').filter((line) => line && !line.startsWith('#'));
    expect(lines).toHaveLength(2);
    const [admin, ops] = lines.map((line) => line.split(':'));
    expect(admin?.[2]).toBe('admin');
    expect(ops?.[2]).toBe('read');
    // Same password, different salt: different hashes; both verify.
    expect(admin?.[1]).not.toBe(ops?.[1]);
    expect(await verifyPassword('correct horse battery staple', admin![1]!)).toBe(true);
    expect(await verifyPassword('correct horse battery stapl', admin![1]!)).toBe(false);
    expect(statSync(usersPath).mode & 0o777).toBe(0o640);
    const listed = await user(['list', '--json'], usersPath);
    expect(JSON.parse(listed.stdout)).toEqual([
      { name: 'admin', role: 'admin' },
      { name: 'ops', role: 'read' },
    ]);
    expect((await user(['remove', 'ops'], usersPath)).exitCode).toBe(0);
    expect((await user(['list'], usersPath)).stdout).toBe('admin\tadmin');
    expect((await user(['remove', 'ops'], usersPath)).exitCode).toBe(1);
  });

  it('refuses a short password and a bad name, changing nothing', async () => {
    const usersPath = join(tempDir(), 'users');
    const short = await user(['add', 'admin'], usersPath, 'short\n');
    expect(short.exitCode).toBe(1);
    expect(short.stderr).toContain('at least 12 characters');
    expect((await user(['add', 'bad:name'], usersPath, 'correct horse battery staple\n')).exitCode).toBe(2);
    expect((await user(['list'], usersPath)).stdout).toBe('');
  });
});
