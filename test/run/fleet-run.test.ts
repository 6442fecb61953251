import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runMain } from '../helpers/cli.js';
import { centreCount, freshCentre } from '../helpers/fleet.js';
import { closedPort } from '../helpers/net.js';
import { type PgCluster, startPostgres } from '../helpers/postgres.js';
import { tempDir, writeScript } from '../helpers/tmp.js';

// The fleet wired into the commands: run ships at its end, sync ships the rest,
// status --fleet and history --fleet read the centre; the centre down changes nothing.

let cluster: PgCluster;
beforeAll(async () => {
  cluster = await startPostgres();
}, 120_000);
afterAll(async () => {
  await cluster?.destroy();
});

describe('run and sync against the centre', () => {
  it('a run ships its row at the end; status --fleet and history --fleet read it back', async () => {
    const database = await freshCentre(cluster);
    const url = cluster.url({ database });
    const dir = tempDir();
    const db = join(dir, 'x.db');
    const fail = writeScript(dir, 'fail.sh', 'echo "disk full" >&2; exit 3');
    const env = {
      BACKUP_ALERT_DATABASE_URL: url,
      BACKUP_ALERT_HOST: 'db-east-1',
      BACKUP_ALERT_EXPECT: 'daily=26h',
    };
    const run = await runCli(['run', '--type', 'daily', '--script', fail, '--db', db], { env });
    expect(run.exitCode).toBe(3);
    expect(await centreCount(cluster, database, 'backup_logs')).toBe(1);
    const [row] = await cluster.query<{ host: string; status: string; exit_code: number }>(
      'SELECT host, status, exit_code FROM backup_logs',
      [],
      database,
    );
    expect(row).toEqual({ host: 'db-east-1', status: 'failure', exit_code: 3 });

    const status = await runMain(['status', '--fleet', '--nagios', '--db', db], { env });
    expect(status.exitCode).toBe(2);
    expect(status.stdout).toMatch(/^CRITICAL - .*db-east-1/);
    const history = await runMain(['history', '--fleet', '--json', '--db', db], { env });
    expect(history.exitCode).toBe(0);
    expect(JSON.parse(history.stdout)).toMatchObject([
      { host: 'db-east-1', type: 'daily', status: 'failure' },
    ]);
    expect(run.stderr + status.stdout + history.stdout).not.toContain(cluster.superPassword);
  });

  it('the centre down: the run keeps its exit code, one [WARN], the backlog waits; sync ships it later', async () => {
    const database = await freshCentre(cluster);
    const dir = tempDir();
    const db = join(dir, 'x.db');
    const ok = writeScript(dir, 'ok.sh', 'echo ok');
    const down = `postgres://u:secret-pw-77@127.0.0.1:${await closedPort()}/nowhere`;
    const run = await runMain(['run', '--type', 'daily', '--script', ok, '--db', db], {
      env: { BACKUP_ALERT_DATABASE_URL: down },
    });
    expect(run.exitCode).toBe(0);
    expect(run.stderr.match(/\[WARN\] \[Fleet\]/g)).toHaveLength(1);
    expect(run.stderr).not.toContain('secret-pw-77');
    const sync = await runMain(['sync', '--db', db], {
      env: { BACKUP_ALERT_DATABASE_URL: cluster.url({ database }) },
    });
    expect(sync.exitCode).toBe(0);
    expect(await centreCount(cluster, database, 'backup_logs')).toBe(1);
    const again = await runMain(['sync', '--db', db], {
      env: { BACKUP_ALERT_DATABASE_URL: cluster.url({ database }) },
    });
    expect(again.exitCode).toBe(0);
    expect(await centreCount(cluster, database, 'backup_logs')).toBe(1);
  });

  it('fleet hosts lists the host with its promise; without a URL the fleet commands say what to set', async () => {
    const database = await freshCentre(cluster);
    const dir = tempDir();
    const db = join(dir, 'x.db');
    const ok = writeScript(dir, 'ok.sh', 'echo ok');
    const env = {
      BACKUP_ALERT_DATABASE_URL: cluster.url({ database }),
      BACKUP_ALERT_HOST: 'h1',
      BACKUP_ALERT_EXPECT: 'daily=26h',
    };
    expect((await runMain(['run', '--type', 'daily', '--script', ok, '--db', db], { env })).exitCode).toBe(0);
    const hosts = await runMain(['fleet', 'hosts', '--json', '--db', db], { env });
    expect(hosts.exitCode).toBe(0);
    expect(JSON.parse(hosts.stdout)).toMatchObject([{ host: 'h1' }]);
    const none = await runMain(['fleet', 'hosts', '--db', db]);
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toContain('BACKUP_ALERT_DATABASE_URL');
    const nagios = await runMain(['status', '--fleet', '--nagios', '--db', db]);
    expect(nagios).toMatchObject({ exitCode: 3 });
    expect(nagios.stdout).toMatch(/^UNKNOWN - /);
  });
});
