import { randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { onTestFinished } from 'vitest';

/** What the server does with the next requests, before its normal answers: a status, or silence. */
export type Override = { status: number; body?: string; headers?: Record<string, string> } | 'hang';

export interface Ping {
  method: string;
  /** The path after the check (`''`, `/start`, `/fail`, `/3`, `/log`). */
  action: string;
  query: URLSearchParams;
  body: string;
  status: number;
}

export interface FakeHealthchecks {
  base: string;
  /** A check that exists: `${base}/ping/${uuid}`. */
  uuid: string;
  /** A project ping key with one slug `backups` and a duplicated slug `twice`. */
  pingKey: string;
  pings: Ping[];
  /** Answers for the next requests, in order, before the documented behaviour resumes. */
  override(...next: Override[]): void;
}

/**
 * A loopback server that answers pings as healthchecks.io documents: 200 "OK" (with
 * Ping-Body-Limit when `bodyLimit` is set) for a known UUID or slug; 404 "not found" for an
 * unknown one; 201 "Created" for an unknown slug with ?create=1; 409 "ambiguous slug"; 400 for
 * a malformed rid. Bodies are stored cut to the limit, as the real service does.
 */
export async function startHealthchecks(options: { bodyLimit?: number } = {}): Promise<FakeHealthchecks> {
  const uuid = randomUUID();
  const pingKey = 'pk_Secret-Ping-Key';
  const slugs = new Set(['backups']);
  const pings: Ping[] = [];
  const queue: Override[] = [];
  const hanging = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const raw = Buffer.concat(chunks);
      const body = (options.bodyLimit === undefined ? raw : raw.subarray(0, options.bodyLimit)).toString(
        'utf8',
      );
      const answer = (status: number, text: string, headers: Record<string, string> = {}, action = '') => {
        pings.push({ method: req.method ?? '', action, query: url.searchParams, body, status });
        res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
        res.end(text);
      };
      const next = queue.shift();
      if (next === 'hang') {
        hanging.add(res);
        return;
      }
      if (next) return answer(next.status, next.body ?? '', next.headers);

      const match =
        /^\/ping\/([0-9a-f-]{36})(\/start|\/fail|\/log|\/\d{1,3})?$/.exec(url.pathname) ??
        /^\/ping\/([^/]+\/[a-z0-9_-]+)(\/start|\/fail|\/log|\/\d{1,3})?$/.exec(url.pathname);
      if (!match) return answer(404, 'not found');
      const [, check, action = ''] = match;
      const rid = url.searchParams.get('rid');
      if (rid !== null && !/^[0-9a-f-]{36}$/.test(rid)) return answer(400, 'invalid uuid format', {}, action);
      const limit: Record<string, string> =
        options.bodyLimit === undefined ? {} : { 'Ping-Body-Limit': String(options.bodyLimit) };
      if (check === uuid) return answer(200, 'OK', limit, action);
      const [key, slug] = (check ?? '').split('/');
      if (key !== pingKey || !slug) return answer(404, 'not found', {}, action);
      if (slug === 'twice') return answer(409, 'ambiguous slug', {}, action);
      if (slugs.has(slug)) return answer(200, 'OK', limit, action);
      if (url.searchParams.get('create') === '1') {
        slugs.add(slug);
        return answer(201, 'Created', limit, action);
      }
      return answer(404, 'not found', {}, action);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  onTestFinished(async () => {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return {
    base: `http://127.0.0.1:${port}`,
    uuid,
    pingKey,
    pings,
    override: (...next) => queue.push(...next),
  };
}

export interface FakeUptimeKuma {
  /** A push URL as Uptime Kuma shows it, defaults included. */
  pushUrl: string;
  base: string;
  token: string;
  pushes: Array<{ method: string; query: URLSearchParams; status: number }>;
}

/**
 * A loopback Uptime Kuma push endpoint, answering as its api-router does: 200 {"ok":true} for
 * the active monitor's token, 500 {"ok":false,"msg":"Monitor not found or not active."} for any
 * other, 400 for a `ping` that is not a number of 0 to 24 h in ms.
 */
export async function startUptimeKuma(): Promise<FakeUptimeKuma> {
  const token = 'Kuma-Push-Token-Secret';
  const pushes: FakeUptimeKuma['pushes'] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const reply = (status: number, body: object) => {
      pushes.push({ method: req.method ?? '', query: url.searchParams, status });
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(body));
    };
    const ping = url.searchParams.get('ping');
    if (ping !== null && ping !== '' && !(Number(ping) >= 0 && Number(ping) <= 86_400_000)) {
      return reply(400, { ok: false, msg: `Invalid ping value: '${ping}'` });
    }
    if (url.pathname === `/api/push/${token}`) return reply(200, { ok: true });
    if (url.pathname.startsWith('/api/push/'))
      return reply(500, { ok: false, msg: 'Monitor not found or not active.' });
    return reply(404, { ok: false });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  onTestFinished(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const base = `http://127.0.0.1:${port}`;
  return { base, token, pushUrl: `${base}/api/push/${token}?status=up&msg=OK&ping=`, pushes };
}
