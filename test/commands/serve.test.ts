import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { serveCommand } from '../../src/commands/serve.js';
import type { CommandContext } from '../../src/context.js';
import type { RunningServer } from '../../src/serve/server.js';
import { UsageError } from '../../src/shared/errors.js';
import type { Store } from '../../src/store/store.js';
import { fakeSignals } from '../helpers/cli.js';
import { commandContext } from '../helpers/context.js';
import { NOW, seedFleet } from '../helpers/serve.js';
import { tempDir } from '../helpers/tmp.js';

const ADMIN = 'serve-admin-token-0123456789';

function context(dbPath: string, env: Record<string, string> = {}, openStore?: () => Store) {
  const { ctx, out } = commandContext(
    { BACKUP_ALERT_DB: dbPath, BACKUP_ALERT_LANG: 'en', ...env },
    { now: () => NOW, hostname: 'serve-host', username: 'operator' },
  );
  if (openStore) ctx.openStore = openStore;
  // Everything the command wrote, log lines and output alike, in order.
  const log = { join: (separator: string) => [out.stdout, out.stderr].join(separator) };
  return { ctx, log };
}

/** Runs serveCommand until `use` is done with the server, then sends SIGTERM; returns the exit code. */
async function serving(
  ctx: CommandContext,
  use: (server: RunningServer) => Promise<void>,
  listen = '127.0.0.1:0',
) {
  const signals = fakeSignals();
  let failure: unknown;
  const code = await serveCommand({ listen }, ctx, signals, {
    sendTestEmail: async () => ({ ok: true }),
    metricsText: async (store) =>
      `backup_alert_runs ${store.db.prepare('SELECT count(*) FROM backup_logs').pluck().get() as number}\n`,
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

describe('serveCommand', () => {
  it('serves the database, logs where, audits a test e-mail, and stops on SIGTERM with exit 0', async () => {
    const { dbPath } = seedFleet(tempDir());
    const { ctx, log } = context(dbPath, { BACKUP_ALERT_ADMIN_TOKEN: ADMIN });
    const code = await serving(ctx, async (server) => {
      const list = await fetch(new URL('/api/v1/backups?status=failure&limit=10', server.url), {
        headers: { Authorization: `Bearer ${ADMIN}` },
      });
      expect(((await list.json()) as { data: { total: number } }).data.total).toBe(12);
      const sent = await fetch(new URL('/api/v1/notifications/test-email', server.url), {
        method: 'POST',
        headers: { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json' },
        body: '{"email":"admin@company.com"}',
      });
      expect(sent.status).toBe(200);
      const metrics = await fetch(new URL('/metrics', server.url), {
        headers: { Authorization: `Bearer ${ADMIN}` },
      });
      expect(await metrics.text()).toBe('backup_alert_runs 26\n');
    });
    expect(code).toBe(0);
    const text = log.join('');
    expect(text).toMatch(
      /\[INFO\] \[Serve\] Listening on http:\/\/127\.0\.0\.1:\d+\/ \(API .*bearer tokens required\)/,
    );
    expect(text).toContain('[INFO] [Serve] SIGTERM received; finishing requests in flight, then stopping');
    expect(text).not.toContain(ADMIN);
    const db = new Database(dbPath, { readonly: true });
    const audit = db
      .prepare("SELECT * FROM backup_audit_logs WHERE operation = 'test-email' ORDER BY id DESC")
      .get() as {
      username: string;
      ip_address: string;
      status: string;
      details: string;
    };
    db.close();
    expect(audit).toMatchObject({ username: 'operator (api)', ip_address: 'serve-host', status: 'success' });
    expect(JSON.parse(audit.details)).toEqual({ to: 'admin@company.com', via: 'api', remote: '127.0.0.1' });
  });

  it('judges the local dashboard by BACKUP_ALERT_EXPECT and shows BACKUP_ALERT_TIMEZONE beside UTC', async () => {
    const { dbPath } = seedFleet(tempDir());
    const { ctx, log } = context(dbPath, {
      BACKUP_ALERT_EXPECT: 'daily=26h,monthly=32d',
      BACKUP_ALERT_TIMEZONE: 'Asia/Tokyo',
    });
    await serving(ctx, async (server) => {
      const page = await (await fetch(server.url)).text();
      const cell = (host: string, type: string) =>
        new RegExp(
          `<td class="cell h-(\\w+)" data-host="${host}" data-job="[^"]*" data-type="${type}">`,
        ).exec(page)?.[1];
      // mail1's last daily success is 80 h old: overdue against 26 h; it never ran a monthly.
      expect(cell('mail1', 'daily')).toBe('stale');
      expect(cell('mail1', 'monthly')).toBe('never');
      expect(cell('files1', 'daily')).toBe('ok');
      expect(page).toContain('<span class="local-time">2026-03-10 21:00:00 +09:00 (Asia/Tokyo)</span>');
    });
    expect(log.join('')).toContain('[INFO] [Serve] Reading the local database');
  });

  it('refuses a non-loopback --listen without a token before creating a database', async () => {
    const dbPath = join(tempDir(), 'new', 'backup-alert.db');
    const { ctx } = context(dbPath);
    await expect(serveCommand({ listen: '0.0.0.0:8080' }, ctx, fakeSignals())).rejects.toThrow(UsageError);
    expect(existsSync(dbPath)).toBe(false);
  });

  it('falls back to read-only when the database cannot be opened for writing', async () => {
    const { dbPath } = seedFleet(tempDir());
    const { ctx, log } = context(dbPath, {}, () => {
      throw new Error('EACCES: permission denied');
    });
    const code = await serving(ctx, async (server) => {
      const status = await fetch(new URL('/api/v1/status', server.url));
      expect(status.status).toBe(200);
    });
    expect(code).toBe(0);
    expect(log.join('')).toContain('Database opened read-only (EACCES: permission denied)');
  });

  it('says how to upgrade a read-only database with an older schema', async () => {
    const dbPath = join(tempDir(), 'old.db');
    const old = new Database(dbPath);
    old.exec('CREATE TABLE backup_logs (id INTEGER PRIMARY KEY); PRAGMA user_version = 1;');
    old.close();
    const { ctx } = context(dbPath, {}, () => {
      throw new Error('EACCES: permission denied');
    });
    await expect(serveCommand({}, ctx, fakeSignals())).rejects.toThrow(
      /run `backup-alert status` once as its owner/,
    );
  });
});
