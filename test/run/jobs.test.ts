import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../helpers/cli.js';
import { readRuns } from '../helpers/db.js';
import { startHealthchecks } from '../helpers/healthchecks.js';
import { ok, scriptedServer } from '../helpers/http.js';
import { tempDir, writeScript } from '../helpers/tmp.js';

// Issue 21: several backups on one host, each its own job: file, status, lock and alerts.

interface WebhookBody {
  subject: string;
  job: string;
  host: string;
  backupId: string;
  event: string;
  preview?: boolean;
}

async function jobsHost() {
  const dir = tempDir();
  const jobsDir = join(dir, 'jobs');
  mkdirSync(jobsDir);
  const hook = await scriptedServer([ok]);
  const db = join(dir, 'state', 'backup-alert.db');
  const env = {
    BACKUP_ALERT_JOBS_DIR: jobsDir,
    BACKUP_ALERT_WEBHOOK_URL: hook.url,
    BACKUP_ALERT_HOST: 'db1',
    BACKUP_ALERT_DB: db,
    NODE_ENV: 'test',
  };
  const job = (name: string, lines: string[]) => {
    const path = join(jobsDir, `${name}.env`);
    writeFileSync(path, `${lines.join('\n')}\n`);
    chmodSync(path, 0o600);
    return path;
  };
  const cli = (args: string[], extra: Record<string, string> = {}) =>
    runCli(args, { env: { ...env, ...extra }, cwd: dir });
  const bodies = () => hook.requests.map((r) => JSON.parse(r.body) as WebhookBody);
  return { dir, jobsDir, db, env, hook, job, cli, bodies };
}

