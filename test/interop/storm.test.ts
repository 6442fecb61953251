import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateFleet } from '../../src/fleet/migrate.js';
import { Store } from '../../src/store/store.js';
import { ALERTMANAGER, activeAlerts, startAlertmanager, waitFor } from '../helpers/alertmanager.js';
import { runMain } from '../helpers/cli.js';
import { fleetConfig, freshCentre } from '../helpers/fleet.js';
import { scriptedServer } from '../helpers/http.js';
import { type PgCluster, startPostgres } from '../helpers/postgres.js';
import { startSmtpSink } from '../helpers/smtp.js';
import { tempDir, writeScript } from '../helpers/tmp.js';

/**
 * Issue 26's storm: 300 simulated hosts (each its own state directory and database, one
 * PostgreSQL centre) fail on one target. They run in-process through main() — the whole
 * `run` (config, SQLite, the real script through execa, the storm claim, the ship to the
 * centre) — 10 at a time: 300 Node processes would spend most of the 2 shared cores
 * starting Node, and the point here is the centre and the channels, not process start-up.
 * Each host's database exists before the storm (copied from one made by `history`), as on
 * real hosts that ran yesterday: creating 300 fresh schemas is not what happens at 03:00.
 */

const HOSTS = 300;
const CONCURRENCY = 10;

let cluster: PgCluster;
let databaseUrl: string;

beforeAll(async () => {
  cluster = await startPostgres({ maxConnections: 60 });
}, 60_000);
afterAll(async () => {
  await cluster?.destroy();
});

/** Each test's hosts have their own names: a host name at the centre belongs to one local database. */
/** Each test its own centre: a storm of one test must not be another's pending update. */
async function newCentre(): Promise<void> {
  const db = await freshCentre(cluster);
  databaseUrl = cluster.url({ database: db });
  await migrateFleet(fleetConfig(databaseUrl), { version: 'test' });
}

const hostName = (target: string, i: number) => `${target}-host-${String(i).padStart(3, '0')}`;

/** When `requests` first became non-empty, polled every 20 ms until `stop()`. */
function firstArrival(requests: readonly unknown[], since: number) {
  let at: number | undefined;
  const timer = setInterval(() => {
    if (at === undefined && requests.length > 0) at = Date.now() - since;
  }, 20);
  return {
    stop: () => {
      clearInterval(timer);
      return at;
    },
  };
}

/** Runs `work` for every host, `CONCURRENCY` at a time; returns when each ran and its exit code. */
async function everyHost(
  work: (i: number) => Promise<number>,
): Promise<Array<{ at: number; exitCode: number }>> {
  const results: Array<{ at: number; exitCode: number }> = new Array(HOSTS);
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < HOSTS) {
        const i = next++;
        const exitCode = await work(i);
        results[i] = { at: Date.now(), exitCode };
      }
    }),
  );
  return results;
}

async function centreQuery<T extends pg.QueryResultRow>(sql: string, args: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<T>(sql, args)).rows;
  } finally {
    await client.end();
  }
}

/** Every host's failure is at the centre once, and once in the storm. */
async function expectEveryHostOnce(target: string, since: Date): Promise<void> {
  const runs = await centreQuery<{ host: string; n: string }>(
    `SELECT host, count(*) AS n FROM backup_logs WHERE status = 'failure' AND started_at >= $1 GROUP BY host`,
    [since],
  );
  expect(runs).toHaveLength(HOSTS);
  expect(runs.every((row) => Number(row.n) === 1)).toBe(true);
  const failures = await centreQuery<{ n: string }>(
    `SELECT count(DISTINCT host) AS n FROM storm_failures WHERE storm_key = $1`,
    [`target:${target}`],
  );
  expect(Number(failures[0]!.n)).toBe(HOSTS);
}

/** A migrated, empty local database (as `run` creates it) to copy into every host's state directory. */
function templateDb(dir: string): string {
  const path = join(dir, 'template.db');
  Store.open(path).close();
  return path;
}

function hostEnv(dir: string, i: number, target: string, extra: Record<string, string>, template?: string) {
  const home = join(dir, hostName(target, i));
  if (!existsSync(home)) {
    mkdirSync(home, { recursive: true });
    if (template) copyFileSync(template, join(home, 'backup-alert.db'));
  }
  return {
    NODE_ENV: 'test',
    BACKUP_ALERT_DB: join(home, 'backup-alert.db'),
    BACKUP_ALERT_HOST: hostName(target, i),
    BACKUP_ALERT_TARGET: target,
    BACKUP_ALERT_DATABASE_URL: databaseUrl,
    BACKUP_ALERT_NOTIFY_TIMEOUT: '20s',
    ...extra,
  };
}

