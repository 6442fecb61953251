import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunJson } from '../../src/commands/reading.js';
import type { TypeStatus } from '../../src/commands/status.js';
import type { BackupType, RunStatus } from '../../src/shared/run-result.js';
import { Store } from '../../src/store/store.js';
import { runMain } from '../helpers/cli.js';
import { finishRun, readRuns } from '../helpers/db.js';
import { tempDir } from '../helpers/tmp.js';

/** The injected clock: every test looks at the database from this instant. */
const NOW = new Date('2026-03-10T12:00:00.000Z');
const HOUR = 3_600_000;

interface Seed {
  type: BackupType;
  status: RunStatus;
  /** Hours before NOW the run started. */
  hoursAgo: number;
  durationMs?: number;
  exitCode?: number | null;
  error?: string | null;
  host?: string;
  pid?: number;
}

function setup(seeds: Seed[]) {
  const cwd = tempDir();
  const db = join(cwd, 'state', 'backup-alert.db');
  const store = Store.open(db);
  const ids: string[] = [];
  try {
    for (const seed of seeds) {
      const started = new Date(NOW.getTime() - seed.hoursAgo * HOUR);
      const { backupId } = store.runs.insert(
        {
          type: seed.type,
          startedAt: started.toISOString(),
          script: '/opt/backup/backup.sh',
          host: seed.host ?? 'db1',
          pid: seed.pid ?? 4242,
          logPathTemplate: join(cwd, 'state', 'runs', '{id}.log'),
        },
        started,
      );
      ids.push(backupId);
      if (seed.status === 'running') continue;
      const durationMs = seed.durationMs ?? 60_000;
      const failed = seed.status !== 'success';
      finishRun(store, backupId, {
        status: seed.status,
        finishedAt: new Date(started.getTime() + durationMs).toISOString(),
        durationMs,
        exitCode: seed.exitCode !== undefined ? seed.exitCode : failed ? 3 : 0,
        signal: null,
        errorMessage:
          seed.error !== undefined
            ? seed.error
            : failed
              ? 'Backup script failed with exit code 3: disk full'
              : null,
        outputTail: 'tail',
      });
    }
  } finally {
    store.close();
  }
  const cli = (args: string[], env: Record<string, string> = {}) =>
    runMain([...args, '--db', db], { cwd, now: () => NOW, env });
  return { cwd, db, ids, cli };
}

function parseJson<T>(text: string): T {
  return JSON.parse(text) as T;
}

interface StatusJson {
  healthy: boolean;
  checkedAt: string;
  maxAgeMs: number | null;
  types: TypeStatus[];
}

const RUN_KEYS = [
  'backupId',
  'job',
  'type',
  'status',
  'startedAt',
  'finishedAt',
  'durationMs',
  'exitCode',
  'signal',
  'errorMessage',
  'host',
  'script',
  'logPath',
  'artifactPath',
  'artifactBytes',
].sort();

