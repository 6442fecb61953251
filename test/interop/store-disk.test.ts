import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir, writeScript } from '../helpers/tmp.js';

// A read-only or full file system under the database, made real with a small tmpfs (needs
// root to mount: this tier fails, never skips, when it cannot).

function smallMount(size = '512k'): string {
  expect(process.getuid?.(), 'mounting a tmpfs needs root').toBe(0);
  const dir = tempDir('backup-alert-disk-');
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  onTestFinished(() => {
    execFileSync('umount', ['-l', dir]);
  });
  return dir;
}

async function seed(dir: string): Promise<string> {
  const db = join(dir, 'x.db');
  const script = writeScript(tempDir(), 'fail.sh', 'echo "disk full" >&2\nexit 1');
  expect((await runCli(['run', '--type', 'daily', '--script', script, '--db', db])).exitCode).toBe(1);
  return db;
}

describe('status and doctor name the file system, not sudo or a broken file', () => {
  it('on a read-only mount (the runs still in the write-ahead log: the disk was nearly full)', async () => {
    const dir = smallMount('256k');
    const db = await seed(dir);
    execFileSync('mount', ['-o', 'remount,ro', dir]);
    const status = await runCli(['status', '--db', db]);
    expect(status.exitCode).toBe(1);
    expect(status.stdout).not.toContain('No backup run recorded');
    expect(status.stderr).toContain('is mounted read-only: remount it read-write');

    const doctor = await runCli(['doctor', '--db', db]);
    expect(doctor.stdout).toContain('is mounted read-only');
    for (const text of [status.stderr, doctor.stdout]) expect(text).not.toMatch(/sudo|move it away|chown/);
  });

  it('on a full disk (the shared-memory index must be made again)', async () => {
    const dir = smallMount();
    const db = await seed(dir);
    // No connection is open: the -shm index is rebuilt by the next one, which needs space.
    rmSync(`${db}-shm`, { force: true });
    try {
      writeFileSync(join(dir, 'fill'), Buffer.alloc(1024 * 1024));
    } catch {
      // Filled up to the last block: that is the point.
    }
    const status = await runCli(['status', '--db', db]);
    expect(status.exitCode).toBe(1);
    expect(status.stderr).toContain('is full: free space there');
    const doctor = await runCli(['doctor', '--db', db]);
    for (const text of [status.stderr, doctor.stdout]) expect(text).not.toMatch(/sudo|move it away|chown/);
  });
});
