import { statSync } from 'node:fs';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { describe, expect, it, onTestFinished } from 'vitest';
import { JWT_KEY_FILE } from '../../src/serve/login/jwt.js';
import { hashPassword } from '../../src/serve/login/password.js';
import { createLoginService } from '../../src/serve/login/service.js';
import { writeUsers } from '../../src/serve/login/users-file.js';
import type { ServeAuditEntry } from '../../src/serve/options.js';
import { startServer } from '../../src/serve/server.js';
import { createLogger } from '../../src/shared/logger.js';
import { SqliteReadModel } from '../../src/store/read-model.js';
import { Store } from '../../src/store/store.js';
import { NOW, seedFleet } from '../helpers/serve.js';
import { tempDir } from '../helpers/tmp.js';

const ADMIN_PASSWORD = 'correct horse battery staple';
const READER_PASSWORD = 'reader-password-0123';
const API_TOKEN = 'static-read-token-0123456789';

async function served(now: { at: Date } = { at: NOW }) {
  const dir = tempDir();
  const store = Store.open(seedFleet(dir).dbPath);
  onTestFinished(() => store.close());
  const usersPath = join(dir, 'users');
  writeUsers(usersPath, [
    { name: 'admin', hash: await hashPassword(ADMIN_PASSWORD), role: 'admin' },
    { name: 'reader', hash: await hashPassword(READER_PASSWORD), role: 'read' },
  ]);
  let log = '';
  const logger = createLogger({ write: (line) => (log += line), level: 'debug' });
  const audits: ServeAuditEntry[] = [];
  const stateDir = join(dir, 'state');
  const server = await startServer({
    listen: '127.0.0.1:0',
    readModel: new SqliteReadModel(store),
    tokens: { read: API_TOKEN },
    lang: 'en',
    now: () => now.at,
    logger,
    escalateAfter: 3,
    sendTestEmail: async () => ({ ok: true }),
    audit: (entry) => {
      audits.push(entry);
    },
    logins: createLoginService({ usersPath, stateDir, now: () => now.at, logger }),
  });
  onTestFinished(() => server.close());
  const login = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(new URL('/api/v1/auth/login', server.url), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  return { server, login, audits, log: () => log, stateDir };
}

describe('POST /api/v1/auth/login (runbook §7.2)', () => {
  it('answers {"token": JWT} (HS256, sub, role, one hour) that the API takes as a bearer token', async () => {
    const { server, login, audits, stateDir } = await served();
    const answer = await login({ username: 'admin', password: ADMIN_PASSWORD });
    expect(answer.status).toBe(200);
    const body = (await answer.json()) as { token: string; data: { role: string; expiresAt: string } };
    expect(decodeProtectedHeader(body.token).alg).toBe('HS256');
    const claims = decodeJwt(body.token);
    expect(claims).toMatchObject({ sub: 'admin', role: 'admin', iss: 'backup-alert' });
    expect(claims.exp! - claims.iat!).toBe(3600);
    expect(body.data).toEqual({ token: body.token, role: 'admin', expiresAt: '2026-03-10T13:00:00.000Z' });
    expect(statSync(join(stateDir, JWT_KEY_FILE)).mode & 0o777).toBe(0o600);
    const list = await fetch(new URL('/api/v1/backups?status=failure&limit=10', server.url), {
      headers: { Authorization: `Bearer ${body.token}` },
    });
    expect(((await list.json()) as { data: { total: number } }).data.total).toBe(12);
    const sent = await fetch(new URL('/api/v1/notifications/test-email', server.url), {
      method: 'POST',
      headers: { Authorization: `Bearer ${body.token}`, 'Content-Type': 'application/json' },
      body: '{"email":"admin@company.com"}',
    });
    expect(sent.status).toBe(200);
    expect(audits[0]).toMatchObject({
      operation: 'login',
      status: 'success',
      username: 'admin',
      ipAddress: '127.0.0.1',
    });
  });

  it('gives a read login a token that may read but not POST; static tokens keep working', async () => {
    const { server, login } = await served();
    const { token } = (await (await login({ username: 'reader', password: READER_PASSWORD })).json()) as {
      token: string;
    };
    const post = await fetch(new URL('/api/v1/notifications/test-email', server.url), {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: '{"email":"admin@company.com"}',
    });
    expect(post.status).toBe(403);
    const read = await fetch(new URL('/api/v1/status', server.url), {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(read.status).toBe(200);
    const staticRead = await fetch(new URL('/api/v1/status', server.url), {
      headers: { Authorization: `Bearer ${API_TOKEN}` },
    });
    expect(staticRead.status).toBe(200);
    expect((await fetch(new URL('/api/v1/status', server.url))).status).toBe(401);
  });

  it('refuses a token signed with another key, with "none", or expired', async () => {
    const now = { at: NOW };
    const { server, login } = await served(now);
    const { token } = (await (await login({ username: 'admin', password: ADMIN_PASSWORD })).json()) as {
      token: string;
    };
    const status = (bearer: string) =>
      fetch(new URL('/api/v1/status', server.url), { headers: { Authorization: `Bearer ${bearer}` } }).then(
        (r) => r.status,
      );
    const forged = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('admin')
      .setIssuer('backup-alert')
      .setIssuedAt(Math.floor(NOW.getTime() / 1000))
      .setExpirationTime(Math.floor(NOW.getTime() / 1000) + 60)
      .sign(new Uint8Array(32));
    expect(await status(forged)).toBe(401);
    const [, payload] = token.split('.');
    expect(await status(`${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`)).toBe(401);
    expect(await status(token)).toBe(200);
    now.at = new Date(NOW.getTime() + 3601_000);
    expect(await status(token)).toBe(401);
  });

  it('answers a wrong password and an unknown user alike, audits both with the address, never the password', async () => {
    const { login, audits, log } = await served();
    const wrong = await login({ username: 'admin', password: 'guess-number-one' });
    const unknown = await login({ username: 'mallory', password: 'guess-number-two' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await wrong.json()).toEqual(await unknown.json());
    expect(audits.map((a) => [a.operation, a.status, a.username, a.ipAddress])).toEqual([
      ['login', 'failure', 'admin', '127.0.0.1'],
      ['login', 'failure', 'mallory', '127.0.0.1'],
    ]);
    const everything = JSON.stringify(audits) + log();
    expect(everything).not.toContain('guess-number');
    expect(log()).toContain('[WARN] [Serve] Login for admin from 127.0.0.1 failed');
  });

  it('limits failures per user name (429 with Retry-After), even when the right password comes next', async () => {
    const { login, audits } = await served();
    for (let i = 0; i < 5; i++) {
      expect((await login({ username: 'admin', password: `wrong-${i}` })).status).toBe(401);
    }
    const limited = await login({ username: 'admin', password: ADMIN_PASSWORD });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBe(900);
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('too_many_requests');
    expect(audits.at(-1)).toMatchObject({
      status: 'failure',
      details: { via: 'api', reason: 'rate limited' },
    });
    // Another user from the same address is not yet held (the address allows 10).
    expect((await login({ username: 'reader', password: READER_PASSWORD })).status).toBe(200);
  });

  it('limits failures per client address across user names', async () => {
    const { login } = await served();
    for (let i = 0; i < 10; i++) {
      expect((await login({ username: `user${i}`, password: 'wrong-password' })).status).toBe(401);
    }
    const limited = await login({ username: 'reader', password: READER_PASSWORD });
    expect(limited.status).toBe(429);
  });

  it('wants JSON with exactly username and password', async () => {
    const { login, server } = await served();
    expect((await login({ username: 'admin' })).status).toBe(400);
    expect((await login({ username: 'admin', password: ADMIN_PASSWORD, role: 'admin' })).status).toBe(400);
    const form = await fetch(new URL('/api/v1/auth/login', server.url), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `username=admin&password=${encodeURIComponent(ADMIN_PASSWORD)}`,
    });
    expect(form.status).toBe(415);
  });
});
