import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/tmp.js';

/** The shipped unit, with ExecStart pointed at this checkout's bin (verify checks that it exists). */
function unitFile(): string {
  const unit = readFileSync(join(ROOT, 'examples', 'backup-alert@.service'), 'utf8');
  const path = join(tempDir(), 'backup-alert@.service');
  writeFileSync(path, unit.replaceAll('/usr/bin/backup-alert', BIN));
  return path;
}

describe('examples/backup-alert@.service', () => {
  it('passes systemd-analyze verify with no message at all', async () => {
    const result = await execa('systemd-analyze', ['verify', unitFile()], { reject: false });
    expect({ exitCode: result.exitCode, stderr: result.stderr, stdout: result.stdout }).toEqual({
      exitCode: 0,
      stderr: '',
      stdout: '',
    });
  });

  it('is hardened: systemd-analyze security rates its exposure 3.0 or less ("OK"; it was 9.6 UNSAFE)', async () => {
    const result = await execa(
      'systemd-analyze',
      ['security', '--offline=true', '--threshold=30', '--no-pager', unitFile()],
      { reject: false },
    );
    const overall = /Overall exposure level for .*: (\d+\.\d) (\w+)/.exec(result.stdout);
    expect(overall?.slice(1)).toEqual([expect.stringMatching(/^[0-2]\.\d|^3\.0$/), 'OK']);
    expect(result.exitCode).toBe(0);
    for (const setting of ['NoNewPrivileges=', 'ProtectSystem=', 'PrivateTmp=', 'PrivateDevices=']) {
      expect(result.stdout).toMatch(new RegExp(`✓ ${setting}`));
    }
    // Read-only, not hidden: /home can still be backed up.
    expect(result.stdout).toMatch(/✗ ProtectHome= +Service has read-only access to home directories/);
  });
});