describe(`a storm of ${HOSTS} hosts (real PostgreSQL, real Alertmanager)`, () => {
  it('through Alertmanager: the receiver gets at most 3 notifications; recovering all 300 leaves 0 active', async () => {
    expect(existsSync(ALERTMANAGER), 'sudo apt-get install prometheus-alertmanager').toBe(true);
    await newCentre();
    const dir = tempDir();
    const receiver = await scriptedServer([{ status: 200 }]);
    // A storm longer than group_wait: the first notification carries the first hosts, the
    // next (group_interval later) the rest. Shorter than production's 30s/5m to keep the test short.
    const am = await startAlertmanager(dir, receiver.url, { groupWait: '20s', groupInterval: '2m' });
    const template = templateDb(dir);
    const fail = writeScript(
      dir,
      'fail.sh',
      'echo "mount: nfs-am:/backup: Connection timed out" >&2; exit 32',
    );
    const ok = writeScript(dir, 'ok.sh', 'exit 0');
    const extra = { BACKUP_ALERT_ALERTMANAGER_URL: am.url };
    for (let i = 0; i < HOSTS; i++) hostEnv(dir, i, 'nfs-am', extra, template);
    const started = new Date();
    const first = firstArrival(receiver.requests, started.getTime());
    const failed = await everyHost(async (i) => {
      const result = await runMain(['run', '--type', 'daily', '--script', fail], {
        env: hostEnv(dir, i, 'nfs-am', extra),
      });
      return result.exitCode;
    });
    const spreadMs = Math.max(...failed.map((r) => r.at)) - started.getTime();
    expect(failed.every((r) => r.exitCode === 32)).toBe(true);
    const active = await activeAlerts(am.url);
    expect(active).toHaveLength(HOSTS);
    // Every one of the 300 alerts reaches the receiver, in few notifications.
    const notified = () =>
      new Set(
        receiver.requests.flatMap((request) =>
          (JSON.parse(request.body) as { alerts: Array<{ labels: { host: string } }> }).alerts.map(
            (alert) => alert.labels.host,
          ),
        ),
      ).size;
    await waitFor(async () => (notified() === HOSTS ? true : undefined), 300_000, 'all 300 hosts notified');
    const firstMessageMs = first.stop();
    const notifications = receiver.requests.length;
    expect(notifications).toBeLessThanOrEqual(3);
    const firstBody = JSON.parse(receiver.requests[0]!.body) as {
      alerts: unknown[];
      groupLabels: Record<string, string>;
    };
    expect(firstBody.groupLabels).toEqual({ alertname: 'BackupFailed', target: 'nfs-am' });
    await expectEveryHostOnce('nfs-am', started);

    const recovered = await everyHost(async (i) => {
      const result = await runMain(['run', '--type', 'daily', '--script', ok], {
        env: hostEnv(dir, i, 'nfs-am', extra),
      });
      return result.exitCode;
    });
    expect(recovered.every((r) => r.exitCode === 0)).toBe(true);
    expect(await activeAlerts(am.url)).toHaveLength(0);
    console.log(
      `storm/alertmanager: ${HOSTS} failures in ${spreadMs} ms, ${notifications} notification(s) (${firstBody.alerts.length} alerts in the first), first after ${firstMessageMs} ms`,
    );
  }, 600_000);

  it('without Alertmanager: each channel sink gets at most 3 messages (alone, summary, update)', async () => {
    await newCentre();
    const dir = tempDir();
    const hook = await scriptedServer([{ status: 200 }]);
    const smtp = await startSmtpSink();
    const fail = writeScript(
      dir,
      'fail.sh',
      'echo "mount: nfs-pg:/backup: Connection timed out" >&2; exit 32',
    );
    const windowS = 120;
    const template = templateDb(dir);
    const extra = {
      BACKUP_ALERT_WEBHOOK_URL: hook.url,
      BACKUP_ALERT_EMAIL: 'ops@example.com',
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(smtp.port),
      BACKUP_ALERT_STORM_WINDOW: `${windowS}s`,
    };
    for (let i = 0; i < HOSTS; i++) hostEnv(dir, i, 'nfs-pg', extra, template);
    const started = new Date();
    const first = firstArrival(hook.requests, started.getTime());
    const failed = await everyHost(async (i) => {
      const result = await runMain(['run', '--type', 'daily', '--script', fail], {
        env: hostEnv(dir, i, 'nfs-pg', extra),
      });
      return result.exitCode;
    });
    const firstMessageMs = first.stop();
    const spreadMs = Math.max(...failed.map((r) => r.at)) - started.getTime();
    expect(failed.every((r) => r.exitCode === 32)).toBe(true);
    expect(spreadMs).toBeLessThan(windowS * 1000);
    // The first host alone, the second host's summary (hosts run 10 at a time: the two
    // deliveries may arrive in either order).
    expect(hook.requests).toHaveLength(2);
    expect(smtp.mails).toHaveLength(2);
    const errors = [0, 1].map((i) => (hook.json(i) as { error: string }).error);
    expect(
      errors.filter((error) =>
        /^2 hosts failed: target nfs-pg: Backup script failed with exit code 32/.test(error),
      ),
    ).toHaveLength(1);
    expect(errors.filter((error) => /^Backup script failed with exit code 32: /.test(error))).toHaveLength(1);
    await expectEveryHostOnce('nfs-pg', started);

    // The window ends; the next `retry` on any host sends the final count, once.
    const storm = await centreQuery<{ window_ends_at: Date }>(
      "SELECT window_ends_at FROM storms WHERE storm_key = 'target:nfs-pg'",
    );
    expect(storm).toHaveLength(1);
    const wait = storm[0]!.window_ends_at.getTime() - Date.now() + 500;
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    await Promise.all([7, 8, 9].map((i) => runMain(['retry'], { env: hostEnv(dir, i, 'nfs-pg', extra) })));
    expect(hook.requests).toHaveLength(3);
    expect((hook.json(2) as { error: string }).error).toMatch(
      new RegExp(`^${HOSTS} hosts failed in total: target nfs-pg \\(nfs-pg-host-000, nfs-pg-host-001, `),
    );
    await smtp.waitForMails(3, 10_000);
    expect(smtp.mails).toHaveLength(3);
    console.log(
      `storm/centre: ${HOSTS} failures in ${spreadMs} ms, ${hook.requests.length} webhook and ${smtp.mails.length} e-mail messages, first after ${firstMessageMs} ms`,
    );
  }, 600_000);
});
