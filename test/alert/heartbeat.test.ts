import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resendPendingPings, startHeartbeat } from '../../src/alert/heartbeat.js';
import { PING_SUPERSEDED } from '../../src/alert/ping-rows.js';
import type { PingSettings } from '../../src/config/metrics.js';
import { createLogger } from '../../src/shared/logger.js';
import { Redactor } from '../../src/shared/redact.js';
import type { RunResult } from '../../src/shared/run-result.js';
import { Store } from '../../src/store/store.js';
import { sampleAlert } from '../helpers/alert.js';
import { readNotifications } from '../helpers/db.js';
import { startHealthchecks, startUptimeKuma } from '../helpers/healthchecks.js';
import { closedPort } from '../helpers/net.js';
import { tempDir } from '../helpers/tmp.js';

const NOW = new Date('2026-03-01T03:05:00.000Z');

function fixture(settings: PingSettings) {
  const dbPath = join(tempDir(), 'backup-alert.db');
  const store = Store.open(dbPath);
  const log: string[] = [];
  const logger = createLogger({
    write: (line) => log.push(line),
    level: 'info',
    redactor: new Redactor([settings.url]),
  });
  const ctx = { settings, logger, journal: store, now: () => NOW, timeoutMs: 5000, ping: { baseDelayMs: 5 } };
  return { ctx, store, dbPath, log };
}

const failure = sampleAlert({
  backupId: 'BKP-1',
  exitCode: 3,
  durationMs: 65_000,
  error: 'Backup script failed with exit code 3: disk full',
  outputTail: `${'x'.repeat(2000)}\ntar: No space left on device\n`,
}).run;
const success = (durationMs = 65_000): RunResult => ({
  ...failure,
  status: 'success',
  exitCode: 0,
  durationMs,
  errorMessage: null,
  outputTail: '',
});

describe('a run heartbeat', () => {
  it('sends /start, then /<code> with the same rid and the tail within the start answer’s limit; records it', async () => {
    const server = await startHealthchecks({ bodyLimit: 500 });
    const { ctx, store, dbPath, log } = fixture({
      url: `${server.base}/ping/${server.uuid}`,
      format: 'healthchecks',
    });
    try {
      const heartbeat = startHeartbeat(ctx, { backupId: 'BKP-20260301-030000-daily', type: 'daily' });
      const { result } = await heartbeat.finish(failure);
      expect(result).toMatchObject({ ok: true, status: 200 });
      expect(server.pings.map((p) => [p.action, p.query.get('rid')])).toEqual([
        ['/start', heartbeat.rid],
        ['/3', heartbeat.rid],
      ]);
      const body = server.pings[1]!.body;
      expect(Buffer.byteLength(body)).toBeLessThanOrEqual(500);
      expect(body.startsWith('Backup script failed with exit code 3: disk full\n')).toBe(true);
      expect(body.endsWith('tar: No space left on device\n')).toBe(true);
      expect(log).toEqual([]);
    } finally {
      store.close();
    }
    const [row] = readNotifications(dbPath);
    expect(row).toMatchObject({
      channel: 'ping',
      status: 'sent',
      recipient: `${server.base}/…`,
      backup_id: 'BKP-20260301-030000-daily',
      notification_type: 'backup_ping_failure',
    });
    expect(JSON.stringify(row)).not.toContain(server.uuid);
  });

  it('is one [WARN] line when the service is down, and the finish is kept pending for retry', async () => {
    const port = await closedPort();
    const url = `http://127.0.0.1:${port}/ping/0e9bd8a8-secret-uuid`;
    const { ctx, store, dbPath, log } = fixture({ url, format: 'healthchecks' });
    try {
      await startHeartbeat(ctx, { backupId: 'BKP-1', type: 'daily' }).finish(failure);
    } finally {
      store.close();
    }
    expect(log).toHaveLength(1);
    expect(log[0]).toMatch(
      /^\[WARN\] \[Heartbeat\] Could not send the failure ping to http:\/\/127\.0\.0\.1:\d+\/…: cannot reach .*ECONNREFUSED; kept for `backup-alert retry`\n$/,
    );
    const [row] = readNotifications(dbPath);
    expect(row).toMatchObject({ channel: 'ping', status: 'pending' });
    expect(JSON.stringify(row)).not.toContain('secret-uuid');
  });

  it('fails for good on an unknown check (404), with one [WARN] that says why', async () => {
    const server = await startHealthchecks();
    const { ctx, store, dbPath, log } = fixture({
      url: `${server.base}/ping/6a4b1e36-0000-4000-8000-00000000dead`,
      format: 'healthchecks',
    });
    try {
      await startHeartbeat(ctx, { backupId: 'BKP-1', type: 'daily' }).finish(success());
    } finally {
      store.close();
    }
    expect(log).toHaveLength(1);
    expect(log[0]).toContain('no such check: the ping URL names an unknown UUID or slug');
    expect(log[0]).not.toContain('kept for');
    expect(readNotifications(dbPath)[0]).toMatchObject({ status: 'failed' });
  });

  it('does not let a silent start ping hold the finish back', async () => {
    const server = await startHealthchecks();
    server.override('hang');
    const { ctx, store, log } = fixture({
      url: `${server.base}/ping/${server.uuid}`,
      format: 'healthchecks',
    });
    try {
      const { result } = await startHeartbeat(ctx, { backupId: 'BKP-1', type: 'daily' }).finish(success());
      expect(result).toMatchObject({ ok: true });
      expect(log).toHaveLength(1);
      expect(log[0]).toMatch(/The start ping to .* failed \(no answer in time\); the finish was sent/);
    } finally {
      store.close();
    }
  });

  it('speaks Uptime Kuma: no start, one push at the end', async () => {
    const kuma = await startUptimeKuma();
    const { ctx, store, log } = fixture({ url: kuma.pushUrl, format: 'uptime-kuma' });
    try {
      await startHeartbeat(ctx, { backupId: 'BKP-1', type: 'daily' }).finish(success(1234));
      expect(
        kuma.pushes.map((p) => [p.query.get('status'), p.query.get('msg'), p.query.get('ping')]),
      ).toEqual([['up', 'BKP-1 succeeded in 1s', '1234']]);
      expect(log).toEqual([]);
    } finally {
      store.close();
    }
  });
});

