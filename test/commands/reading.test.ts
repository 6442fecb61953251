import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it, onTestFinished } from 'vitest';
import { Store } from '../../src/store/store.js';
import { BIN, cleanEnv, cliForOtherUsers, ROOT, runMain } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

/** A file where the database should be that is not one. */
function corruptDb(): string {
  const db = join(tempDir(), 'state', 'backup-alert.db');
  mkdirSync(join(db, '..'), { recursive: true });
  writeFileSync(db, 'this is not a database, just garbage bytes that fill a header'.repeat(100));
  return db;
}

describe('reading commands on a database they cannot read', () => {
  it('status --nagios on a corrupt database is UNKNOWN (3) with the reason, not an internal error', async () => {
    const db = corruptDb();
    const result = await runMain(['status', '--nagios', '--db', db]);
    expect(result.exitCode).toBe(3);
    expect(result.stdout).toMatch(
      new RegExp(`^UNKNOWN - cannot read database ${db}: file is not a database; check the file \\(sqlite3 `),
    );
    expect(result.stdout.split('\n')).toHaveLength(2);
    expect(result.stderr).not.toContain('internal error');
  });

  it('history and status on a corrupt database: one clear line, exit 1', async () => {
    const db = corruptDb();
    for (const command of [['history'], ['history', '--json'], ['status']]) {
      const result = await runMain([...command, '--db', db]);
      expect(result).toMatchObject({ exitCode: 1, stdout: '' });
      expect(result.stderr).toMatch(
        new RegExp(`^backup-alert: cannot read database ${db}: file is not a database;`),
      );
      expect(result.stderr).not.toContain('internal error');
    }
  });

  it('status --nagios by a user who may not enter the 0700 state directory is UNKNOWN, not "no run recorded"', async () => {
    const dir = tempDir();
    const stateDir = join(dir, 'state');
    const db = join(stateDir, 'backup-alert.db');
    const store = Store.open(db);
    store.close();
    chmodSync(dir, 0o755);
    chmodSync(stateDir, 0o700);
    // Root enters any directory: the monitoring user is `nobody` then; otherwise the directory is closed to us.
    const asRoot = process.getuid?.() === 0;
    if (!asRoot) {
      chmodSync(stateDir, 0o000);
      onTestFinished(() => chmodSync(stateDir, 0o700));
    }
    const cli = asRoot ? cliForOtherUsers() : { bin: BIN, cwd: ROOT };
    const result = await execa(cli.bin, ['status', '--nagios', '--type', 'daily', '--db', db], {
      reject: false,
      extendEnv: false,
      env: cleanEnv({ HOME: dir }),
      cwd: cli.cwd,
      ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    });
    expect(result.exitCode).toBe(3);
    expect(result.stdout).toMatch(
      new RegExp(
        `^UNKNOWN - cannot read database ${db}: EACCES: permission denied.*; run this as the user that runs the backups`,
      ),
    );
    expect(result.stdout).not.toContain('no run recorded');
  });
});
