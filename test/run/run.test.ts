import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jobLockPath } from '../../src/run/lock-file.js';
import { BIN, ROOT, runCli, spawnCli } from '../helpers/cli.js';
import { readRuns } from '../helpers/db.js';
import { ok, scriptedServer } from '../helpers/http.js';
import { closedPort, startSilentServer } from '../helpers/net.js';
import { isAlive, readPidFile, waitFor } from '../helpers/process.js';
import { startSmtpSink } from '../helpers/smtp.js';
import { tempDir, writeScript } from '../helpers/tmp.js';

const fixture = (name: string) => join(ROOT, 'test', 'fixtures', name);

function setup() {
  const dir = tempDir();
  return { dir, db: join(dir, 'state', 'backup-alert.db') };
}

describe('run (spawned as cron would)', () => {
  it('records a success, passes BACKUP_ID/BACKUP_TYPE and extra args, exits 0', async () => {
    const { db } = setup();
    const result = await runCli([
      'run',
      '--type',
      'daily',
      '--script',
      fixture('ok.sh'),
      '--db',
      db,
      '--',
      'a',
      'b c',
    ]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    const [row] = readRuns(db);
    expect(row).toMatchObject({ type: 'daily', status: 'success', exit_code: 0, error_message: null });
    expect(row!.backup_id).toMatch(/^BKP-\d{8}-\d{6}-daily$/);
    expect(result.stdout).toBe(`backup ok id=${row!.backup_id} type=daily args=a b c\n`);
    expect(row!.finished_at! >= row!.started_at).toBe(true);
    expect(readFileSync(row!.log_path!, 'utf8')).toBe(result.stdout);
  });

  it('prints nothing at all with --quiet on success', async () => {
    const { db } = setup();
    const result = await runCli([
      'run',
      '--type',
      'weekly',
      '--quiet',
      '--script',
      fixture('ok.sh'),
      '--db',
      db,
    ]);
    expect(result).toMatchObject({ exitCode: 0, stdout: '', stderr: '' });
    expect(readRuns(db)[0]?.status).toBe('success');
  });

  it("fails with the script's exit code and its last stderr line", async () => {
    const { db } = setup();
    const result = await runCli(['run', '--type', 'daily', '--script', fixture('fail.sh'), '--db', db]);
    expect(result.exitCode).toBe(3);
    const [row] = readRuns(db);
    expect(row).toMatchObject({
      status: 'failure',
      exit_code: 3,
      error_message: 'Backup script failed with exit code 3: disk full',
    });
    expect(row!.output_tail).toContain('No space left on device');
    expect(result.stderr).toContain('Backup script failed with exit code 3: disk full');
    expect(result.stdout).toContain('starting backup');
  });

  it('replays the output of a failed run with --quiet (cron mails only then)', async () => {
    const { db } = setup();
    const result = await runCli(
      ['run', '--type', 'daily', '-q', '--script', fixture('fail.sh'), '--db', db],
      {
        env: { FAIL_CODE: '9' },
      },
    );
    expect(result.exitCode).toBe(9);
    expect(result.stdout).toContain('starting backup');
    expect(result.stdout).toContain('disk full');
  });

  it('exits 127 for a missing script and 126 for one that is not executable', async () => {
    const { dir, db } = setup();
    const missing = join(dir, 'nope.sh');
    const notFound = await runCli(['run', '--type', 'manual', '--script', missing, '--db', db]);
    expect(notFound.exitCode).toBe(127);
    const notExecutable = await runCli([
      'run',
      '--type',
      'manual',
      '--script',
      fixture('not-executable.sh'),
      '--db',
      db,
    ]);
    expect(notExecutable.exitCode).toBe(126);
    expect(readRuns(db).map((row) => row.error_message)).toEqual([
      `Backup script not found: ${missing}`,
      `Backup script is not executable: ${fixture('not-executable.sh')}`,
    ]);
  });

  it('times out a script that ignores SIGTERM: exit 124 and the whole group is gone', async () => {
    const { dir, db } = setup();
    const pidFile = join(dir, 'script.pid');
    const childPidFile = join(dir, 'child.pid');
    const started = Date.now();
    const result = await runCli(
      [
        'run',
        '--type',
        'daily',
        '--timeout',
        '1s',
        '--kill-after',
        '1s',
        '--script',
        fixture('ignores-sigterm.sh'),
        '--db',
        db,
      ],
      { env: { PID_FILE: pidFile, CHILD_PID_FILE: childPidFile } },
    );
    expect(result.exitCode).toBe(124);
    expect(Date.now() - started).toBeLessThan(10_000);
    const scriptPid = Number(readFileSync(pidFile, 'utf8'));
    const childPid = Number(readFileSync(childPidFile, 'utf8'));
    expect(await waitFor(() => !isAlive(scriptPid) && !isAlive(childPid), 2_000)).toBe(true);
    expect(readRuns(db)[0]).toMatchObject({
      status: 'failure',
      error_message: 'Backup script timed out after 1s',
    });
  });

  it('forwards SIGTERM to the script group, records the interruption, exits 143', async () => {
    const { dir, db } = setup();
    const childPidFile = join(dir, 'child.pid');
    const subprocess = spawnCli(
      ['run', '--type', 'daily', '--script', fixture('forks-a-child.sh'), '--db', db],
      {
        env: { CHILD_PID_FILE: childPidFile },
      },
    );
    const childPid = await readPidFile(childPidFile);
    subprocess.kill('SIGTERM');
    const result = await subprocess;
    expect(result.exitCode).toBe(143);
    expect(await waitFor(() => !isAlive(childPid), 2_000)).toBe(true);
    expect(readRuns(db)[0]).toMatchObject({
      status: 'failure',
      error_message: 'Backup script was interrupted by SIGTERM',
    });
  });

  it('keeps memory flat and only a bounded tail for 50 MB of output with --quiet', async () => {
    const { dir, db } = setup();
    const rssFile = join(dir, 'rss');
    const { execa } = await import('execa');
    const result = await execa(
      process.execPath,
      [
        '--import',
        fixture('report-rss.mjs'),
        BIN,
        'run',
        '--type',
        'daily',
        '-q',
        '--script',
        fixture('noisy.sh'),
        '--db',
        db,
      ],
      {
        reject: false,
        env: { NOISY_MB: '50', NOISY_FAIL: '1', RSS_FILE: rssFile, NO_COLOR: '1' },
        stdout: 'ignore',
      },
    );
    expect(result.exitCode).toBe(1);
    const [row] = readRuns(db);
    expect(row!.output_tail!.length).toBeLessThanOrEqual(64 * 1024);
    expect(row!.output_tail).toContain('LAST LINE OF OUTPUT');
    expect(row!.error_message).toBe('Backup script failed with exit code 1: noisy failure');
    const peakKiB = Number(readFileSync(rssFile, 'utf8'));
    expect(peakKiB).toBeLessThan(150 * 1024);
    // The whole output is in the log file, not in memory.
    expect(readFileSync(row!.log_path!).length).toBeGreaterThan(50 * 1024 * 1024);
  });

  it('refuses an overlapping run of the same script with exit 75, recorded and named', async () => {
    const { dir, db } = setup();
    const pidFile = join(dir, 'slow.pid');
    const first = spawnCli(['run', '--type', 'daily', '--script', fixture('slow.sh'), '--db', db], {
      env: { PID_FILE: pidFile, SLEEP_SECONDS: '30' },
    });
    await readPidFile(pidFile);
    const second = await runCli(['run', '--type', 'daily', '--script', fixture('slow.sh'), '--db', db]);
    expect(second.exitCode).toBe(75);
    expect(second.stderr).toMatch(
      /still in progress \(PID \d+, backup ID BKP-\d{8}-\d{6}-daily, held for \d+/,
    );
    first.kill('SIGTERM');
    await first;
    const rows = readRuns(db);
    expect(rows.map((row) => row.status).sort()).toEqual(['failure', 'failure']);
    const busy = rows.find((row) => row.error_message?.includes('still in progress'));
    // exit_code is the run's exit status as cron saw it, as the alert says (終了コード: 75).
    expect(busy).toMatchObject({ exit_code: 75, signal: null, log_path: null });
  });

  it('an empty lock file (a full disk, a crash mid-write) does not block the next runs', async () => {
    const { dir, db } = setup();
    const script = writeScript(dir, 'backup.sh', 'echo ok');
    const lockDir = join(dir, 'state', 'locks');
    mkdirSync(lockDir, { recursive: true });
    writeFileSync(jobLockPath(lockDir, 'daily'), '');
    const result = await runCli(['run', '--type', 'daily', '--script', script, '--db', db]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain('Reclaimed an empty or unreadable lock file');
    expect(readRuns(db).map((row) => row.status)).toEqual(['success']);
    expect(readdirSync(lockDir)).toEqual([]);
  });

  it('a wrapper killed with SIGKILL leaves its script running: the next run does not start a second copy', async () => {
    const { dir, db } = setup();
    const hook = await scriptedServer([ok]);
    const env = { BACKUP_ALERT_WEBHOOK_URL: hook.url, NODE_ENV: 'test' };
    const pidFile = join(dir, 'slow.pid');
    const first = spawnCli(['run', '--type', 'daily', '--script', fixture('slow.sh'), '--db', db], {
      env: { ...env, PID_FILE: pidFile, SLEEP_SECONDS: '60' },
    });
    const scriptPid = await readPidFile(pidFile);
    // The wrapper notes the script's group in the lock as soon as it has spawned it.
    const lock = jobLockPath(join(dir, 'state', 'locks'), 'daily');
    expect(await waitFor(() => readFileSync(lock, 'utf8').includes(`"pgid":${scriptPid}`))).toBe(true);
    // Only the wrapper dies (OOM killer, kill -9): the script's group runs on, orphaned.
    first.kill('SIGKILL');
    await first;
    try {
      expect(isAlive(scriptPid)).toBe(true);
      const second = await runCli(['run', '--type', 'daily', '--script', fixture('slow.sh'), '--db', db], {
        env: { ...env, PID_FILE: join(dir, 'second.pid'), SLEEP_SECONDS: '0' },
      });
      expect(second.exitCode).toBe(75);
      expect(existsSync(join(dir, 'second.pid'))).toBe(false);
      const message = `its wrapper (PID ${first.pid}) is gone but the script's process group ${scriptPid} is still running`;
      expect(second.stderr).toContain(message);
      const busy = readRuns(db).find((row) => row.status === 'failure');
      expect(busy).toMatchObject({ exit_code: 75 });
      expect(busy!.error_message).toContain(`kill -TERM -${scriptPid}`);
      // Alerted like any failure (the dead wrapper's own row is alerted as abandoned).
      const errors = hook.requests.map((request) => (JSON.parse(request.body) as { error: string }).error);
      expect(errors.some((error) => error.includes(message))).toBe(true);
    } finally {
      process.kill(-scriptPid, 'SIGKILL');
    }
    await waitFor(() => !isAlive(scriptPid));
    const third = await runCli(['run', '--type', 'daily', '--script', fixture('slow.sh'), '--db', db], {
      env: { ...env, SLEEP_SECONDS: '0' },
    });
    expect(third.exitCode).toBe(0);
  });

  it('reclaims a lock left by a dead process and marks its row abandoned', async () => {
    const { dir, db } = setup();
    const pidFile = join(dir, 'slow.pid');
    const first = spawnCli(['run', '--type', 'daily', '--script', fixture('slow.sh'), '--db', db], {
      env: { PID_FILE: pidFile, SLEEP_SECONDS: '30' },
    });
    const scriptPid = await readPidFile(pidFile);
    // The wrapper dies without cleaning up (kill -9), as on an OOM kill.
    first.kill('SIGKILL');
    await first;
    process.kill(-scriptPid, 'SIGKILL');
    const second = await runCli(['run', '--type', 'daily', '--script', fixture('slow.sh'), '--db', db], {
      env: { SLEEP_SECONDS: '0' },
    });
    expect(second.exitCode).toBe(0);
    expect(second.stderr).toContain('Reclaimed a stale lock');
    const rows = readRuns(db);
    expect(rows.map((row) => row.status)).toEqual(['abandoned', 'success']);
  });

  it('still runs the backup when the database cannot be written', async () => {
    const { dir } = setup();
    const notADir = join(dir, 'file');
    writeFileSync(notADir, 'x');
    const result = await runCli([
      'run',
      '--type',
      'daily',
      '--script',
      fixture('fail.sh'),
      '--db',
      join(notADir, 'x.db'),
    ]);
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain('Cannot open database');
    expect(result.stdout).toContain('starting backup');

    const corrupt = join(dir, 'corrupt.db');
    writeFileSync(corrupt, 'this is not a database, just garbage bytes that fill a header'.repeat(100));
    const ok = await runCli(['run', '--type', 'daily', '--script', fixture('ok.sh'), '--db', corrupt]);
    expect(ok.exitCode).toBe(0);
    expect(ok.stderr).toMatch(/Cannot open database .*corrupt\.db/);
  });

  it('checks SMTP beside a run and says so when alerts could not get out (skipped with NODE_ENV=test)', async () => {
    const { db } = setup();
    const port = String(await closedPort());
    const env = { SMTP_HOST: '127.0.0.1', SMTP_PORT: port, BACKUP_ALERT_EMAIL: 'ops@example.com' };
    // A backup that takes a moment: the check runs beside it (a finished run never waits for it).
    const slowOk = writeScript(dirname(dirname(db)), 'slow-ok.sh', 'sleep 1.5');
    const args = ['run', '--type', 'daily', '--quiet', '--script', slowOk, '--db', db];
    const checked = await runCli(args, { env });
    expect(checked.exitCode).toBe(0);
    expect(checked.stderr).toMatch(
      /^\d{4}-\d\d-\d\dT[\d:.]+Z \[ERROR\] \[EmailService\] SMTP connection error: .*ECONNREFUSED/m,
    );
    const skipped = await runCli(args, { env: { ...env, NODE_ENV: 'test' } });
    expect(skipped).toMatchObject({ exitCode: 0, stderr: '', stdout: '' });
  });

  it('ends within the notify bound when the SMTP server never answers, SMTP check included', async () => {
    const { db } = setup();
    const silent = await startSilentServer();
    const started = Date.now();
    const result = await runCli(
      ['run', '--type', 'daily', '--quiet', '--script', fixture('fail.sh'), '--db', db],
      {
        env: {
          SMTP_HOST: '127.0.0.1',
          SMTP_PORT: String(silent.port),
          BACKUP_ALERT_EMAIL: 'ops@example.com',
          BACKUP_ALERT_NOTIFY_TIMEOUT: '2s',
        },
      },
    );
    expect(result.exitCode).toBe(3);
    expect(Date.now() - started).toBeLessThan(2_000 + 2_000);
    expect(result.stderr).toContain('Failed to send failure alert email');
    expect(silent.connections).toBeGreaterThan(0);
  });

  it('exits promptly after alerting, whatever the SMTP check beside a fast-failing run left behind', async () => {
    const { dir, db } = setup();
    const smtp = await startSmtpSink();
    const script = writeScript(dir, 'quick-fail.sh', 'sleep 0.05\necho "quick failure" >&2\nexit 5');
    const started = Date.now();
    const result = await runCli(['run', '--type', 'daily', '--script', script, '--db', db], {
      env: { SMTP_HOST: '127.0.0.1', SMTP_PORT: String(smtp.port), BACKUP_ALERT_EMAIL: 'ops@example.com' },
    });
    expect(result.exitCode).toBe(5);
    expect(smtp.mails).toHaveLength(1);
    // nodemailer's greeting timer alone would have kept the process for 10 s.
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('finishes the backup when whoever reads our stdout goes away (EPIPE)', async () => {
    const { db } = setup();
    const { execa } = await import('execa');
    const result = await execa(
      'bash',
      [
        '-c',
        `"$BIN" run --type daily --script "$SCRIPT" --db "$DB" | head -c 100 > /dev/null; echo "\${PIPESTATUS[0]}"`,
      ],
      {
        env: { BIN, SCRIPT: fixture('noisy.sh'), DB: db, NOISY_MB: '5', NO_COLOR: '1' },
        extendEnv: true,
        timeout: 30_000,
        reject: false,
      },
    );
    expect(result.stdout.trim()).toBe('0');
    const [row] = readRuns(db);
    expect(row?.status).toBe('success');
    expect(readFileSync(row!.log_path!).length).toBeGreaterThan(5 * 1024 * 1024);
  });

  it('rejects bad usage with exit 2 and a clear message', async () => {
    const { dir, db } = setup();
    const badType = await runCli(['run', '--type', 'hourly', '--script', fixture('ok.sh'), '--db', db]);
    expect(badType.exitCode).toBe(2);
    expect(badType.stderr).toContain('daily, weekly, monthly, manual');
    const badTimeout = await runCli([
      'run',
      '--type',
      'daily',
      '--timeout',
      'soon',
      '--script',
      fixture('ok.sh'),
      '--db',
      db,
    ]);
    expect(badTimeout.exitCode).toBe(2);
    expect(badTimeout.stderr).toContain('invalid --timeout "soon"');
    const missingEnv = await runCli([
      'run',
      '--type',
      'daily',
      '--env-file',
      join(dir, 'missing.env'),
      '--script',
      fixture('ok.sh'),
      '--db',
      db,
    ]);
    expect(missingEnv.exitCode).toBe(2);
    expect(missingEnv.stderr).toContain('Cannot read env file');
    const noScript = await runCli(['run', '--type', 'daily', '--db', db]);
    expect(noScript.exitCode).toBe(2);
    expect(noScript.stderr).toContain('--script');
    expect(existsSync(db)).toBe(false);
  });
});
