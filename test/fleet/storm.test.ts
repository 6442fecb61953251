import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorClassOf } from '../../src/alert/error-class.js';
import { migrateFleet } from '../../src/fleet/migrate.js';
import { openCentrePool } from '../../src/fleet/pool.js';
import { CentreReadModel } from '../../src/fleet/read-model.js';
import { claimStorm, claimStormReminder, claimStormUpdates, type StormClaim } from '../../src/fleet/storm.js';
import { statusReport } from '../../src/serve/health.js';
import { dashboard } from '../../src/serve/page/dashboard.js';
import { MESSAGES } from '../../src/serve/page/i18n.js';
import { runMain } from '../helpers/cli.js';
import { fleetConfig } from '../helpers/fleet.js';
import { scriptedServer } from '../helpers/http.js';
import { type PgCluster, startPostgres } from '../helpers/postgres.js';
import { tempDir, writeScript } from '../helpers/tmp.js';

const EXAMPLES = fileURLToPath(new URL('../../examples/fleet/', import.meta.url));
const ADMIN_PASSWORD = 'admin-Secret-1';

let cluster: PgCluster;
let admin: string;
const url = (user: string) => cluster.url({ user, password: `${user}-pw-123`, database: 'backup_alert' });

beforeAll(async () => {
  cluster = await startPostgres();
  const runExample = async (file: string, vars: Record<string, string>, database = 'backup_alert') => {
    // psql's subset the examples use, without psql (npm test needs no OS program; the
    // interop tier checks the same files against the real psql).
    await cluster.runSqlFile(database, `${EXAMPLES}${file}`, vars);
  };
  await runExample('roles.sql', { admin_password: ADMIN_PASSWORD }, 'postgres');
  admin = cluster.url({ user: 'backup_alert_admin', password: ADMIN_PASSWORD, database: 'backup_alert' });
  await migrateFleet(fleetConfig(admin), { version: 'test' });
  await runExample('grants.sql', {});
  for (const host of ['db01', 'db02']) await runExample('add-host.sql', { host, password: `${host}-pw-123` });
});
afterAll(async () => {
  await cluster?.destroy();
});

let ids = 0;
function claim(host: string, target: string, extra: Partial<StormClaim> = {}): StormClaim {
  ids++;
  return {
    host,
    job: 'daily',
    backupId: `BKP-20260310-0300${String(ids).padStart(2, '0')}-daily`,
    target,
    errorClass: 'exit 32: mount: connection timed out',
    error: 'Backup script failed with exit code 32: mount: Connection timed out',
    failedAt: new Date().toISOString(),
    windowMs: 60_000,
    after: 1,
    ...extra,
  };
}

