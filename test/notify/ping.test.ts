import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { pingNotification, planPingResends } from '../../src/alert/ping-rows.js';
import type { PingSettings } from '../../src/config/metrics.js';
import { sendPing } from '../../src/notify/ping.js';
import {
  cutTail,
  DEFAULT_PING_BODY_LIMIT,
  PING_CHANNEL,
  parsePingPayload,
  pingPayload,
  pingRequest,
} from '../../src/notify/ping-payload.js';
import type { NotificationRow } from '../../src/store/rows.js';
import { startHealthchecks, startUptimeKuma } from '../helpers/healthchecks.js';
import { scriptedServer } from '../helpers/http.js';
import { closedPort } from '../helpers/net.js';

const hc = (url: string): PingSettings => ({ url, format: 'healthchecks' });
const kuma = (url: string): PingSettings => ({ url, format: 'uptime-kuma' });
const bound = () => AbortSignal.timeout(10_000);
const fast = { baseDelayMs: 10 };

/** A multi-line output whose end is recognisable. */
function output(bytes: number): string {
  const line = 'rsync: copied /srv/data/chunk-0001.bin ok 日本語\n';
  return `${line.repeat(Math.ceil(bytes / Buffer.byteLength(line)))}LAST LINE: backup done\n`;
}

describe('healthchecks.io pings', () => {
  it('pairs /start and the success with one rid; the success carries the output tail', async () => {
    const server = await startHealthchecks();
    const settings = hc(`${server.base}/ping/${server.uuid}`);
    const rid = randomUUID();
    const start = await sendPing(settings, pingPayload({ event: 'start', rid }), bound());
    expect(start).toEqual({ ok: true, status: 200, attempts: 1 });
    const done = await sendPing(
      settings,
      pingPayload({
        event: 'success',
        rid,
        message: 'BKP-1 succeeded in 1m',
        outputTail: 'line 1\nline 2\n',
      }),
      bound(),
    );
    expect(done).toMatchObject({ ok: true, status: 200 });
    expect(server.pings.map((p) => [p.method, p.action, p.query.get('rid')])).toEqual([
      ['POST', '/start', rid],
      ['POST', '', rid],
    ]);
    expect(server.pings[1]?.body).toBe('BKP-1 succeeded in 1m\nline 1\nline 2\n');
  });

  it('reports a failure as /<exit code>, or /fail when there is no code in 1-255', async () => {
    const server = await startHealthchecks();
    const settings = hc(`${server.base}/ping/${server.uuid}/`);
    for (const exitCode of [3, 255, null, 0, 300]) {
      await sendPing(settings, pingPayload({ event: 'failure', rid: randomUUID(), exitCode }), bound());
    }
    expect(server.pings.map((p) => p.action)).toEqual(['/3', '/255', '/fail', '/fail', '/fail']);
  });

  it('obeys the Ping-Body-Limit of the start ping: the finish sends the end of the output within it', async () => {
    const server = await startHealthchecks({ bodyLimit: 1000 });
    const settings = hc(`${server.base}/ping/${server.uuid}`);
    const rid = randomUUID();
    const start = await sendPing(settings, pingPayload({ event: 'start', rid }), bound());
    expect(start).toMatchObject({ ok: true, bodyLimit: 1000 });
    const payload = pingPayload({
      event: 'failure',
      rid,
      exitCode: 1,
      message: 'Backup script failed with exit code 1: disk full',
      outputTail: output(50_000),
      ...(start.bodyLimit ? { bodyLimit: start.bodyLimit } : {}),
    });
    expect(Buffer.byteLength(payload.body)).toBeLessThanOrEqual(1000);
    await sendPing(settings, payload, bound());
    const stored = server.pings[1]!.body;
    expect(stored).toBe(payload.body);
    expect(stored.startsWith('Backup script failed with exit code 1: disk full\n[… ')).toBe(true);
    expect(stored.endsWith('LAST LINE: backup done\n')).toBe(true);
    expect(stored).not.toContain('\uFFFD');
  });

  it('keeps the tail within 100 kB when the server says nothing', () => {
    const payload = pingPayload({ event: 'success', rid: randomUUID(), outputTail: output(300_000) });
    expect(Buffer.byteLength(payload.body)).toBeLessThanOrEqual(DEFAULT_PING_BODY_LIMIT);
    expect(Buffer.byteLength(payload.body)).toBeGreaterThan(DEFAULT_PING_BODY_LIMIT - 100);
    expect(payload.body.endsWith('LAST LINE: backup done\n')).toBe(true);
    expect(payload.body).toMatch(/^\[… \d+ bytes cut …\]\n/);
    // A larger limit from the server never raises ours above 100 kB.
    const big = pingPayload({
      event: 'success',
      rid: 'r',
      outputTail: output(300_000),
      bodyLimit: 10_000_000,
    });
    expect(Buffer.byteLength(big.body)).toBeLessThanOrEqual(DEFAULT_PING_BODY_LIMIT);
  });

  it('cuts on whole UTF-8 characters', () => {
    const text = '日本語テキスト'.repeat(100);
    for (let limit = 1; limit < 40; limit++) {
      const tail = cutTail(text, limit);
      expect(Buffer.byteLength(tail)).toBeLessThanOrEqual(limit);
      expect(tail).not.toContain('\uFFFD');
      expect(text.endsWith(tail)).toBe(true);
    }
  });

  it('sends the body again cut to the limit a 413 announces, once', async () => {
    const server = await startHealthchecks();
    server.override({ status: 413, body: 'too large', headers: { 'Ping-Body-Limit': '50' } });
    const settings = hc(`${server.base}/ping/${server.uuid}`);
    const payload = pingPayload({ event: 'success', rid: randomUUID(), outputTail: output(5000) });
    const result = await sendPing(settings, payload, bound());
    expect(result).toMatchObject({ ok: true, attempts: 1, bodyLimit: 50 });
    expect(server.pings.map((p) => Buffer.byteLength(p.body) <= 50)).toEqual([false, true]);
    expect(server.pings[1]?.body.endsWith('LAST LINE: backup done\n')).toBe(true);
  });

  it('creates a slug check with ?create=1 (201) and keeps the parameter beside rid', async () => {
    const server = await startHealthchecks();
    const settings = hc(`${server.base}/ping/${server.pingKey}/nightly-db?create=1`);
    const rid = randomUUID();
    expect(await sendPing(settings, pingPayload({ event: 'start', rid }), bound())).toMatchObject({
      ok: true,
      status: 201,
    });
    expect(await sendPing(settings, pingPayload({ event: 'success', rid }), bound())).toMatchObject({
      status: 200,
    });
    expect(server.pings.map((p) => [p.query.get('create'), p.query.get('rid')])).toEqual([
      ['1', rid],
      ['1', rid],
    ]);
  });

  it('says an unknown check (404) or an ambiguous slug (409) is permanent, without the credential', async () => {
    const server = await startHealthchecks();
    const unknown = await sendPing(
      hc(`${server.base}/ping/${randomUUID()}`),
      pingPayload({ event: 'success', rid: randomUUID() }),
      bound(),
      fast,
    );
    expect(unknown).toEqual({
      ok: false,
      permanent: true,
      attempts: 1,
      error: `no such check: the ping URL names an unknown UUID or slug (for a slug URL, ?create=1 creates the check) (HTTP 404 from ${server.base}/…)`,
    });
    const ambiguous = await sendPing(
      hc(`${server.base}/ping/${server.pingKey}/twice`),
      pingPayload({ event: 'success', rid: randomUUID() }),
      bound(),
      fast,
    );
    expect(ambiguous).toMatchObject({ ok: false, permanent: true, attempts: 1 });
    expect(!ambiguous.ok && ambiguous.error).toContain(
      "the slug matches more than one check: use the check's UUID",
    );
    expect(JSON.stringify([unknown, ambiguous])).not.toContain(server.pingKey);
  });

  it('retries 429 and 5xx within the bound, then succeeds', async () => {
    const server = await startHealthchecks();
    server.override({ status: 429, headers: { 'Retry-After': '0' } }, { status: 502 }, { status: 500 });
    const result = await sendPing(
      hc(`${server.base}/ping/${server.uuid}`),
      pingPayload({ event: 'success', rid: randomUUID() }),
      bound(),
      fast,
    );
    expect(result).toMatchObject({ ok: true, status: 200, attempts: 4 });
    expect(server.pings).toHaveLength(4);
  });

  it('gives up after its tries on a server that keeps failing: not permanent (kept pending)', async () => {
    const server = await startHealthchecks();
    server.override({ status: 503, body: 'maintenance' }, { status: 503, body: 'maintenance' });
    const result = await sendPing(
      hc(`${server.base}/ping/${server.uuid}`),
      pingPayload({ event: 'success', rid: randomUUID() }),
      bound(),
      { ...fast, maxAttempts: 2 },
    );
    expect(result).toEqual({
      ok: false,
      permanent: false,
      attempts: 2,
      error: `HTTP 503 from ${server.base}/…: maintenance`,
    });
  });

  it('is bounded by the signal when the server accepts and never answers', async () => {
    const server = await startHealthchecks();
    server.override('hang', 'hang', 'hang', 'hang');
    const result = await sendPing(
      hc(`${server.base}/ping/${server.uuid}`),
      pingPayload({ event: 'success', rid: randomUUID() }),
      AbortSignal.timeout(300),
      fast,
    );
    expect(result).toEqual({
      ok: false,
      permanent: false,
      attempts: 1,
      error: `no answer from ${server.base}/… within the timeout`,
    });
  });

  it('retries when nothing listens, and says so without the path', async () => {
    const port = await closedPort();
    const result = await sendPing(
      hc(`http://127.0.0.1:${port}/ping/secret-uuid-value`),
      pingPayload({ event: 'success', rid: randomUUID() }),
      bound(),
      { ...fast, maxAttempts: 3 },
    );
    expect(result).toEqual({
      ok: false,
      permanent: false,
      attempts: 3,
      error: `cannot reach http://127.0.0.1:${port}/…: ECONNREFUSED`,
    });
  });

  it('returns an error for a malformed URL instead of throwing', async () => {
    const result = await sendPing(
      hc('hc-ping.com/secret-uuid'),
      pingPayload({ event: 'start', rid: 'r' }),
      bound(),
    );
    expect(result).toEqual({
      ok: false,
      permanent: true,
      attempts: 0,
      error: 'the ping URL is not a valid URL',
    });
  });

  it('does not follow a redirect (the ping URL is the credential)', async () => {
    const server = await scriptedServer([{ status: 301, headers: { location: 'http://example.invalid/' } }]);
    const result = await sendPing(hc(server.url), pingPayload({ event: 'success', rid: 'r' }), bound(), fast);
    expect(result).toMatchObject({ ok: false, permanent: true });
    expect(!result.ok && result.error).toMatch(
      /^HTTP 301 from http:\/\/127\.0\.0\.1:\d+\/… \(redirects are not followed/,
    );
    expect(JSON.stringify(result)).not.toContain(server.token);
  });
});

describe('Uptime Kuma push', () => {
  it('pushes up with the message and duration, replacing the defaults copied with the URL', async () => {
    const server = await startUptimeKuma();
    const result = await sendPing(
      kuma(server.pushUrl),
      pingPayload({ event: 'success', rid: 'r', message: 'BKP-1 succeeded', durationMs: 61_234.5 }),
      bound(),
    );
    expect(result).toMatchObject({ ok: true, status: 200 });
    const query = server.pushes[0]!.query;
    expect(server.pushes[0]?.method).toBe('GET');
    expect([query.getAll('status'), query.getAll('msg'), query.getAll('ping')]).toEqual([
      ['up'],
      ['BKP-1 succeeded'],
      ['61235'],
    ]);
  });

  it('pushes down with the error line; a run over 24 h is sent without ping (Kuma refuses it)', async () => {
    const server = await startUptimeKuma();
    const result = await sendPing(
      kuma(server.pushUrl),
      pingPayload({ event: 'failure', rid: 'r', message: 'failed:\nexit 3', durationMs: 90_000_000 }),
      bound(),
    );
    expect(result).toMatchObject({ ok: true });
    const query = server.pushes[0]!.query;
    expect([query.get('status'), query.get('msg'), query.has('ping')]).toEqual([
      'down',
      'failed: exit 3',
      false,
    ]);
  });

  it('sends no start ping (Kuma has none)', async () => {
    const server = await startUptimeKuma();
    expect(await sendPing(kuma(server.pushUrl), pingPayload({ event: 'start', rid: 'r' }), bound())).toEqual({
      ok: true,
      status: 0,
      attempts: 0,
      skipped: true,
    });
    expect(server.pushes).toEqual([]);
  });

  it('says an unknown or paused monitor (500 "Monitor not found") is permanent, without the token', async () => {
    const server = await startUptimeKuma();
    const result = await sendPing(
      kuma(`${server.base}/api/push/Wrong-Token-Secret`),
      pingPayload({ event: 'success', rid: 'r' }),
      bound(),
      fast,
    );
    expect(result).toEqual({
      ok: false,
      permanent: true,
      attempts: 1,
      error: `Uptime Kuma has no active push monitor for this URL: check the push token and that the monitor is not paused (HTTP 500 from ${server.base}/…)`,
    });
  });
});

describe('pending pings in notification_logs', () => {
  it('stores a finish ping without the URL and reads it back for retry', () => {
    const payload = pingPayload({
      event: 'failure',
      rid: randomUUID(),
      exitCode: 2,
      message: 'Backup script failed with exit code 2: x',
      outputTail: 'tail\n',
      backupId: 'BKP-20260301-030000-daily',
      type: 'daily',
    });
    const row = pingNotification(
      payload,
      { status: 'pending', error: 'HTTP 503 from https://hc-ping.com/…', attempts: 4 },
      'https://hc-ping.com/…',
      '2026-03-01T03:00:05.000Z',
    );
    expect(row).toMatchObject({
      channel: PING_CHANNEL,
      notificationType: 'backup_ping_failure',
      recipient: 'https://hc-ping.com/…',
      status: 'pending',
      backupId: 'BKP-20260301-030000-daily',
    });
    expect(row.payload).not.toMatch(/hc-ping|http/);
    expect(parsePingPayload(row.payload)).toEqual(payload);
    expect(parsePingPayload('{"kind":"failure","backupId":"x"}')).toBeUndefined();
    expect(parsePingPayload(JSON.stringify({ ...payload, event: 'start' }))).toBeUndefined();
    expect(parsePingPayload('not json')).toBeUndefined();
  });

  it('re-sends only the newest pending ping; older ones are superseded', () => {
    const row = (id: number, channel: string) => ({ id, channel }) as NotificationRow;
    const plan = planPingResends([
      row(7, PING_CHANNEL),
      row(3, PING_CHANNEL),
      row(5, 'email'),
      row(9, PING_CHANNEL),
    ]);
    expect(plan.resend?.id).toBe(9);
    expect(plan.superseded.map((r) => r.id)).toEqual([3, 7]);
    expect(planPingResends([row(1, 'slack')])).toEqual({ resend: undefined, superseded: [] });
  });

  it('builds the URL of each format from the payload', () => {
    const payload = pingPayload({ event: 'log', rid: '0f0f0f0f-0000-4000-8000-000000000000' });
    expect(pingRequest(hc('https://hc-ping.com/abc'), payload)?.url.toString()).toBe(
      'https://hc-ping.com/abc/log?rid=0f0f0f0f-0000-4000-8000-000000000000',
    );
    expect(pingRequest(kuma('https://kuma.example/api/push/t'), payload)).toBeUndefined();
  });
});
