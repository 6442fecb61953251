import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveCommand } from '../../src/commands/serve.js';
import { defaultServePlugins } from '../../src/commands/serve-plugins.js';
import type { RunningServer } from '../../src/serve/server.js';
import { fakeSignals } from '../helpers/cli.js';
import { commandContext } from '../helpers/context.js';
import { freshCentre } from '../helpers/fleet.js';
import { closedPort } from '../helpers/net.js';
import { type PgCluster, startPostgres } from '../helpers/postgres.js';
import { NOW, WEB1_FAILURE } from '../helpers/serve.js';
import { seedCentre } from '../helpers/serve-centre.js';
import { startSmtpSink } from '../helpers/smtp.js';
import { tempDir } from '../helpers/tmp.js';

/** serve over the centre, wired as the CLI wires it (the real plugins), against a real cluster. */
const ADMIN = 'serve-admin-token-0123456789';
const H = 3_600_000;

let cluster: PgCluster;
let centre: { url: string; database: string; ids: string[] };

beforeAll(async () => {
  cluster = await startPostgres();
  // mail1 promises a daily backup within 26 h and a weekly one; web2 shares a backup ID with web1.
  centre = await seedCentre(cluster, {
    expectations: (host): Record<string, number> =>
      host === 'mail1' ? { daily: 26 * H, weekly: 8 * 24 * H } : {},
    extra: [{ host: 'web2', type: 'daily', status: 'success', hoursAgo: 3 }],
  });
}, 120_000);
afterAll(async () => {
  await cluster?.destroy();
});

function context(env: Record<string, string>) {
  const dbPath = join(tempDir(), 'local.db');
  const { ctx, out } = commandContext(
    { BACKUP_ALERT_DB: dbPath, BACKUP_ALERT_LANG: 'en', BACKUP_ALERT_ADMIN_TOKEN: ADMIN, ...env },
    { now: () => NOW, hostname: 'serve-host', username: 'operator' },
  );
  return { ctx, dbPath, log: () => out.stdout + out.stderr };
}

/** Runs serveCommand with the CLI's plugins until `use` is done, then SIGTERM. */
async function serving(
  ctx: ReturnType<typeof context>['ctx'],
  use: (server: RunningServer) => Promise<void>,
) {
  const signals = fakeSignals();
  let failure: unknown;
  const code = await serveCommand({ listen: '127.0.0.1:0' }, ctx, signals, {
    ...defaultServePlugins(ctx),
    onListening: (server) => {
      use(server)
        .catch((error: unknown) => {
          failure = error;
        })
        .finally(() => signals.emit('SIGTERM'));
    },
  });
  if (failure) throw failure;
  return code;
}

async function get(server: RunningServer, path: string) {
  const response = await fetch(new URL(path, server.url), {
    headers: { Authorization: `Bearer ${ADMIN}` },
    signal: AbortSignal.timeout(20_000),
  });
  return { status: response.status, text: await response.text() };
}