describe('storm claims at the centre (schema 5, SECURITY DEFINER)', () => {
  it('the first host is alone, the next leads the storm, the rest are members', async () => {
    const first = await claimStorm(fleetConfig(url('db01'), { host: 'db01' }), claim('db01', 'nfs-a'), 5000);
    expect(first).toMatchObject({ role: 'alone', stormId: null });
    const second = await claimStorm(fleetConfig(url('db02'), { host: 'db02' }), claim('db02', 'nfs-a'), 5000);
    expect(second).toMatchObject({
      role: 'lead',
      hostCount: 2,
      kind: 'target',
      label: 'nfs-a',
      leaderHost: 'db02',
    });
    const third = await claimStorm(fleetConfig(url('db01'), { host: 'db01' }), claim('db01', 'nfs-a'), 5000);
    expect(third).toMatchObject({ role: 'member', stormId: second.stormId, leaderHost: 'db02' });
  });

  it('a host role may claim only for itself, and cannot read or write the storm tables', async () => {
    await expect(
      claimStorm(fleetConfig(url('db01'), { host: 'db01' }), claim('db02', 'nfs-b'), 5000),
    ).rejects.toThrow(/may not act for host db02|permission/);
    const client = new pg.Client({ connectionString: url('db01') });
    await client.connect();
    try {
      await expect(client.query('SELECT * FROM storms')).rejects.toThrow(/permission denied/);
      await expect(client.query("DELETE FROM storm_failures WHERE host = 'db02'")).rejects.toThrow(
        /permission denied/,
      );
    } finally {
      await client.end();
    }
  });

  it('12 simultaneous claims on one key: exactly one alone, one leader, 10 members; the update is claimed once', async () => {
    const fleet = fleetConfig(admin);
    const decisions = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        claimStorm(fleet, claim(`h${i}`, 'nfs-c', { windowMs: 1500 }), 20_000),
      ),
    );
    const roles = decisions.map((decision) => decision.role).sort();
    expect(roles.filter((role) => role === 'alone')).toHaveLength(1);
    expect(roles.filter((role) => role === 'lead')).toHaveLength(1);
    expect(roles.filter((role) => role === 'member')).toHaveLength(10);
    expect(new Set(decisions.filter((d) => d.stormId).map((d) => d.stormId)).size).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    const [a, b] = await Promise.all([
      claimStormUpdates(fleet, 'h1', 5000),
      claimStormUpdates(fleet, 'h2', 5000),
    ]);
    const updates = [...a!, ...b!].filter((update) => update.label === 'nfs-c');
    expect(updates).toHaveLength(1);
    expect(updates[0]!.hostCount).toBe(12);
  });

  it('a single host failing alone alerts at once, exactly as without a centre; the second leads with a summary', async () => {
    const dir = tempDir();
    const hook = await scriptedServer([{ status: 200 }]);
    const fail = writeScript(dir, 'fail.sh', 'echo "mount: nfs-d: Connection timed out" >&2; exit 32');
    const env = (host: string, withCentre: boolean) => ({
      NODE_ENV: 'test',
      BACKUP_ALERT_DB: join(dir, `${host}-${withCentre}.db`),
      BACKUP_ALERT_HOST: host,
      BACKUP_ALERT_WEBHOOK_URL: hook.url,
      BACKUP_ALERT_TARGET: 'nfs-d',
      ...(withCentre ? { BACKUP_ALERT_DATABASE_URL: url(host) } : {}),
    });
    await runMain(['run', '--type', 'daily', '--script', fail], { env: env('db01', false) });
    const started = Date.now();
    const alone = await runMain(['run', '--type', 'daily', '--script', fail], { env: env('db01', true) });
    expect(alone.exitCode).toBe(32);
    expect(hook.requests).toHaveLength(2);
    const [plain, centred] = [hook.json(0), hook.json(1)] as Array<{ error: string; subject: string }>;
    expect(centred!.error).toBe(plain!.error);
    expect(centred!.error).toBe('Backup script failed with exit code 32: mount: nfs-d: Connection timed out');
    expect(Date.now() - started).toBeLessThan(10_000);

    const lead = await runMain(['run', '--type', 'daily', '--script', fail], { env: env('db02', true) });
    expect(lead.stderr).toMatch(/Storm #\d+: 2 hosts failed on target nfs-d; this host sends the summary/);
    expect((hook.json(2) as { error: string }).error).toBe(
      '2 hosts failed: target nfs-d: Backup script failed with exit code 32: mount: nfs-d: Connection timed out',
    );
    const member = await runMain(['run', '--type', 'daily', '--script', fail], { env: env('db01', true) });
    expect(member.exitCode).toBe(32);
    expect(member.stderr).toMatch(/is part of storm #\d+ \(2 hosts on target nfs-d\); db02 sent the summary/);
    expect(hook.requests).toHaveLength(3);

    // status --fleet shows the storm as one row, not one per host.
    const status = await runMain(['status', '--fleet'], {
      env: { NODE_ENV: 'test', BACKUP_ALERT_DB: join(dir, 'reader.db'), BACKUP_ALERT_DATABASE_URL: admin },
    });
    const lines = status.stdout.split('\n');
    expect(lines.filter((line) => /\bSTORM\b/.test(line))).toHaveLength(1);
    expect(lines.find((line) => /\bSTORM\b/.test(line))).toMatch(/2 hosts .*target nfs-d/);
    expect(lines.filter((line) => /^db0[12]\s/.test(line))).toEqual([]);
    expect(status.stdout).toMatch(/storm #\d+: 2 hosts failed on target nfs-d since .* \(2 still failed\)/);
    expect(status.exitCode).toBe(1);

    // The dashboard over the centre shows it as one row too, read as the monitoring reader.
    await cluster.runSqlFile('backup_alert', `${EXAMPLES}add-reader.sql`, {
      reader: 'dash',
      password: 'dash-pw-123',
    });
    const pool = await openCentrePool(url('dash'), {
      timeoutMs: 10_000,
      max: 1,
      applicationName: 'test',
      secrets: [],
    });
    try {
      const model = new CentreReadModel(pool);
      const storms = (await model.storms()).filter((storm) => storm.label === 'nfs-d');
      expect(storms).toEqual([
        { kind: 'target', label: 'nfs-d', job: 'daily', hostCount: 2, openedAt: expect.any(String) },
      ]);
      const page = String(
        dashboard(
          {
            report: statusReport([], { now: new Date(), escalateAfter: 3 }),
            failures: [],
            undelivered: { total: 0, items: [] },
            storms,
          },
          { messages: MESSAGES.en, langQuery: '', now: new Date() },
        ),
      );
      expect(page.match(/data-storm-label="nfs-d"/g)).toHaveLength(1);
      expect(page).toContain('Storm: daily failed on 2 hosts — target nfs-d');
    } finally {
      await pool.close();
    }
  });
});

describe("a storm's reminders (schema 7): one per storm, fleet-wide", () => {
  it('reminder N is claimed by the first host of the storm only; no host claims for another or outside it', async () => {
    const as = (host: string) => fleetConfig(url(host), { host });
    await claimStorm(as('db01'), claim('db01', 'nfs-r'), 5000);
    const lead = await claimStorm(as('db02'), claim('db02', 'nfs-r'), 5000);
    const stormId = lead.stormId!;
    const first = await claimStormReminder(as('db01'), 'db01', stormId, 1, 5000);
    expect(first).toMatchObject({ claimed: true, hostCount: 2, kind: 'target', label: 'nfs-r' });
    // Neither host shipped a success of the failed job since: both still fail.
    expect(first.stillFailing).toBe(2);
    expect(first.hosts).toEqual(['db01', 'db02']);
    expect(await claimStormReminder(as('db02'), 'db02', stormId, 1, 5000)).toMatchObject({ claimed: false });
    expect(await claimStormReminder(as('db02'), 'db02', stormId, 2, 5000)).toMatchObject({ claimed: true });
    await expect(claimStormReminder(as('db01'), 'db02', stormId, 3, 5000)).rejects.toThrow(
      /may not act for host db02/,
    );
    const other = await claimStorm(fleetConfig(admin), claim('x9', 'nfs-s'), 5000);
    expect(other.role).toBe('alone');
    await expect(claimStormReminder(fleetConfig(admin), 'x9', stormId, 3, 5000)).rejects.toThrow(
      /host x9 is not in storm/,
    );
  });

  it('the hosts of a storm come due together: watch on each sends one reminder for the storm, not one each', async () => {
    const dir = tempDir();
    const hook = await scriptedServer([{ status: 200 }]);
    const fail = writeScript(dir, 'fail.sh', 'echo "mount: nfs-t: Connection timed out" >&2; exit 32');
    // Hosts of its own: another test's runs as db01 came from other local databases.
    for (const host of ['st1', 'st2', 'st3', 'st4']) {
      await cluster.runSqlFile('backup_alert', `${EXAMPLES}add-host.sql`, {
        host,
        password: `${host}-pw-123`,
      });
    }
    const hosts = ['st1', 'st2', 'st3', 'st4'];
    const env = (host: string) => ({
      NODE_ENV: 'test',
      BACKUP_ALERT_DB: join(dir, `${host}.db`),
      BACKUP_ALERT_HOST: host,
      BACKUP_ALERT_WEBHOOK_URL: hook.url,
      BACKUP_ALERT_TARGET: 'nfs-t',
      BACKUP_ALERT_REMIND: '4h',
      BACKUP_ALERT_DATABASE_URL: url(host),
    });
    const runs: string[] = [];
    for (const host of hosts) {
      const run = await runMain(['run', '--type', 'daily', '--script', fail], { env: env(host) });
      expect(run.exitCode).toBe(32);
      runs.push(run.stderr);
    }
    // st1 alone (before the storm), st2 leads with the summary, st3 and st4 send nothing.
    expect(hook.requests, runs.join('\n')).toHaveLength(2);
    const later = new Date(Date.now() + 5 * 3_600_000);
    const watches = [];
    for (const host of hosts) watches.push(await runMain(['watch'], { env: env(host), now: () => later }));
    // st1 reminds alone (its failure was not folded); one reminder speaks for the storm.
    const reminders = hook.requests
      .slice(2)
      .map((_, i) => hook.json(i + 2) as { event: string; error: string });
    expect(reminders.map((r) => r.event)).toEqual(['backup_reminder', 'backup_reminder']);
    expect(reminders[1]!.error).toMatch(/^4 hosts still failing: target nfs-t \(st1, st2, st3, st4\): /);
    expect(watches[2]!.stderr).toMatch(/Reminder #1 of storm #\d+ was sent by another host/);
    // The next round: again one for the storm.
    const next = new Date(later.getTime() + 5 * 3_600_000);
    for (const host of hosts) await runMain(['watch'], { env: env(host), now: () => next });
    expect(hook.requests).toHaveLength(6);
  });
});

describe('storm claims are serialised per key', () => {
  it('a claim waits for an uncommitted one on the same key, and then sees it (one transaction each)', async () => {
    const a = new pg.Client({ connectionString: admin });
    await a.connect();
    try {
      const sql = 'SELECT role FROM claim_storm($1, $2, $3, $4, $5, $6, $7, $8, $9)';
      const args = (host: string) => {
        const c = claim(host, 'nfs-e');
        return [c.host, c.job, c.backupId, c.target, c.errorClass, c.error, c.failedAt, c.windowMs, c.after];
      };
      await a.query('BEGIN');
      expect((await a.query(sql, args('x1'))).rows[0].role).toBe('alone');
      const second = claimStorm(fleetConfig(admin), claim('x2', 'nfs-e'), 10_000);
      await new Promise((resolve) => setTimeout(resolve, 500));
      await a.query('COMMIT');
      expect((await second).role).toBe('lead');
    } finally {
      await a.end();
    }
  });
});

describe('error class', () => {
  it('keeps the exit code and what is common; drops hosts, numbers, backup IDs', () => {
    const run = (host: string, message: string) => ({ host, exitCode: 32, errorMessage: message });
    const a = errorClassOf(
      run(
        'db17',
        'Backup script failed with exit code 32: mount 10.0.0.5:/backup on db17: Connection timed out after 30 s',
      ),
    );
    const b = errorClassOf(
      run(
        'web3',
        'Backup script failed with exit code 32: mount 10.0.0.6:/backup on web3: Connection timed out after 31 s',
      ),
    );
    expect(a).toBe('exit 32: mount #.#.#.#:/backup on <host>: connection timed out after # s');
    expect(b).toBe(a);
    expect(
      errorClassOf({
        host: 'x',
        exitCode: 1,
        errorMessage: 'Backup script failed with exit code 1: disk full',
      }),
    ).not.toBe(a);
  });
});