describe('named jobs (issue 21)', () => {
  it('pg fails and files succeeds, both daily, side by side from `run --job NAME`: pg is CRITICAL, files OK', async () => {
    const h = await jobsHost();
    // Each script waits for the other to have started: they can only finish if they ran at
    // the same time (the lock is per job, not per type).
    const pg = writeScript(
      h.dir,
      'pg.sh',
      `touch "${h.dir}/pg.started"; for i in $(seq 100); do [ -e "${h.dir}/files.started" ] && break; sleep 0.1; done; [ -e "${h.dir}/files.started" ] || exit 9; echo 'pg_dump: connection refused' >&2; exit 3`,
    );
    const files = writeScript(
      h.dir,
      'files.sh',
      `touch "${h.dir}/files.started"; for i in $(seq 100); do [ -e "${h.dir}/pg.started" ] && break; sleep 0.1; done; [ -e "${h.dir}/pg.started" ] || exit 9; echo archived`,
    );
    h.job('pg', [`BACKUP_ALERT_SCRIPT=${pg}`, 'BACKUP_ALERT_TYPE=daily']);
    h.job('files', [`BACKUP_ALERT_SCRIPT=${files}`, 'BACKUP_ALERT_TYPE=daily']);
    const [pgRun, filesRun] = await Promise.all([
      spawnCli(['run', '--job', 'pg'], { env: h.env, cwd: h.dir }),
      spawnCli(['run', '--job', 'files'], { env: h.env, cwd: h.dir }),
    ]);
    expect(pgRun.exitCode, String(pgRun.stderr)).toBe(3);
    expect(filesRun.exitCode, String(filesRun.stderr)).toBe(0);

    const runs = readRuns(h.db);
    expect(runs.map((r) => [r.job, r.type, r.status]).sort()).toEqual([
      ['files', 'daily', 'success'],
      ['pg', 'daily', 'failure'],
    ]);
    // Two jobs of one type, same second or not: two backup IDs.
    expect(new Set(runs.map((r) => r.backup_id)).size).toBe(2);

    const nagios = await h.cli(['status', '--nagios']);
    expect(nagios.exitCode).toBe(2);
    expect(nagios.stdout).toMatch(/^CRITICAL - pg: latest run BKP-\d{8}-\d{6}-daily(-2)? failure/);
    expect(nagios.stdout).not.toMatch(/CRITICAL - .*files:/);
    expect(nagios.stdout).toMatch(/'pg_age'=U 'pg_failures'=1/);
    expect(nagios.stdout).toMatch(/'files_age'=\d+s 'files_failures'=0/);
    const filesOnly = await h.cli(['status', '--job', 'files', '--nagios']);
    expect(filesOnly.exitCode).toBe(0);
    expect(filesOnly.stdout).toMatch(/^OK - files: last success/);
    // --type still works: the jobs of that type, the worst wins.
    expect((await h.cli(['status', '--type', 'daily', '--nagios'])).exitCode).toBe(2);

    // The alert names the job and the host after the runbook's prefix; only pg alerted.
    const alerts = h.bodies();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ job: 'pg', host: 'db1', event: 'backup_failure' });
    expect(alerts[0]!.subject).toBe(`【緊急】バックアップ失敗: pg@db1 ${alerts[0]!.backupId}`);

    const history = await h.cli(['history', '--job', 'pg', '--json']);
    expect((JSON.parse(history.stdout) as Array<{ job: string }>).map((r) => r.job)).toEqual(['pg']);
    const table = await h.cli(['history']);
    expect(table.stdout).toMatch(/^BACKUP ID\s+JOB\s+TYPE\s+STATUS/);
  }, 60_000);

  it('one job never runs twice at once: the second run of pg is refused (75) while files may run', async () => {
    const h = await jobsHost();
    const slow = writeScript(h.dir, 'slow.sh', `touch "${h.dir}/slow.started"; sleep 3`);
    h.job('pg', [`BACKUP_ALERT_SCRIPT=${slow}`, 'BACKUP_ALERT_TYPE=daily']);
    const first = spawnCli(['run', '--job', 'pg'], { env: h.env, cwd: h.dir });
    const started = join(h.dir, 'slow.started');
    for (let i = 0; i < 100 && !existsSync(started); i++) await sleep(100);
    const second = await h.cli(['run', '--job', 'pg']);
    expect(second.exitCode).toBe(75);
    expect(second.stderr).toContain('Another run of job pg');
    // Another job with the same script and type is not held back by pg's lock.
    const other = await h.cli(['run', '--job', 'pg-replica', '--type', 'daily', '--script', slow]);
    expect(other.exitCode, other.stderr).toBe(0);
    expect((await first).exitCode).toBe(0);
  }, 30_000);

  it('refuses a job name that is not a slug (exit 2, says why) and a job with no type', async () => {
    const h = await jobsHost();
    const script = writeScript(h.dir, 'ok.sh', 'exit 0');
    const bad = await h.cli(['run', '--job', 'Bad Name', '--type', 'daily', '--script', script]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('invalid --job "Bad Name": a job name is 1-63 characters of a-z');
    expect(await h.cli(['run', '--job', '../etc', '--type', 'daily', '--script', script])).toMatchObject({
      exitCode: 2,
    });
    h.job('pg', [`BACKUP_ALERT_SCRIPT=${script}`]);
    const untyped = await h.cli(['run', '--job', 'pg']);
    expect(untyped.exitCode).toBe(2);
    expect(untyped.stderr).toContain('job pg has no type: set BACKUP_ALERT_TYPE=daily|weekly|monthly|manual');
    // A job named like a type is that type; an ad-hoc job needs --type and a script.
    expect((await h.cli(['run', '--job', 'weekly', '--script', script])).exitCode).toBe(0);
    expect((await h.cli(['run', '--job', 'adhoc', '--type', 'manual', '--script', script])).exitCode).toBe(0);
    expect(readRuns(h.db).map((r) => [r.job, r.type, r.backup_id.endsWith(`-${r.type}`)])).toEqual([
      ['weekly', 'weekly', true],
      ['adhoc', 'manual', true],
    ]);
    expect(readRuns(h.db)).toHaveLength(2);
  });

  it('a flag beats the job file, which beats the environment and the main env file', async () => {
    const h = await jobsHost();
    const slow = writeScript(h.dir, 'slow.sh', 'sleep 2');
    const failing = writeScript(h.dir, 'fail.sh', 'exit 4');
    const args = writeScript(h.dir, 'args.sh', 'printf "%s|" "$@" > "$OUT"');
    writeFileSync(join(h.dir, '.env'), 'BACKUP_ALERT_TIMEOUT=1h\n');
    h.job('pg', [`BACKUP_ALERT_SCRIPT=${slow}`, 'BACKUP_ALERT_TYPE=daily', 'BACKUP_ALERT_TIMEOUT=1s']);
    // The job file's script beats the environment's; its timeout beats the main file's.
    const timedOut = await h.cli(['run', '--job', 'pg'], { BACKUP_ALERT_SCRIPT: failing });
    expect(timedOut.exitCode).toBe(124);
    // A flag beats the job file.
    expect((await h.cli(['run', '--job', 'pg', '--timeout', '30s'])).exitCode).toBe(0);
    // BACKUP_ALERT_ARGS: shell-like words, no shell.
    const out = join(h.dir, 'args.out');
    h.job('args', [
      `BACKUP_ALERT_SCRIPT=${args}`,
      'BACKUP_ALERT_TYPE=daily',
      `BACKUP_ALERT_ARGS=--db "my db" '$HOME' *`,
    ]);
    expect((await h.cli(['run', '--job', 'args'], { OUT: out })).exitCode).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('--db|my db|$HOME|*|');
  }, 30_000);

  it('an unknown key in a job file is a warning naming the file and the line', async () => {
    const h = await jobsHost();
    const script = writeScript(h.dir, 'ok.sh', 'exit 0');
    const path = h.job('pg', [
      `BACKUP_ALERT_SCRIPT=${script}`,
      'BACKUP_ALERT_TYPE=daily',
      'BACKUP_ALERT_SCIPRT=typo',
    ]);
    const result = await h.cli(['run', '--job', 'pg']);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain(`${path}:3: unknown key BACKUP_ALERT_SCIPRT in a job file`);
  });
});

