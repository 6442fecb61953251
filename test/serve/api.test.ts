import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServeAuditEntry } from '../../src/serve/options.js';
import { type RunningServer, startServer } from '../../src/serve/server.js';
import { createLogger } from '../../src/shared/logger.js';
import { Redactor } from '../../src/shared/redact.js';
import { SqliteReadModel } from '../../src/store/read-model.js';
import { Store } from '../../src/store/store.js';
import { NOW, seedFleet } from '../helpers/serve.js';

const READ = 'read-token-0123456789abcdef';
const ADMIN = 'admin-token-0123456789abcdef';
const SMTP_PASSWORD = 'smtp-password-never-shown';

let dir: string;
let store: Store;
let server: RunningServer;
const logs: string[] = [];
const sent: string[] = [];
const audits: ServeAuditEntry[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'backup-alert-serve-'));
  const seeded = seedFleet(dir);
  store = Store.open(seeded.dbPath);
  const logger = createLogger({
    write: (line) => logs.push(line),
    level: 'debug',
    redactor: new Redactor([READ, ADMIN, SMTP_PASSWORD]),
  });
  server = await startServer({
    listen: '127.0.0.1:0',
    readModel: new SqliteReadModel(store),
    tokens: { read: READ, admin: ADMIN },
    lang: 'ja',
    now: () => NOW,
    logger,
    escalateAfter: 3,
    metricsText: async () => '# HELP backup_alert_up 1\n# TYPE backup_alert_up gauge\nbackup_alert_up 1\n',
    emailTimeoutMs: 500,
    sendTestEmail: async (to) => {
      sent.push(to);
      // An SMTP server that never answers, as far as the API can tell.
      if (to.startsWith('hang')) return new Promise(() => {});
      return to.startsWith('fail')
        ? { ok: false, error: `EAUTH: login as ops failed with password ${SMTP_PASSWORD}` }
        : { ok: true };
    },
    audit: (entry) => {
      audits.push(entry);
    },
  });
});

