import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCentre } from '../../src/commands/doctor/fleet-checks.js';
import { fleetHostsCommand, fleetMigrateCommand } from '../../src/commands/fleet.js';
import { fleetHistoryCommand } from '../../src/commands/fleet-history.js';
import { fleetStatusCommand } from '../../src/commands/fleet-status.js';
import { syncCommand } from '../../src/commands/sync.js';
import { Store } from '../../src/store/store.js';
import { logLines } from '../helpers/cli.js';
import { commandContext as baseContext } from '../helpers/context.js';
import { fleetConfig, freshCentre, recordDays, recordRun } from '../helpers/fleet.js';
import { closedPort } from '../helpers/net.js';
import { type PgCluster, startPostgres } from '../helpers/postgres.js';
import { tempDir } from '../helpers/tmp.js';

const H = 3_600_000;
const PASSWORD = 'Sup3r-secret-pw';

let cluster: PgCluster;
beforeAll(async () => {
  cluster = await startPostgres();
  await cluster.createRole('owner', PASSWORD);
  await cluster.createRole('stranger', PASSWORD);
});
const onCleanup: Array<() => void> = [];
afterAll(async () => {
  for (const cleanup of onCleanup) cleanup();
  await cluster?.destroy();
});

/** A centre owned by `owner`, and a local database with a backlog of `days` daily runs. */
async function setup(days = 3, fail: (i: number) => boolean = () => false) {
  const database = await freshCentre(cluster, 'owner');
  const url = cluster.url({ user: 'owner', password: PASSWORD, database });
  const dbPath = join(tempDir(), 'backup-alert.db');
  const store = Store.open(dbPath);
  recordDays(store, days, new Date(Date.now() - H), fail);
  store.close();
  return { database, url, dbPath };
}

function expectNoSecret(text: string, url: string): void {
  expect(text).not.toContain(PASSWORD);
  expect(text).not.toContain(url);
}

/** A command context over the local database at `dbPath`, with the real clock. */
function commandContext(dbPath: string, options: { tty?: boolean } = {}) {
  const { ctx, out } = baseContext(
    { BACKUP_ALERT_DB: dbPath },
    { now: () => new Date(), stdoutIsTTY: options.tty ?? false, cwd: dirname(dbPath) },
  );
  return { ctx, stdout: () => out.stdout, stderr: () => out.stderr };
}

describe('syncCommand', () => {
  it('exit 0 and silent when everything shipped; a summary on a terminal', async () => {
    const { url, dbPath } = await setup();
    const first = commandContext(dbPath);
    expect(await syncCommand({}, first.ctx, fleetConfig(url))).toBe(0);
    expect(first.stdout()).toBe('');
    // Once, on the host that happened to create the centre's schema.
    expect(logLines(first.stderr()).join('\n')).toBe('[INFO] [Fleet] Centre schema migrated to version 6\n');
    const store = Store.open(dbPath);
    recordRun(store, { startedAt: new Date() });
    store.close();
    const quiet = commandContext(dbPath);
    expect(await syncCommand({}, quiet.ctx, fleetConfig(url))).toBe(0);
    expect(quiet.stdout()).toBe('');
    expect(quiet.stderr()).toBe('');
    const tty = commandContext(dbPath, { tty: true });
    expect(await syncCommand({ jitter: '0' }, tty.ctx, fleetConfig(url))).toBe(0);
    expect(tty.stdout()).toBe('Shipped 0 rows to the centre as db1; 0 left.\n');
  });

  it('exit 1 with one warning when the centre is down; the rows wait', async () => {
    const { dbPath } = await setup();
    const url = `postgres://owner:${PASSWORD}@127.0.0.1:${await closedPort()}/fleet`;
    const { ctx, stdout, stderr } = commandContext(dbPath);
    expect(await syncCommand({}, ctx, fleetConfig(url))).toBe(1);
    expect(stdout()).toBe('');
    expect(logLines(stderr()).join('\n')).toMatch(
      /^\[WARN\] \[Fleet\] Sync to the centre failed \(ECONNREFUSED\): .*; 3 rows wait for the next sync\n$/,
    );
    expectNoSecret(stderr(), url);
  });

  it('no centre configured, or a bad flag: a usage error', async () => {
    const { dbPath } = await setup();
    const { ctx } = commandContext(dbPath);
    await expect(syncCommand({}, ctx, undefined)).rejects.toThrow(/BACKUP_ALERT_DATABASE_URL/);
    await expect(syncCommand({ timeout: 'soon' }, ctx, fleetConfig('postgres://u:p@h/d'))).rejects.toThrow(
      /invalid --timeout/,
    );
  });
});