describe('backup-alert jobs', () => {
  it('lists every job (files and runs) with its file, type, promise, last run and health; exit 0', async () => {
    const h = await jobsHost();
    const failing = writeScript(h.dir, 'fail.sh', 'exit 3');
    const good = writeScript(h.dir, 'ok.sh', 'exit 0');
    const pgFile = h.job('pg', [
      `BACKUP_ALERT_SCRIPT=${failing}`,
      'BACKUP_ALERT_TYPE=daily',
      'BACKUP_ALERT_MAX_AGE=26h',
    ]);
    h.job('never', [`BACKUP_ALERT_SCRIPT=${good}`, 'BACKUP_ALERT_TYPE=weekly']);
    expect((await h.cli(['run', '--job', 'pg'])).exitCode).toBe(3);
    expect((await h.cli(['run', '--type', 'monthly', '--script', good])).exitCode).toBe(0);
    const result = await h.cli(['jobs', '--json']);
    expect(result.exitCode).toBe(0);
    const jobs = JSON.parse(result.stdout) as Array<Record<string, unknown>>;
    expect(jobs.map((j) => [j['job'], j['type'], j['health']])).toEqual([
      ['monthly', 'monthly', 'ok'],
      ['never', 'weekly', 'never'],
      ['pg', 'daily', 'failed'],
    ]);
    expect(jobs[2]).toMatchObject({
      file: pgFile,
      promiseMs: 26 * 3_600_000,
      lastRun: { status: 'failure' },
    });
    expect(jobs[0]).toMatchObject({ file: null, promiseMs: null });
    const table = await h.cli(['jobs']);
    expect(table.exitCode).toBe(0);
    expect(table.stdout).toMatch(/^JOB\s+TYPE\s+PROMISE\s+LAST RUN\s+STATUS\s+AGE\s+HEALTH\s+FILE/);
  });
});