describe('retry of pending pings', () => {
  it('sends only the newest; older ones are superseded', async () => {
    const port = await closedPort();
    const down = fixture({ url: `http://127.0.0.1:${port}/ping/x`, format: 'healthchecks' });
    for (const backupId of ['BKP-1', 'BKP-2', 'BKP-3']) {
      await startHeartbeat(down.ctx, { backupId, type: 'daily' }).finish(failure);
    }
    const server = await startHealthchecks();
    const settings: PingSettings = { url: `${server.base}/ping/${server.uuid}`, format: 'healthchecks' };
    try {
      const items = await resendPendingPings({ ...down.ctx, settings });
      expect(items.map((i) => [i.backupId, i.status])).toEqual([
        ['BKP-1', 'superseded'],
        ['BKP-2', 'superseded'],
        ['BKP-3', 'sent'],
      ]);
      expect(server.pings.map((p) => p.action)).toEqual(['/3']);
    } finally {
      down.store.close();
    }
    const rows = readNotifications(down.dbPath);
    expect(rows.map((r) => [r.backup_id, r.status, r.error_message])).toEqual([
      ['BKP-1', 'failed', PING_SUPERSEDED],
      ['BKP-2', 'failed', PING_SUPERSEDED],
      ['BKP-3', 'sent', null],
    ]);
  });

  it('keeps pings pending when no ping URL is configured now, and a new delivered ping supersedes them', async () => {
    const port = await closedPort();
    const down = fixture({ url: `http://127.0.0.1:${port}/ping/x`, format: 'healthchecks' });
    await startHeartbeat(down.ctx, { backupId: 'BKP-1', type: 'daily' }).finish(failure);
    expect(await resendPendingPings({ ...down.ctx, settings: undefined })).toMatchObject([
      { status: 'skipped' },
    ]);
    const server = await startHealthchecks();
    const up = {
      ...down.ctx,
      settings: { url: `${server.base}/ping/${server.uuid}`, format: 'healthchecks' as const },
    };
    await startHeartbeat(up, { backupId: 'BKP-2', type: 'daily' }).finish({
      ...failure,
      status: 'success',
      exitCode: 0,
    });
    down.store.close();
    expect(readNotifications(down.dbPath).map((r) => [r.backup_id, r.status])).toEqual([
      ['BKP-1', 'failed'],
      ['BKP-2', 'sent'],
    ]);
  });
});
