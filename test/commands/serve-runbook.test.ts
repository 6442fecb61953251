import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { serveCommand } from '../../src/commands/serve.js';
import type { RunningServer } from '../../src/serve/server.js';
import { fakeSignals } from '../helpers/cli.js';
import { commandContext } from '../helpers/context.js';
import { NOW, seedFleet } from '../helpers/serve.js';
import { tempDir, writeScript } from '../helpers/tmp.js';

describe('POST /api/v1/backups (runbook §7.3) against serve', () => {
  it('answers 202 + Location, then 409 while that job runs, 404 for an unknown job, 403 for a reader', async () => {
    const dir = tempDir();
    const { dbPath } = seedFleet(dir);
    const marker = join(dir, 'ran');
    const script = writeScript(dir, 'slow.sh', `echo started > "${marker}"\nsleep 3`);
    const admin = 'post-backups-admin-token-0123';
    const reader = 'post-backups-read-token-0123';
    const { ctx } = commandContext(
      {
        PATH: process.env['PATH'],
        HOME: dir,
        BACKUP_ALERT_DB: dbPath,
        BACKUP_ALERT_ADMIN_TOKEN: admin,
        BACKUP_ALERT_API_TOKEN: reader,
        BACKUP_ALERT_HOST: 'serve-host',
        BACKUP_ALERT_SCRIPT: script,
      },
      { now: () => NOW, hostname: 'serve-host', username: 'operator', cwd: dir },
    );
    const signals = fakeSignals();
    let failure: unknown;
    const post = (server: RunningServer, body: string, token = admin) =>
      fetch(new URL('/api/v1/backups', server.url), {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body,
      });
    await serveCommand({ listen: '127.0.0.1:0' }, ctx, signals, {
      onListening: (server) => {
        (async () => {
          expect((await post(server, '{"type":"daily"}', reader)).status).toBe(403);
          // Two at once: one starts, the other is told the job runs (no second child for the lock to refuse).
          const both = await Promise.all([
            post(server, '{"type":"daily"}'),
            post(server, '{"type":"daily"}'),
          ]);
          expect(both.map((r) => r.status).sort()).toEqual([202, 409]);
          const first = both.find((r) => r.status === 202)!;
          const { data } = (await first.json()) as { data: { backupId: string } };
          expect(first.headers.get('location')).toBe(`/api/v1/backups/${data.backupId}`);
          const busy = await post(server, '{"type":"daily"}');
          expect(busy.status).toBe(409);
          expect(((await busy.json()) as { error: { message: string } }).error.message).toContain(
            data.backupId,
          );
          expect((await post(server, '{"job":"pg"}')).status).toBe(404);
          expect((await post(server, '{"type":"daily","job":"pg"}')).status).toBe(400);
          // The run goes on to its end as from cron: the script ran and the row says success.
          const until = Date.now() + 20_000;
          let status = 'running';
          while (status === 'running' && Date.now() < until) {
            await new Promise((resolve) => setTimeout(resolve, 200));
            const run = await fetch(new URL(first.headers.get('location')!, server.url), {
              headers: { Authorization: `Bearer ${reader}` },
            });
            status = ((await run.json()) as { data: { status: string } }).data.status;
          }
          expect(status).toBe('success');
        })()
          .catch((error: unknown) => {
            failure = error;
          })
          .finally(() => signals.emit('SIGTERM'));
      },
    });
    if (failure) throw failure;
  }, 60_000);

  it('{"job": NAME} starts `run --job NAME` from its job file: 202, the row carries the job', async () => {
    const dir = tempDir();
    const { dbPath } = seedFleet(dir);
    const jobsDir = join(dir, 'jobs');
    mkdirSync(jobsDir);
    const script = writeScript(dir, 'files.sh', 'exit 0');
    writeFileSync(join(jobsDir, 'files.env'), `BACKUP_ALERT_SCRIPT=${script}\nBACKUP_ALERT_TYPE=daily\n`);
    const admin = 'post-backups-admin-token-4567';
    const { ctx } = commandContext(
      {
        PATH: process.env['PATH'],
        HOME: dir,
        BACKUP_ALERT_DB: dbPath,
        BACKUP_ALERT_ADMIN_TOKEN: admin,
        BACKUP_ALERT_HOST: 'serve-host',
        BACKUP_ALERT_JOBS_DIR: jobsDir,
      },
      { now: () => NOW, hostname: 'serve-host', username: 'operator', cwd: dir },
    );
    const signals = fakeSignals();
    let failure: unknown;
    let backupId = '';
    await serveCommand({ listen: '127.0.0.1:0' }, ctx, signals, {
      onListening: (server) => {
        (async () => {
          const started = await fetch(new URL('/api/v1/backups', server.url), {
            method: 'POST',
            headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' },
            body: '{"job":"files"}',
          });
          expect(started.status).toBe(202);
          backupId = ((await started.json()) as { data: { backupId: string } }).data.backupId;
          const until = Date.now() + 20_000;
          while (Date.now() < until) {
            const db = new Database(dbPath, { readonly: true });
            const row = db.prepare('SELECT status FROM backup_logs WHERE backup_id = ?').get(backupId) as
              | { status: string }
              | undefined;
            db.close();
            if (row && row.status !== 'running') break;
            await new Promise((resolve) => setTimeout(resolve, 200));
          }
        })()
          .catch((error: unknown) => {
            failure = error;
          })
          .finally(() => signals.emit('SIGTERM'));
      },
    });
    if (failure) throw failure;
    const db = new Database(dbPath, { readonly: true });
    const row = db.prepare('SELECT job, type, status FROM backup_logs WHERE backup_id = ?').get(backupId);
    db.close();
    expect(row).toEqual({ job: 'files', type: 'daily', status: 'success' });
  }, 60_000);
});