describe('doctor and job files', () => {
  it('names the file and the line of each problem: mode, unknown key, type, script, values', async () => {
    const h = await jobsHost();
    const good = writeScript(h.dir, 'ok.sh', 'exit 0');
    const plain = join(h.dir, 'not-executable.sh');
    writeFileSync(plain, 'exit 0\n');
    h.job('ok', [`BACKUP_ALERT_SCRIPT=${good}`, 'BACKUP_ALERT_TYPE=daily', 'BACKUP_ALERT_MAX_AGE=26h']);
    const bad = h.job('bad', [
      `BACKUP_ALERT_SCRIPT=${plain}`,
      'BACKUP_ALERT_TYPE=hourly',
      'BACKUP_ALERT_TIMEOUT=soon',
      'SLACK_WEBHOOK_URL=https://hooks.slack.com/services/T0/B0/SeCrEtJoBtOkEn',
      'BACKUP_ALERT_DATABASE_URL=postgres://x',
    ]);
    chmodSync(bad, 0o644);
    const result = await h.cli(['doctor', '--json']);
    expect(result.exitCode).toBe(1);
    const checks = JSON.parse(result.stdout) as Array<{ title: string; status: string; detail: string }>;
    expect(checks.find((c) => c.title === 'Job ok')).toMatchObject({
      status: 'ok',
      detail: `${h.jobsDir}/ok.env: daily, ${good}; a success at least every 1d 2h`,
    });
    const detail = checks.find((c) => c.title === 'Job bad')!.detail;
    expect(checks.find((c) => c.title === 'Job bad')!.status).toBe('fail');
    for (const fragment of [
      `${bad}:5: unknown key BACKUP_ALERT_DATABASE_URL`,
      `${bad}:4: holds SLACK_WEBHOOK_URL but is readable by others`,
      `${bad}:2: BACKUP_ALERT_TYPE "hourly" is not daily`,
      `${bad}:3: BACKUP_ALERT_TIMEOUT "soon" is not a duration`,
      `${bad}:1: script ${plain} is not executable`,
    ])
      expect(detail).toContain(fragment);
    expect(result.stdout).not.toContain('SeCrEtJoBtOkEn');
  });

  it('a job file that sets nothing yet (all comments, as init writes it) is a warning, not a failure', async () => {
    const h = await jobsHost();
    h.job('example', ['# BACKUP_ALERT_SCRIPT=/usr/local/sbin/backup.sh', '# BACKUP_ALERT_TYPE=daily']);
    const result = await h.cli(['doctor', '--json']);
    const checks = JSON.parse(result.stdout) as Array<{ title: string; status: string; detail: string }>;
    expect(checks.find((c) => c.title === 'Job example')).toMatchObject({
      status: 'warn',
      detail: expect.stringContaining('sets nothing yet'),
    });
  });

  it('says what each job promises; a job that promises nothing is a warning naming the line to add', async () => {
    const h = await jobsHost();
    const good = writeScript(h.dir, 'ok.sh', 'exit 0');
    h.job('pg', [`BACKUP_ALERT_SCRIPT=${good}`, 'BACKUP_ALERT_TYPE=weekly']);
    h.job('files', [`BACKUP_ALERT_SCRIPT=${good}`, 'BACKUP_ALERT_TYPE=daily']);
    h.job('adhoc', [`BACKUP_ALERT_SCRIPT=${good}`, 'BACKUP_ALERT_TYPE=manual']);
    const result = await h.cli(['doctor', '--json'], { BACKUP_ALERT_EXPECT: 'files=30h' });
    const checks = JSON.parse(result.stdout) as Array<{
      title: string;
      status: string;
      detail: string;
      remedy: string;
    }>;
    expect(checks.find((c) => c.title === 'Job pg')).toMatchObject({
      status: 'warn',
      detail: expect.stringContaining('promises nothing'),
      remedy: `add BACKUP_ALERT_MAX_AGE=8d (the longest time allowed between successes) to ${h.jobsDir}/pg.env`,
    });
    // BACKUP_ALERT_EXPECT names the job: that is its promise.
    expect(checks.find((c) => c.title === 'Job files')).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining('a success at least every 1d 6h'),
    });
    expect(checks.find((c) => c.title === 'Job adhoc')).toMatchObject({ status: 'ok' });
  });
});