describe('history', () => {
  const seeds: Seed[] = [
    { type: 'daily', status: 'success', hoursAgo: 72 },
    { type: 'weekly', status: 'success', hoursAgo: 60 },
    { type: 'daily', status: 'failure', hoursAgo: 48 },
    { type: 'daily', status: 'success', hoursAgo: 24 },
    { type: 'monthly', status: 'failure', hoursAgo: 12 },
    { type: 'daily', status: 'success', hoursAgo: 1 },
  ];

  it('lists runs newest first as a table', async () => {
    const { cli, ids } = setup(seeds);
    const result = await cli(['history']);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^BACKUP ID\s+JOB\s+TYPE\s+STATUS\s+STARTED \(UTC\)\s+DURATION\s+SIZE\s+EXIT\s+ERROR$/,
    );
    expect(lines.slice(1).map((line) => line.split(/\s+/)[0])).toEqual([...ids].reverse());
    expect(lines[1]).toContain('2026-03-10 11:00:00');
    expect(lines[1]).toContain('1m');
    expect(result.stdout).toContain('Backup script failed with exit code 3: disk full');
  });

  it('--json is an array of runs with camelCase keys, newest first', async () => {
    const { cli, ids, cwd } = setup(seeds);
    const result = await cli(['history', '--json']);
    expect(result.exitCode).toBe(0);
    const runs = parseJson<RunJson[]>(result.stdout);
    expect(runs.map((run) => run.backupId)).toEqual([...ids].reverse());
    for (const run of runs) expect(Object.keys(run).sort()).toEqual(RUN_KEYS);
    expect(runs[0]).toEqual({
      backupId: ids[5],
      job: 'daily',
      type: 'daily',
      status: 'success',
      startedAt: '2026-03-10T11:00:00.000Z',
      finishedAt: '2026-03-10T11:01:00.000Z',
      durationMs: 60_000,
      exitCode: 0,
      signal: null,
      errorMessage: null,
      host: 'db1',
      script: '/opt/backup/backup.sh',
      logPath: join(cwd, 'state', 'runs', `${ids[5]}.log`),
      artifactPath: null,
      artifactBytes: null,
    });
    expect(runs[1]).toMatchObject({
      type: 'monthly',
      status: 'failure',
      exitCode: 3,
      errorMessage: 'Backup script failed with exit code 3: disk full',
    });
  });

  it('--status, --type and --limit filter (and combine)', async () => {
    const { cli, ids } = setup(seeds);
    const json = async (args: string[]) => {
      const result = await cli(['history', '--json', ...args]);
      expect(result.exitCode).toBe(0);
      return parseJson<RunJson[]>(result.stdout).map((run) => run.backupId);
    };
    expect(await json(['--status', 'failure'])).toEqual([ids[4], ids[2]]);
    expect(await json(['--type', 'daily'])).toEqual([ids[5], ids[3], ids[2], ids[0]]);
    expect(await json(['--type', 'daily', '--status', 'success'])).toEqual([ids[5], ids[3], ids[0]]);
    expect(await json(['--limit', '2'])).toEqual([ids[5], ids[4]]);
    expect(await json(['--type', 'daily', '--limit', '1'])).toEqual([ids[5]]);
    expect(await json(['--status', 'running'])).toEqual([]);
  });

  it('says so when nothing matches', async () => {
    const { cli } = setup(seeds);
    const result = await cli(['history', '--type', 'manual']);
    expect(result).toMatchObject({ exitCode: 0, stdout: 'No runs match.\n' });
  });

  it.each([['0'], ['-1'], ['abc'], ['1.5']])('--limit %s is a usage error (exit 2)', async (limit) => {
    const { cli } = setup(seeds);
    const result = await cli(['history', '--limit', limit]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`invalid --limit "${limit}"`);
    expect(result.stdout).toBe('');
  });

  it('a bad --status or --type is a usage error (exit 2)', async () => {
    const { cli } = setup(seeds);
    expect((await cli(['history', '--status', 'failed'])).exitCode).toBe(2);
    expect((await cli(['history', '--type', 'hourly'])).exitCode).toBe(2);
  });

  it('with no database yet: a message, exit 0, `[]` with --json, and no database created', async () => {
    const cwd = tempDir();
    const db = join(cwd, 'state', 'backup-alert.db');
    const text = await runMain(['history', '--db', db], { cwd, now: () => NOW });
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toBe(`No runs recorded yet (${db} does not exist).\n`);
    const json = await runMain(['history', '--json', '--db', db], { cwd, now: () => NOW });
    expect(json).toMatchObject({ exitCode: 0, stdout: '[]\n' });
    expect(existsSync(db)).toBe(false);
  });

  it('marks a running row left by a dead wrapper on this host as abandoned when it opens the database', async () => {
    const dead = spawnSync('true');
    expect(dead.status).toBe(0);
    const { cli, db, ids } = setup([
      { type: 'daily', status: 'success', hoursAgo: 30 },
      { type: 'daily', status: 'running', hoursAgo: 2, host: 'test-host', pid: dead.pid },
      // A live PID (the process that started this test worker): left alone.
      { type: 'weekly', status: 'running', hoursAgo: 1, host: 'test-host', pid: process.ppid },
      // Another host's PID means nothing here: left alone.
      { type: 'monthly', status: 'running', hoursAgo: 1, host: 'other-host', pid: dead.pid },
    ]);
    const result = await cli(['history', '--json']);
    expect(result.exitCode).toBe(0);
    const runs = parseJson<RunJson[]>(result.stdout);
    const abandoned = runs.find((run) => run.backupId === ids[1]);
    expect(abandoned).toMatchObject({
      status: 'abandoned',
      finishedAt: NOW.toISOString(),
      errorMessage: `Backup wrapper (PID ${dead.pid}) died before the run finished; outcome unknown`,
    });
    expect(result.stderr).toContain(ids[1]);
    const stored = readRuns(db);
    expect(stored.map((row) => row.status)).toEqual(['success', 'abandoned', 'running', 'running']);
    // Only once: the next command finds nothing left to mark.
    const again = await cli(['history', '--json']);
    expect(again.stderr).toBe('');
  });
});

