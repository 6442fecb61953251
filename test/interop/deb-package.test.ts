import { chmodSync, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { scriptedServer } from '../helpers/http.js';
import { tempDir } from '../helpers/tmp.js';

// Interop tier, as CI runs it: root on a throwaway machine (dpkg, systemd-analyze, runuser,
// man-db). It installs into this machine's real /usr, /etc and /var/lib, so it refuses to
// start on a machine where backup-alert is installed or configured, takes a lock against a
// second run of itself, and purges the package at the end even when a step failed.

const LOCK = '/run/lock/backup-alert-deb-test';
const PATH = '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin';
let lockTaken = false;

async function dpkgState(): Promise<string> {
  // dpkg-query's own format syntax, not a template string.
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query -f field
  const result = await execa('dpkg-query', ['-W', '-f=${db:Status-Status}', 'backup-alert'], {
    reject: false,
  });
  return result.exitCode === 0 ? result.stdout : 'not-installed';
}

beforeAll(() => {
  if (process.getuid?.() !== 0) throw new Error('the package test installs a .deb: run it as root (CI does)');
  for (const program of ['dpkg-deb', 'systemd-analyze', 'runuser', 'man']) {
    if (!PATH.split(':').some((dir) => existsSync(join(dir, program)))) {
      throw new Error(`${program} is missing: apt-get install -y dpkg systemd util-linux man-db`);
    }
  }
  try {
    mkdirSync(LOCK);
    lockTaken = true;
  } catch {
    throw new Error(
      `${LOCK} exists: another run of this test is installing the package (or a stale lock: rmdir it)`,
    );
  }
});

afterAll(async () => {
  if (!lockTaken) return;
  try {
    if ((await dpkgState()) !== 'not-installed')
      await execa('dpkg', ['-P', 'backup-alert'], { reject: false });
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
});

describe('the Debian package (npm run package:deb)', () => {
  it('installs, runs a job as backup-alert into the one database, passes the unit checks, removes, purges', async () => {
    expect(await dpkgState(), 'backup-alert is already installed here: not touching it').toBe(
      'not-installed',
    );
    expect(existsSync('/etc/backup-alert'), '/etc/backup-alert exists: not touching it').toBe(false);
    expect(existsSync('/var/lib/backup-alert'), '/var/lib/backup-alert exists: not touching it').toBe(false);

    const out = tempDir();
    const built = await execa('node', [join(ROOT, 'scripts/package-deb.js'), '--out', out], {
      cwd: ROOT,
      reject: false,
    });
    expect(built.exitCode, built.stderr).toBe(0);
    const deb = built.stdout.trim().split('\n').at(-1)!;
    expect(deb.startsWith(out)).toBe(true);
    const install = await execa('dpkg', ['-i', deb], { reject: false });
    expect(install.exitCode, install.stderr).toBe(0);

    // The system user and its state directory; the env file root's alone.
    expect((await execa('getent', ['passwd', 'backup-alert'])).stdout).toMatch(/^backup-alert:/);
    expect((statSync('/var/lib/backup-alert').mode & 0o777).toString(8)).toBe('750');
    expect((statSync('/etc/backup-alert/env').mode & 0o777).toString(8)).toBe('600');
    expect((await execa('man', ['-w', 'backup-alert'])).stdout).toBe('/usr/share/man/man1/backup-alert.1.gz');
    expect(existsSync('/usr/share/bash-completion/completions/backup-alert')).toBe(true);

    // init after the package: the files are in place, only the next steps are printed.
    const init = await execa('backup-alert', ['init'], { env: { PATH }, extendEnv: false, reject: false });
    expect(init.exitCode, init.stderr).toBe(0);
    expect(init.stdout).toContain('backup-alert doctor');

    // Root's cron runs first and creates the database; then a failing job run as the units'
    // user reaches people (a webhook on loopback) and is recorded in that same database.
    const cron = await execa('backup-alert', ['run', '--type', 'daily', '--script', '/bin/true'], {
      env: { PATH, NODE_ENV: 'test' },
      extendEnv: false,
      reject: false,
    });
    expect(cron.exitCode, cron.stderr).toBe(0);
    const hook = await scriptedServer([{ status: 200 }]);
    const scripts = tempDir();
    chmodSync(scripts, 0o755);
    const script = join(scripts, 'backup.sh');
    writeFileSync(script, '#!/bin/sh\necho "disk full" >&2\nexit 3\n');
    chmodSync(script, 0o755);
    const run = await execa(
      'runuser',
      ['-u', 'backup-alert', '--', '/usr/bin/backup-alert', 'run', '--type', 'daily', '--script', script],
      {
        env: {
          PATH,
          HOME: '/var/lib/backup-alert',
          STATE_DIRECTORY: '/var/lib/backup-alert',
          BACKUP_ALERT_WEBHOOK_URL: hook.url,
          NODE_ENV: 'test',
        },
        extendEnv: false,
        // Where cron and the unit start it: not the checkout, which the user may not enter.
        cwd: '/var/lib/backup-alert',
        reject: false,
        timeout: 60_000,
      },
    );
    expect(run.exitCode, run.stderr).toBe(3);
    expect(hook.requests).toHaveLength(1);
    const history = await execa('backup-alert', ['history', '--json'], { env: { PATH }, extendEnv: false });
    expect(run.stderr).not.toContain('will not be recorded');
    expect(JSON.parse(history.stdout)).toMatchObject([
      { status: 'failure', exitCode: 3 },
      { status: 'success', exitCode: 0 },
    ]);

    // The units as installed: verify clean, and every one hardened to 2.5 or better.
    const units = ['backup-alert@.service', 'backup-alert-watch.service', 'backup-alert-serve.service'];
    const paths = units.map((unit) => `/lib/systemd/system/${unit}`);
    const verify = await execa(
      'systemd-analyze',
      ['verify', ...paths, '/lib/systemd/system/backup-alert@.timer'],
      {
        reject: false,
      },
    );
    expect({ exitCode: verify.exitCode, stderr: verify.stderr }).toEqual({ exitCode: 0, stderr: '' });
    for (const path of paths) {
      const security = await execa('systemd-analyze', ['security', '--offline=true', '--no-pager', path], {
        reject: false,
      });
      const level = Number(/Overall exposure level for .*: (\d+\.\d)/.exec(security.stdout)?.[1] ?? 'NaN');
      expect(level, `${path}\n${security.stdout}`).toBeLessThanOrEqual(2.5);
    }

    // remove keeps the history and the settings; purge removes them and the user.
    expect((await execa('dpkg', ['-r', 'backup-alert'], { reject: false })).exitCode).toBe(0);
    expect(existsSync('/usr/bin/backup-alert')).toBe(false);
    expect(existsSync('/var/lib/backup-alert/backup-alert.db')).toBe(true);
    expect(existsSync('/etc/backup-alert/env')).toBe(true);
    expect((await execa('dpkg', ['-P', 'backup-alert'], { reject: false })).exitCode).toBe(0);
    expect(existsSync('/var/lib/backup-alert')).toBe(false);
    expect(existsSync('/etc/backup-alert')).toBe(false);
    expect((await execa('getent', ['passwd', 'backup-alert'], { reject: false })).exitCode).toBe(2);
  }, 300_000);
});