describe('silence add --job', () => {
  it("holds one job's alerts; another job of the same type still alerts", async () => {
    const h = await jobsHost();
    const failing = writeScript(h.dir, 'fail.sh', 'exit 3');
    h.job('pg', [`BACKUP_ALERT_SCRIPT=${failing}`, 'BACKUP_ALERT_TYPE=daily']);
    h.job('files', [`BACKUP_ALERT_SCRIPT=${failing}`, 'BACKUP_ALERT_TYPE=daily']);
    expect((await h.cli(['run', '--job', 'pg'])).exitCode).toBe(3);
    expect(h.bodies()).toHaveLength(1);
    const silenced = await h.cli([
      'silence',
      'add',
      '--job',
      'pg',
      '--for',
      '2h',
      '--reason',
      'dump host moves',
    ]);
    expect(silenced.exitCode, silenced.stderr).toBe(0);
    expect(silenced.stdout).toMatch(/^Silence #1: pg alerts held until/);
    expect((await h.cli(['run', '--job', 'pg'])).exitCode).toBe(3);
    expect((await h.cli(['run', '--job', 'files'])).exitCode).toBe(3);
    expect(h.bodies().map((b) => b.job)).toEqual(['pg', 'files']);
  });
});

describe('run --test (runbook §7.3)', () => {
  it('runs /usr/bin/false, alerts marked as a test, exits 1; status stays OK and history shows it', async () => {
    const h = await jobsHost();
    const script = writeScript(h.dir, 'ok.sh', 'exit 0');
    h.job('pg', [`BACKUP_ALERT_SCRIPT=${script}`, 'BACKUP_ALERT_TYPE=daily']);
    expect((await h.cli(['run', '--job', 'pg'])).exitCode).toBe(0);
    const test = await h.cli(['run', '--job', 'adhoc-test', '--type', 'daily', '--test']);
    expect(test.exitCode).toBe(1);
    const pgTest = await h.cli(['run', '--job', 'pg', '--test', '--script', '/usr/bin/false']);
    expect(pgTest.exitCode).toBe(1);
    const alerts = h.bodies();
    expect(alerts).toHaveLength(2);
    for (const alert of alerts) {
      expect(alert.preview).toBe(true);
      expect(alert.subject).toMatch(/^【テスト】【緊急】バックアップ失敗: (adhoc-test|pg)@db1 BKP-/);
    }
    const status = await h.cli(['status', '--nagios']);
    expect(status.stdout).toMatch(/^OK - pg: last success/);
    expect(status.exitCode).toBe(0);
    // With nothing else given it is the runbook's {"type": "manual"}: /usr/bin/false as manual.
    const bare = await h.cli(['run', '--test']);
    expect(bare.exitCode, bare.stderr).toBe(1);
    expect(h.bodies().at(-1)!.subject).toMatch(
      /^【テスト】【緊急】バックアップ失敗: manual@db1 BKP-\d{8}-\d{6}-manual$/,
    );
    const history = await h.cli(['history']);
    expect(history.stdout).toMatch(/failure \(test\)/);
    // No incident was opened by a test.
    const db = new Database(h.db, { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) FROM incidents').pluck().get()).toBe(0);
    } finally {
      db.close();
    }
  });
});

describe('watch per job', () => {
  it("a job file's BACKUP_ALERT_MAX_AGE is its promise: a job that never ran is missing, named with its host", async () => {
    const h = await jobsHost();
    const script = writeScript(h.dir, 'ok.sh', 'exit 0');
    h.job('pg', [`BACKUP_ALERT_SCRIPT=${script}`, 'BACKUP_ALERT_TYPE=daily', 'BACKUP_ALERT_MAX_AGE=26h']);
    h.job('files', [`BACKUP_ALERT_SCRIPT=${script}`, 'BACKUP_ALERT_TYPE=daily', 'BACKUP_ALERT_MAX_AGE=26h']);
    expect((await h.cli(['run', '--job', 'files'])).exitCode).toBe(0);
    const watch = await h.cli(['watch']);
    expect(watch.exitCode).toBe(1);
    expect(watch.stdout).toContain('✖ No successful pg backup recorded on this host (max age 1d 2h)');
    expect(watch.stdout).not.toContain('files');
    expect(h.bodies().map((b) => b.subject)).toEqual(['【警告】バックアップ未実行: pg@db1']);
  });
});

describe('pings per job (issue 21)', () => {
  it("each job pings its own check: the job file's BACKUP_ALERT_PING_URL beats the main one", async () => {
    const h = await jobsHost();
    const mainCheck = await startHealthchecks();
    const pgCheck = await startHealthchecks();
    const script = writeScript(h.dir, 'fine.sh', 'echo done');
    h.job('pg', [
      `BACKUP_ALERT_SCRIPT=${script}`,
      'BACKUP_ALERT_TYPE=daily',
      `BACKUP_ALERT_PING_URL=${pgCheck.base}/ping/${pgCheck.uuid}`,
    ]);
    h.job('files', [`BACKUP_ALERT_SCRIPT=${script}`, 'BACKUP_ALERT_TYPE=daily']);
    const main = { BACKUP_ALERT_PING_URL: `${mainCheck.base}/ping/${mainCheck.uuid}` };
    expect((await h.cli(['run', '--job', 'pg'], main)).exitCode).toBe(0);
    expect((await h.cli(['run', '--job', 'files'], main)).exitCode).toBe(0);
    // pg reached its own check only; files, with no URL of its own, the main one.
    expect(pgCheck.pings.map((p) => [p.action, p.status])).toEqual([
      ['/start', 200],
      ['', 200],
    ]);
    expect(mainCheck.pings.map((p) => [p.action, p.status])).toEqual([
      ['/start', 200],
      ['', 200],
    ]);
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