describe('status', () => {
  it('a fresh success is healthy: exit 0', async () => {
    const { cli } = setup([
      { type: 'daily', status: 'failure', hoursAgo: 25 },
      { type: 'daily', status: 'success', hoursAgo: 2 },
    ]);
    const result = await cli(['status', '--max-age', '26h']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^JOB\s+TYPE\s+HEALTH/);
    expect(result.stdout).toMatch(/daily\s+OK\s+BKP-20260310-100000-daily\s+success\s+1h 59m ago\s+0/);
  });

  it('the latest run failed: exit 1, naming the run and its error', async () => {
    const { cli, ids } = setup([
      { type: 'daily', status: 'success', hoursAgo: 25 },
      { type: 'daily', status: 'failure', hoursAgo: 1 },
    ]);
    const result = await cli(['status']);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain(
      `daily: latest run ${ids[1]} failure (1 in a row): Backup script failed with exit code 3: disk full`,
    );
  });

  it('an abandoned latest run counts as failed', async () => {
    const { cli } = setup([{ type: 'daily', status: 'abandoned', hoursAgo: 1 }]);
    expect((await cli(['status'])).exitCode).toBe(1);
  });

  it('a success older than --max-age is stale: exit 1 (and fine without --max-age)', async () => {
    const { cli } = setup([{ type: 'daily', status: 'success', hoursAgo: 30 }]);
    const stale = await cli(['status', '--max-age', '26h']);
    expect(stale.exitCode).toBe(1);
    expect(stale.stdout).toContain('daily: last success 1d 5h 59m ago, older than 26h');
    expect((await cli(['status'])).exitCode).toBe(0);
    expect((await cli(['status', '--max-age', '31h'])).exitCode).toBe(0);
  });

  it('a type that never ran is unhealthy when asked for: --type weekly --max-age 8d exits 1', async () => {
    const { cli } = setup([{ type: 'daily', status: 'success', hoursAgo: 1 }]);
    const result = await cli(['status', '--type', 'weekly', '--max-age', '8d']);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('weekly: no run recorded');
    const json = parseJson<StatusJson>((await cli(['status', '--type', 'weekly', '--json'])).stdout);
    expect(json.types).toMatchObject([{ type: 'weekly', health: 'never', latestRun: null }]);
  });

  it('with no database at all: exit 1 (nothing has ever been backed up)', async () => {
    const cwd = tempDir();
    const db = join(cwd, 'backup-alert.db');
    const result = await runMain(['status', '--db', db], { cwd, now: () => NOW });
    expect(result).toMatchObject({ exitCode: 1, stdout: 'No backup run recorded yet.\n' });
    const nagios = await runMain(['status', '--nagios', '--db', db], { cwd, now: () => NOW });
    expect(nagios).toMatchObject({ exitCode: 2, stdout: 'CRITICAL - no backup run recorded\n' });
    expect(existsSync(db)).toBe(false);
  });

  it('--json has healthy, types[].health, consecutiveFailures and escalate', async () => {
    const { cli, ids } = setup([
      { type: 'daily', status: 'success', hoursAgo: 3 },
      { type: 'weekly', status: 'success', hoursAgo: 100 },
      { type: 'weekly', status: 'failure', hoursAgo: 50 },
      { type: 'weekly', status: 'failure', hoursAgo: 2 },
    ]);
    const result = await cli(['status', '--json', '--max-age', '26h']);
    expect(result.exitCode).toBe(1);
    const json = parseJson<StatusJson>(result.stdout);
    expect(json).toMatchObject({ healthy: false, checkedAt: NOW.toISOString(), maxAgeMs: 26 * HOUR });
    expect(json.types.map((t) => t.type)).toEqual(['daily', 'weekly']);
    const [daily, weekly] = json.types;
    expect(daily).toEqual({
      job: 'daily',
      type: 'daily',
      health: 'ok',
      latestRun: expect.objectContaining({ backupId: ids[0], status: 'success' }),
      runningRun: null,
      latestSuccess: expect.objectContaining({ backupId: ids[0] }),
      successAgeMs: 3 * HOUR - 60_000,
      consecutiveFailures: 0,
      escalate: false,
      size: null,
    });
    expect(Object.keys(daily?.latestRun ?? {}).sort()).toEqual(RUN_KEYS);
    expect(weekly).toMatchObject({
      type: 'weekly',
      health: 'failed',
      latestRun: { backupId: ids[3], status: 'failure' },
      latestSuccess: { backupId: ids[1] },
      consecutiveFailures: 2,
      escalate: false,
    });

    const healthy = await cli(['status', '--json', '--type', 'daily']);
    expect(healthy.exitCode).toBe(0);
    expect(parseJson<StatusJson>(healthy.stdout)).toMatchObject({ healthy: true, maxAgeMs: null });
  });

  it('health follows the latest finished run: an overlap refused while the real run went on does not outlive its success', async () => {
    const { cli, ids } = setup([
      // The real run: started 5 h ago, succeeded 3 h ago.
      { type: 'daily', status: 'success', hoursAgo: 5, durationMs: 2 * HOUR },
      // Cron fired again 4 h ago while it ran: refused (exit 75), recorded as a failure.
      {
        type: 'daily',
        status: 'failure',
        hoursAgo: 4,
        durationMs: 0,
        exitCode: 75,
        error: 'Another run of /opt/backup/backup.sh is still in progress (PID 1, backup ID x, held for 1h)',
      },
    ]);
    const nagios = await cli(['status', '--nagios', '--type', 'daily', '--max-age', '26h']);
    expect(nagios.stdout).toMatch(/^OK - daily: last success 3h ago/);
    expect(nagios.exitCode).toBe(0);
    const json = parseJson<StatusJson>((await cli(['status', '--json'])).stdout);
    expect(json.types[0]).toMatchObject({
      health: 'ok',
      latestRun: { backupId: ids[0] },
      consecutiveFailures: 0,
    });
  });

  it('a run in progress does not hide the failure before it: failed until it finishes', async () => {
    const { cli, ids } = setup([
      { type: 'daily', status: 'failure', hoursAgo: 3 },
      { type: 'daily', status: 'running', hoursAgo: 1, host: 'other-host' },
    ]);
    const result = await cli(['status', '--json', '--type', 'daily']);
    expect(result.exitCode).toBe(1);
    expect(parseJson<StatusJson>(result.stdout).types[0]).toMatchObject({
      health: 'failed',
      latestRun: { backupId: ids[0], status: 'failure' },
      runningRun: { backupId: ids[1], status: 'running' },
    });
  });

  it('--nagios prints one OK line and exits 0', async () => {
    const { cli } = setup([
      { type: 'daily', status: 'success', hoursAgo: 2 },
      { type: 'weekly', status: 'success', hoursAgo: 48 },
    ]);
    const result = await cli(['status', '--nagios', '--max-age', '8d']);
    expect(result).toMatchObject({ exitCode: 0, stderr: '' });
    expect(result.stdout).toBe(
      "OK - daily: last success 1h 59m ago; weekly: last success 1d 23h 59m ago | 'daily_age'=7140s 'daily_failures'=0 'weekly_age'=172740s 'weekly_failures'=0\n",
    );
  });

  it('--nagios prints CRITICAL and exits 2 on a failure or a stale type', async () => {
    const { cli, ids } = setup([
      { type: 'daily', status: 'failure', hoursAgo: 2 },
      { type: 'weekly', status: 'success', hoursAgo: 24 * 9 },
    ]);
    const result = await cli(['status', '--nagios', '--max-age', '8d']);
    expect(result.exitCode).toBe(2);
    expect(result.stdout.split('\n')).toHaveLength(2);
    expect(result.stdout).toMatch(/^CRITICAL - /);
    expect(result.stdout).toContain(`daily: latest run ${ids[0]} failure (1 in a row)`);
    expect(result.stdout).toContain('weekly: last success 8d 23h 59m ago, older than 8d');
    expect(result.stdout).toContain("'daily_age'=U 'daily_failures'=1");
  });

  it('--nagios keeps a "|" in an error message out of the status text (it starts the perfdata)', async () => {
    const { cli } = setup([
      {
        type: 'daily',
        status: 'failure',
        hoursAgo: 2,
        error: 'Backup script failed with exit code 2: tar cf - /data | gzip: broken pipe',
      },
    ]);
    const result = await cli(['status', '--nagios']);
    expect(result.exitCode).toBe(2);
    const [text, perf, ...rest] = result.stdout.trimEnd().split('|');
    expect(rest).toEqual([]);
    expect(text).toContain('tar cf - /data');
    expect(text).toContain('gzip: broken pipe');
    expect(perf?.trim()).toBe("'daily_age'=U 'daily_failures'=1");
  });

  it('--json and --nagios together are a usage error', async () => {
    const { cli } = setup([{ type: 'daily', status: 'success', hoursAgo: 1 }]);
    expect((await cli(['status', '--json', '--nagios'])).exitCode).toBe(2);
  });

  it.each([['soon'], ['0s'], ['-1h']])('--max-age %s is a usage error (exit 2)', async (maxAge) => {
    const { cli } = setup([{ type: 'daily', status: 'success', hoursAgo: 1 }]);
    const result = await cli(['status', `--max-age=${maxAge}`]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--max-age');
  });

  it('three failures in a row are marked as a Level 2 escalation; two are not', async () => {
    const two = setup([
      { type: 'daily', status: 'success', hoursAgo: 96 },
      { type: 'daily', status: 'failure', hoursAgo: 48 },
      { type: 'daily', status: 'failure', hoursAgo: 24 },
    ]);
    const twoResult = await two.cli(['status']);
    expect(twoResult.exitCode).toBe(1);
    expect(twoResult.stdout).not.toContain('Level 2');

    const three = setup([
      { type: 'daily', status: 'success', hoursAgo: 96 },
      { type: 'daily', status: 'failure', hoursAgo: 72 },
      { type: 'daily', status: 'abandoned', hoursAgo: 48 },
      { type: 'daily', status: 'failure', hoursAgo: 24 },
    ]);
    const text = await three.cli(['status']);
    expect(text.exitCode).toBe(1);
    expect(text.stdout).toMatch(/daily\s+FAILED\s+\S+\s+failure\s+3d 23h 59m ago\s+3 \(Level 2: escalate\)/);
    expect(text.stdout).toContain('(3 in a row, Level 2 escalation)');
    const json = parseJson<StatusJson>((await three.cli(['status', '--json'])).stdout);
    expect(json.types[0]).toMatchObject({ consecutiveFailures: 3, escalate: true });
    const nagios = await three.cli(['status', '--nagios']);
    expect(nagios.stdout).toContain('Level 2 escalation');
    // BACKUP_ALERT_ESCALATE_AFTER moves the threshold.
    const later = parseJson<StatusJson>(
      (await three.cli(['status', '--json'], { BACKUP_ALERT_ESCALATE_AFTER: '5' })).stdout,
    );
    expect(later.types[0]).toMatchObject({ consecutiveFailures: 3, escalate: false });
  });
});
