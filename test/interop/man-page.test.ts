import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.js';
import { renderManPage } from '../../src/cli/man-page.js';
import { VERSION } from '../../src/shared/version.js';
import { tempDir } from '../helpers/tmp.js';

// Interop tier: needs groff and man (apt-get install groff-base man-db). Fails, never
// skips, when they are missing.
function need(program: string): void {
  const found = spawnSync('sh', ['-c', `command -v ${program}`], { encoding: 'utf8' });
  if (found.status !== 0) throw new Error(`${program} is missing: apt-get install -y groff-base man-db`);
}

describe('backup-alert(1) renders', () => {
  const page = () => {
    const path = join(tempDir(), 'backup-alert.1');
    writeFileSync(path, renderManPage(COMMANDS, VERSION));
    return path;
  };

  it('with groff -man -Tutf8 -ww: no warning at all', () => {
    need('groff');
    const result = spawnSync('groff', ['-man', '-Tutf8', '-ww', page()], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('backup-alert init');
  });

  it('with man -l, as an operator reads it', () => {
    need('man');
    const text = execFileSync('man', ['-l', page()], {
      encoding: 'utf8',
      env: { PATH: process.env['PATH'], MANPAGER: 'cat', MANWIDTH: '80', LANG: 'C.UTF-8' },
      timeout: 30_000,
    });
    expect(text).toContain('EXIT STATUS');
    expect(text).toContain('/etc/backup-alert/env');
  });
});