describe('fleet migrate', () => {
  it('creates the schema once, then says it is up to date; never prints the password', async () => {
    const database = await freshCentre(cluster, 'owner');
    const url = cluster.url({ user: 'owner', password: PASSWORD, database });
    const first = commandContext(join(tempDir(), 'x.db'));
    expect(await fleetMigrateCommand({}, first.ctx, fleetConfig(url))).toBe(0);
    expect(first.stdout()).toMatch(
      /^Migrated the centre \(postgres:\/\/owner@127\.0\.0\.1:\d+\/centre_\S+\) from schema version 0 to 6\.\n$/,
    );
    const again = commandContext(join(tempDir(), 'x.db'));
    expect(await fleetMigrateCommand({}, again.ctx, fleetConfig(url))).toBe(0);
    expect(again.stdout()).toContain('is up to date: schema version 6');
    expectNoSecret(first.stdout() + again.stdout(), url);
  });

  it('a role that may not create tables: exit 1, one line', async () => {
    const database = await freshCentre(cluster, 'owner');
    const url = cluster.url({ user: 'stranger', password: PASSWORD, database });
    const { ctx, stderr } = commandContext(join(tempDir(), 'x.db'));
    expect(await fleetMigrateCommand({}, ctx, fleetConfig(url))).toBe(1);
    // Not PostgreSQL's "permission denied for schema public" / "must be owner of index": the cure.
    expect(stderr()).toMatch(
      /^backup-alert: fleet migrate failed \(EPERM\): role "stranger" may not change the centre's schema: `fleet migrate` needs the owner's BACKUP_ALERT_DATABASE_URL .*\n$/,
    );
  });
});

describe('status --fleet, history --fleet, fleet hosts', () => {
  let url = '';
  let dbPath = '';
  beforeAll(async () => {
    const database = await freshCentre(cluster, 'owner');
    url = cluster.url({ user: 'owner', password: PASSWORD, database });
    const dir = mkdtempSync(join(tmpdir(), 'backup-alert-fleet-'));
    onCleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    // Eight hosts: two fine, six with a failed daily (more than a Nagios line names).
    for (let i = 0; i < 8; i++) {
      const path = join(dir, `h${i}.db`);
      const store = Store.open(path);
      recordRun(store, { startedAt: new Date(Date.now() - 2 * H) });
      if (i >= 2) {
        recordRun(store, {
          startedAt: new Date(Date.now() - H),
          status: 'failure',
          error: 'Backup script failed with exit code 1: disk | full\nsecond line',
        });
      }
      store.close();
      const { ctx } = commandContext(path);
      expect(await syncCommand({}, ctx, fleetConfig(url, { host: `h${i}` }))).toBe(0);
    }
    dbPath = join(dir, 'h0.db');
  });

  it('--nagios: CRITICAL, names the worst five hosts, perfdata counts them', async () => {
    const { ctx, stdout } = commandContext(dbPath);
    expect(await fleetStatusCommand({ nagios: true }, ctx, fleetConfig(url))).toBe(2);
    const line = stdout();
    expect(line.split('\n')).toHaveLength(2);
    expect(line).toMatch(
      /^CRITICAL - 6 of 8 hosts: h2: daily failed \(1 in a row\): Backup script failed with exit code 1: disk \/ full second line; h3: daily/,
    );
    expect(line).toContain('; and 1 more |');
    expect(line.split('|')).toHaveLength(2);
    expect(line).toMatch(
      /\| 'hosts'=8 'ok'=2 'failed'=6 'silent'=0 'stale'=0 'never'=0 'running'=0 'clash'=0\n$/,
    );
  });

  it('--nagios for one healthy host: OK; centre down or unset: UNKNOWN', async () => {
    const ok = commandContext(dbPath);
    expect(await fleetStatusCommand({ nagios: true, host: 'h0' }, ok.ctx, fleetConfig(url))).toBe(0);
    expect(ok.stdout()).toBe(
      "OK - 1 hosts, 1 backup types healthy | 'hosts'=1 'ok'=1 'failed'=0 'silent'=0 'stale'=0 'never'=0 'running'=0 'clash'=0\n",
    );
    const down = commandContext(dbPath);
    const downUrl = `postgres://owner:${PASSWORD}@127.0.0.1:${await closedPort()}/x`;
    expect(await fleetStatusCommand({ nagios: true }, down.ctx, fleetConfig(downUrl))).toBe(3);
    expect(down.stdout()).toMatch(/^UNKNOWN - cannot read the centre \(ECONNREFUSED\)/);
    expectNoSecret(down.stdout(), downUrl);
    const unset = commandContext(dbPath);
    expect(await fleetStatusCommand({ nagios: true }, unset.ctx, undefined)).toBe(3);
  });

  it('--json and the table', async () => {
    const json = commandContext(dbPath);
    expect(await fleetStatusCommand({ json: true, maxAge: '26h' }, json.ctx, fleetConfig(url))).toBe(1);
    const parsed = JSON.parse(json.stdout()) as {
      healthy: boolean;
      maxAgeMs: number;
      hosts: Array<{ host: string; health: string }>;
    };
    expect(parsed).toMatchObject({ healthy: false, maxAgeMs: 26 * H });
    expect(parsed.hosts.map((h) => `${h.host}:${h.health}`).slice(0, 3)).toEqual([
      'h0:ok',
      'h1:ok',
      'h2:failed',
    ]);
    const table = commandContext(dbPath);
    expect(await fleetStatusCommand({}, table.ctx, fleetConfig(url))).toBe(1);
    expect(table.stdout()).toMatch(/^HOST\s+TYPE\s+HEALTH\s+LATEST RUN/);
    await expect(fleetStatusCommand({ maxAge: 'x' }, table.ctx, fleetConfig(url))).rejects.toThrow(
      /--max-age/,
    );
  });

  it('history --fleet and fleet hosts', async () => {
    const history = commandContext(dbPath);
    expect(
      await fleetHistoryCommand({ limit: '3', status: 'failure', json: true }, history.ctx, fleetConfig(url)),
    ).toBe(0);
    const runs = JSON.parse(history.stdout()) as Array<{ host: string; status: string }>;
    expect(runs).toHaveLength(3);
    expect(runs.every((run) => run.status === 'failure')).toBe(true);
    await expect(fleetHistoryCommand({ limit: '0' }, history.ctx, fleetConfig(url))).rejects.toThrow(
      /--limit/,
    );
    const hosts = commandContext(dbPath);
    expect(await fleetHostsCommand({}, hosts.ctx, fleetConfig(url))).toBe(1);
    expect(hosts.stdout()).toMatch(
      /^HOST\s+HEALTH\s+LAST SEEN\s+VERSION\s+PROMISES\s+CLOCK\nh0\s+OK\s+\d+\S* ago\s+0\.1\.0\s+daily=1d 2h\s+ok\n/,
    );
  });
});

