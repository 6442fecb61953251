import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ROOT } from '../helpers/cli.js';

/** `npm run test:interop` without the OS's programs: fails at once, with the one line that installs them all. */
const PREFLIGHT = join(ROOT, 'scripts', 'interop-preflight.js');

/** A PATH holding only `node` (what npm gives a script), none of the tier's programs. */
function pathWithNodeOnly(): string {
  const dir = mkdtempSync(join(tmpdir(), 'backup-alert-path-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  symlinkSync(process.execPath, join(dir, 'node'));
  return dir;
}

describe('the interop preflight', () => {
  it('fails in well under 5 s naming what is missing and the apt-get line for every package', async () => {
    const started = Date.now();
    const result = await execa('node', [PREFLIGHT], {
      reject: false,
      extendEnv: false,
      env: { PATH: pathWithNodeOnly() },
      timeout: 5_000,
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result.exitCode).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines[0]).toMatch(
      /^test:interop: the interop tier needs programs that are not installed \(promtool, .*amtool.*psql.*jq\)/,
    );
    expect(lines[1]).toBe(
      'apt-get install -y prometheus prometheus-node-exporter prometheus-pushgateway prometheus-alertmanager apprise zsh fish tmux bash systemd shellcheck dpkg man-db groff-base postgresql-client curl jq bash-completion',
    );
  });

  it('stops vitest itself before any test when run without npm (its globalSetup)', async () => {
    const result = await execa(
      process.execPath,
      [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', 'vitest.interop.config.ts'],
      {
        reject: false,
        cwd: ROOT,
        extendEnv: false,
        env: { PATH: pathWithNodeOnly(), HOME: ROOT },
        timeout: 20_000,
      },
    );
    expect(result.exitCode).not.toBe(0);
    expect(result.stdout + result.stderr).toContain('apt-get install -y prometheus ');
    expect(result.stdout + result.stderr).not.toMatch(/Tests +\d+ passed/);
  });
});