describe('serve over the centre (BACKUP_ALERT_DATABASE_URL)', () => {
  it('reads every host from the centre, says so without the password, and serves fleet-wide /metrics', async () => {
    const { ctx, log } = context({ BACKUP_ALERT_DATABASE_URL: centre.url });
    const code = await serving(ctx, async (server) => {
      const failures = JSON.parse((await get(server, '/api/v1/backups?status=failure&limit=10')).text);
      expect(failures.data.total).toBe(12);
      expect(failures.data.items[0]).toMatchObject({ host: 'web1', backupId: centre.ids[WEB1_FAILURE] });
      const metrics = await get(server, '/metrics');
      expect(metrics.status).toBe(200);
      expect(metrics.text).toContain(
        'backup_alert_runs_total{host="files1",backup_job="weekly",type="weekly",status="failure"} 3',
      );
      expect(metrics.text).toContain(
        'backup_alert_last_run_timestamp_seconds{host="mail1",backup_job="weekly",type="weekly"} 0',
      );
    });
    expect(code).toBe(0);
    const password = new URL(centre.url).password;
    expect(log()).toMatch(
      /\[INFO\] \[Serve\] Reading the centre postgres:\/\/ba_super@127\.0\.0\.1:\d+\/centre_\S+ \(every host this role may see\)/,
    );
    expect(log()).not.toContain(password);
    expect(log()).not.toContain(ADMIN);
  });

  it('judges each host by its own promise on the page, with local time; the serving host’s promise stays its own', async () => {
    const { ctx } = context({
      BACKUP_ALERT_DATABASE_URL: centre.url,
      BACKUP_ALERT_TIMEZONE: 'Asia/Tokyo',
      // This host's promise: over the centre it must not judge mail1, web1 or anyone else.
      BACKUP_ALERT_EXPECT: 'daily=1h,monthly=1h',
    });
    await serving(ctx, async (server) => {
      const page = (await get(server, '/?lang=en')).text;
      const cell = (host: string, type: string) =>
        new RegExp(
          `<td class="cell h-(\\w+)" data-host="${host}" data-job="[^"]*" data-type="${type}">`,
        ).exec(page)?.[1];
      expect(cell('mail1', 'daily')).toBe('stale');
      expect(cell('mail1', 'weekly')).toBe('never');
      expect(cell('web1', 'daily')).toBe('failed');
      expect(cell('files1', 'daily')).toBe('ok');
      expect(cell('web2', 'monthly')).toBeUndefined();
      // NOW is 12:00 UTC: 21:00 in Tokyo, beside the UTC time, never instead of it.
      expect(page).toContain(
        '2026-03-10 12:00:00 UTC</time> / <span class="local-time">2026-03-10 21:00:00 +09:00 (Asia/Tokyo)</span>',
      );
      expect(page).toContain('2026-03-10 09:00:00 UTC / 2026-03-10 18:00:00 +09:00 (Asia/Tokyo)');
      const status = JSON.parse((await get(server, '/api/v1/status?host=mail1')).text);
      expect(status.data.types.map((t: { type: string; health: string }) => [t.type, t.health])).toEqual([
        ['daily', 'stale'],
        ['weekly', 'never'],
      ]);
      // An explicit maxAge replaces the promises, as `status --fleet --max-age` does.
      const generous = JSON.parse((await get(server, '/api/v1/status?host=mail1&maxAge=30d')).text);
      expect(generous.data.types.map((t: { health: string }) => t.health)).toEqual(['ok', 'never']);
    });
  });

  it('a backup ID that two hosts share: 409 without ?host=, the right run with it, links that carry it', async () => {
    const { ctx } = context({ BACKUP_ALERT_DATABASE_URL: centre.url });
    const shared = centre.ids.at(-1)!;
    await serving(ctx, async (server) => {
      const ambiguous = await get(server, `/api/v1/backups/${shared}`);
      expect(ambiguous.status).toBe(409);
      expect(JSON.parse(ambiguous.text).error).toEqual({
        code: 'ambiguous_backup_id',
        message: `several hosts have a run ${shared} (web1, web2): add ?host=`,
      });
      const web2 = JSON.parse((await get(server, `/api/v1/backups/${shared}?host=web2`)).text);
      expect(web2.data).toMatchObject({ host: 'web2', status: 'success', notifications: [] });
      expect((await get(server, `/backups/${shared}`)).status).toBe(409);
      const page = (await get(server, `/backups/${shared}?host=web1&lang=en`)).text;
      expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect((await get(server, '/')).text).toContain(`href="/backups/${shared}?host=web1"`);
    });
  });

  it('sends a test e-mail through this host’s SMTP and audits it in this host’s database', async () => {
    const sink = await startSmtpSink();
    const { ctx, dbPath } = context({
      BACKUP_ALERT_DATABASE_URL: centre.url,
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(sink.port),
      NODE_ENV: 'test',
    });
    const before = await cluster.query<{ n: string }>(
      'SELECT count(*) AS n FROM backup_audit_logs',
      [],
      centre.database,
    );
    await serving(ctx, async (server) => {
      const sent = await fetch(new URL('/api/v1/notifications/test-email', server.url), {
        method: 'POST',
        headers: { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json' },
        body: '{"email":"admin@company.com"}',
        signal: AbortSignal.timeout(20_000),
      });
      expect(sent.status).toBe(200);
    });
    expect((await sink.waitForMails(1))[0]?.rcptTo).toEqual(['admin@company.com']);
    const db = new Database(dbPath, { readonly: true });
    const audit = db.prepare("SELECT * FROM backup_audit_logs WHERE operation = 'test-email'").all();
    db.close();
    expect(audit).toEqual([expect.objectContaining({ username: 'operator (api)', status: 'success' })]);
    // The centre learns of it when this host next syncs, like any other row.
    const after = await cluster.query<{ n: string }>(
      'SELECT count(*) AS n FROM backup_audit_logs',
      [],
      centre.database,
    );
    expect(after).toEqual(before);
  });

  it('refuses to start on a centre without its schema, saying what to run (exit 1, no password)', async () => {
    const database = await freshCentre(cluster);
    const url = cluster.url({ database });
    const { ctx, log } = context({ BACKUP_ALERT_DATABASE_URL: url });
    expect(await serveCommand({ listen: '127.0.0.1:0' }, ctx, fakeSignals(), defaultServePlugins(ctx))).toBe(
      1,
    );
    expect(log()).toMatch(
      /\[ERROR\] \[Serve\] cannot read the centre postgres:\/\/ba_super@\S+ \(ESCHEMAOLD\): .*fleet migrate/,
    );
    expect(log()).not.toContain(new URL(url).password);
  });

  it('starts while the centre is down, answers 503 (nothing of the URL), and reads again once it is up', async () => {
    const port = await closedPort();
    const down = centre.url.replace(/:\d+\//, `:${port}/`);
    const { ctx, log } = context({ BACKUP_ALERT_DATABASE_URL: down });
    await serving(ctx, async (server) => {
      const health = await get(server, '/healthz');
      expect(health.status).toBe(503);
      const list = await get(server, '/api/v1/backups');
      expect(list.status).toBe(503);
      expect(JSON.parse(list.text).error.code).toBe('unavailable');
      expect(list.text).not.toContain(String(port));
    });
    expect(log()).toContain('cannot be reached yet (ECONNREFUSED');
    expect(log()).not.toContain(new URL(centre.url).password);

    // The centre stops while serving and comes back: the pool reconnects on its own.
    const { ctx: again } = context({ BACKUP_ALERT_DATABASE_URL: centre.url });
    await serving(again, async (server) => {
      expect((await get(server, '/api/v1/backups?limit=1')).status).toBe(200);
      await cluster.stop('fast');
      try {
        expect((await get(server, '/api/v1/backups?limit=1')).status).toBe(503);
      } finally {
        await cluster.start();
      }
      expect((await get(server, '/api/v1/backups?limit=1')).status).toBe(200);
    });
  });
});