describe('doctor: checkCentre', () => {
  it('unset: one skipped line; a bad URL: one failed line that does not quote it', async () => {
    expect(await checkCentre(undefined, [], null)).toMatchObject([{ status: 'skip', id: 'centre' }]);
    const problem = {
      variable: 'BACKUP_ALERT_DATABASE_URL',
      message: 'is not a valid URL; the fleet is off',
    };
    const checks = await checkCentre(undefined, [problem], null);
    expect(checks).toMatchObject([{ status: 'fail', id: 'centre.BACKUP_ALERT_DATABASE_URL' }]);
  });

  it('reachable, schema, rights and backlog; a role not mapped to the host fails with the remedy', async () => {
    const { url, dbPath } = await setup(2);
    const store = Store.open(dbPath);
    try {
      const before = await checkCentre(fleetConfig(url), [], store.db);
      expect(before.map((c) => `${c.id}:${c.status}`)).toEqual([
        'centre:ok',
        'centre-schema:warn',
        'centre-rights:skip',
        'centre-backlog:warn',
      ]);
      expect(before[3]!.detail).toBe('2 rows waiting (2 backup_logs)');
      const { ctx } = commandContext(dbPath);
      expect(await syncCommand({}, ctx, fleetConfig(url))).toBe(0);
      const after = await checkCentre(fleetConfig(url), [], store.db);
      expect(after.map((c) => `${c.id}:${c.status}`)).toEqual([
        'centre:ok',
        'centre-schema:ok',
        'centre-rights:ok',
        'centre-backlog:ok',
      ]);
      expectNoSecret(JSON.stringify(after), url);
      // A role with the host's grants but no host_roles mapping: ship_batch will refuse it.
      const database = new URL(url).pathname.slice(1);
      await cluster.query(
        'GRANT EXECUTE ON FUNCTION ship_batch, heartbeat, ship_check, centre_schema_state TO stranger',
        [],
        database,
      );
      const strangerUrl = cluster.url({ user: 'stranger', password: PASSWORD, database });
      const stranger = await checkCentre(fleetConfig(strangerUrl), [], store.db);
      expect(stranger.find((c) => c.id === 'centre-rights')).toMatchObject({
        status: 'fail',
        remedy: expect.stringContaining('add-host.sql'),
      });
    } finally {
      store.close();
    }
  });

  it('an unreachable centre is one failed line with a remedy', async () => {
    const url = `postgres://owner:${PASSWORD}@127.0.0.1:${await closedPort()}/x`;
    const checks = await checkCentre(fleetConfig(url), [], null);
    expect(checks.map((c) => `${c.id}:${c.status}`)).toEqual(['centre:fail', 'centre-backlog:skip']);
    expect(checks[0]!.remedy).toContain('host and port');
    expectNoSecret(JSON.stringify(checks), url);
  });
});
