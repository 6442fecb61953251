import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

// A --db whose directory cannot exist: a clear error, promptly, never a spin or a wrong remedy.

describe('a --db path that cannot be made', () => {
  it('/proc/nope/x.db: run still runs the backup and ends at once, naming the directory', async () => {
    const started = performance.now();
    const result = await runCli(
      ['run', '--type', 'daily', '--script', '/bin/true', '--db', '/proc/nope/x.db'],
      {
        timeout: 10_000,
      },
    );
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain(
      'Cannot open database /proc/nope/x.db: cannot create directory /proc/nope',
    );
  });

  it('/proc/nope/x.db: a command that needs the database says why, with exit 2, at once', async () => {
    const started = performance.now();
    const result = await runCli(['silence', 'list', '--db', '/proc/nope/x.db'], { timeout: 10_000 });
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('cannot create directory /proc/nope');
  });

  it('/dev/null/x.db: status says a parent is not a directory, not to check the file', async () => {
    const result = await runCli(['status', '--db', '/dev/null/x.db']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('a parent of it is not a directory (/dev/null is a file)');
    expect(result.stderr).not.toMatch(/integrity_check|move it away/);
    const run = await runCli(['run', '--type', 'daily', '--script', '/bin/true', '--db', '/dev/null/x.db']);
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toContain('Cannot open database /dev/null/x.db: /dev/null is not a directory;');
  });
});