afterAll(async () => {
  await server?.close();
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: { success: boolean; data?: unknown; error?: { code: string; message: string } };
}

async function call(
  path: string,
  init: { token?: string; method?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token) headers['Authorization'] = `Bearer ${init.token}`;
  const response = await fetch(new URL(path, server.url), {
    method: init.method ?? 'GET',
    headers,
    ...(init.body !== undefined ? { body: init.body } : {}),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  let json: Answer['json'] = { success: false };
  try {
    json = JSON.parse(text) as Answer['json'];
  } catch {
    // HTML or plain text
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** What goes on the wire, byte for byte: no client normalises the path on our behalf. */
function raw(bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1');
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      answer += chunk;
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(answer));
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer')));
    socket.end(bytes);
  });
}

describe('auth', () => {
  const post = (token?: string) =>
    call('/api/v1/notifications/test-email', {
      method: 'POST',
      body: '{"email":"admin@company.com"}',
      headers: { 'Content-Type': 'application/json' },
      ...(token ? { token } : {}),
    });

  it('GET: 401 without or with a wrong token, 200 with the read or the admin token', async () => {
    const none = await call('/api/v1/backups');
    expect(none.status).toBe(401);
    expect(none.json.error?.code).toBe('unauthorized');
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await call('/api/v1/backups', { token: `${READ}x` })).status).toBe(401);
    expect((await call('/api/v1/backups', { token: READ.slice(0, -1) })).status).toBe(401);
    expect((await call('/api/v1/backups', { headers: { Authorization: READ } })).status).toBe(401);
    expect((await call('/api/v1/backups', { token: READ })).status).toBe(200);
    expect((await call('/api/v1/backups', { token: ADMIN })).status).toBe(200);
    expect((await call('/', {})).headers.get('www-authenticate')).toMatch(/^Basic/);
    const basic = Buffer.from(`anyone:${READ}`).toString('base64');
    expect((await call('/', { headers: { Authorization: `Basic ${basic}` } })).status).toBe(200);
  });

  it('POST: 401 without or with a wrong token, 403 with the read token, 200 with the admin token (audited)', async () => {
    sent.length = 0;
    audits.length = 0;
    expect((await post()).status).toBe(401);
    expect((await post('not-the-token-at-all-000000')).status).toBe(401);
    const read = await post(READ);
    expect(read.status).toBe(403);
    expect(read.json.error?.code).toBe('forbidden');
    expect(sent).toEqual([]);
    const admin = await post(ADMIN);
    expect(admin.status).toBe(200);
    expect(admin.json).toEqual({ success: true, data: { sent: true, email: 'admin@company.com' } });
    expect(sent).toEqual(['admin@company.com']);
    expect(audits).toEqual([
      {
        operation: 'test-email',
        status: 'success',
        details: { to: 'admin@company.com', via: 'api', remote: '127.0.0.1' },
      },
    ]);
  });

  it('a failed test e-mail is 502 with the reason, secrets masked, and audited as a failure', async () => {
    audits.length = 0;
    const failed = await call('/api/v1/notifications/test-email', {
      method: 'POST',
      token: ADMIN,
      body: '{"email":"fail@company.com"}',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(failed.status).toBe(502);
    expect(failed.json.error?.code).toBe('email_failed');
    expect(failed.text).toContain('EAUTH');
    expect(failed.text).not.toContain(SMTP_PASSWORD);
    expect(audits[0]?.status).toBe('failure');
    expect(JSON.stringify(audits)).not.toContain(SMTP_PASSWORD);
  });

  it('answers 502 when the e-mail sender does not finish within its bound', async () => {
    const hung = await call('/api/v1/notifications/test-email', {
      method: 'POST',
      token: ADMIN,
      body: '{"email":"hang@company.com"}',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(hung.status).toBe(502);
    expect(hung.json.error?.message).toMatch(/no answer within 0\.5 s/);
  });

  it('refuses bodies that are not one e-mail address in JSON', async () => {
    const send = (body: string, type = 'application/json') =>
      call('/api/v1/notifications/test-email', {
        method: 'POST',
        token: ADMIN,
        body,
        headers: { 'Content-Type': type },
      });
    expect((await send('{"email":"a@b.example"}', 'text/plain')).json.error?.code).toBe(
      'unsupported_media_type',
    );
    expect((await send('{"email":')).json.error?.code).toBe('invalid_body');
    expect((await send('["a@b.example"]')).json.error?.code).toBe('invalid_body');
    expect((await send('{"email":"a@b.example","cc":"c@d.example"}')).json.error?.code).toBe('invalid_body');
    expect((await send('{"email":"a@b.example,c@d.example"}')).json.error?.code).toBe('invalid_email');
    expect((await send('{"email":"not an address"}')).status).toBe(400);
  });

  it('never puts a token in an answer or a log line', async () => {
    const answers = await Promise.all([
      call('/api/v1/backups', { token: `${READ}-wrong` }),
      call('/api/v1/status', { token: READ }),
      call('/', { token: ADMIN }),
      call('/api/v1/audit', { token: ADMIN }),
      call('/nothing', { token: READ }),
    ]);
    for (const answer of answers) {
      expect(answer.text).not.toContain(READ);
      expect(answer.text).not.toContain(ADMIN);
      expect([...answer.headers.values()].join(' ')).not.toContain(READ);
    }
    expect(logs.length).toBeGreaterThan(5);
    expect(logs.join('')).not.toContain(READ);
    expect(logs.join('')).not.toContain(ADMIN);
    expect(logs.join('')).not.toContain(SMTP_PASSWORD);
  });
});

// The data answers (the runbook's curl lines, filters, totals, one run, status, notifications,
// audit, the 400s) run against both stores in api-stores.test.ts; this file is about the
// HTTP surface, which does not depend on the store.
describe('other endpoints', () => {
  it('GET /healthz needs no token; GET /metrics does', async () => {
    const health = await call('/healthz');
    expect(health.status).toBe(200);
    expect(health.json).toEqual({ success: true, data: { status: 'ok' } });
    expect((await call('/metrics')).status).toBe(401);
    const metrics = await call('/metrics', { token: READ });
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(metrics.text).toContain('backup_alert_up 1');
  });

  it('every answer carries the no-store, nosniff and frame headers; the page its strict CSP', async () => {
    const api = await call('/api/v1/backups', { token: READ });
    expect(api.headers.get('cache-control')).toBe('no-store');
    expect(api.headers.get('x-content-type-options')).toBe('nosniff');
    const page = await call('/', { token: READ });
    expect(page.headers.get('content-security-policy')).toMatch(
      /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'/,
    );
    expect(page.text).not.toMatch(/<script/i);
  });
});

describe('limits', () => {
  const big = 'x'.repeat(1024 * 1024);

  it('a 1 MB body is refused with 413 before it is read (with Content-Length)', async () => {
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(new URL('/api/v1/notifications/test-email', server.url), {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${ADMIN}`,
          'Content-Type': 'application/json',
          'Content-Length': big.length,
        },
      });
      req.on('response', (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      // The server may close while we still write: that is the point.
      req.on('error', (error) => reject(error));
      req.end(`{"email":"${big}"}`);
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'payload_too_large' } });
  });

  it('a 1 MB body without a length (chunked) is cut off at the limit too', async () => {
    const chunks = async function* () {
      for (let i = 0; i < 16; i++) yield new TextEncoder().encode(big.slice(0, 65_536));
    };
    const response = await fetch(new URL('/api/v1/notifications/test-email', server.url), {
      method: 'POST',
      headers: { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json' },
      body: ReadableStream.from(chunks()),
      duplex: 'half',
      signal: AbortSignal.timeout(10_000),
    } as RequestInit);
    expect(response.status).toBe(413);
  });

  it.each([
    '/api/v1/backups/../../../../etc/passwd',
    '/api/v1/backups/..%2F..%2F..%2Fetc%2Fpasswd',
    '/api/v1/backups/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '/backups/..%2F..%2F..%2Fetc%2Fpasswd',
    '/backups/../../etc/passwd',
    '/..%2f..%2fetc/passwd',
    '/%2e%2e/%2e%2e/etc/passwd',
  ])('path traversal %s → 400/404, never a file', async (path) => {
    const answer = await raw(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${READ}\r\nConnection: close\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 (400|404) /);
    expect(answer).not.toContain('root:');
  });
});
