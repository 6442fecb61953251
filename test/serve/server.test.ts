import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { ReadModel } from '../../src/serve/read-model.js';
import { type StartServerOptions, startServer } from '../../src/serve/server.js';
import { UsageError } from '../../src/shared/errors.js';
import { createLogger } from '../../src/shared/logger.js';
import { SqliteReadModel } from '../../src/store/read-model.js';
import { Store } from '../../src/store/store.js';
import { NOW, seedFleet } from '../helpers/serve.js';

let dir: string;
let store: Store;
let model: ReadModel;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'backup-alert-serve-'));
  store = Store.open(seedFleet(dir).dbPath);
  model = new SqliteReadModel(store);
});

afterAll(() => {
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

function options(overrides: Partial<StartServerOptions> = {}): StartServerOptions {
  return {
    listen: '127.0.0.1:0',
    readModel: model,
    tokens: {},
    lang: 'en',
    now: () => NOW,
    logger: createLogger({ write: () => {}, level: 'silent' }),
    escalateAfter: 3,
    ...overrides,
  };
}

async function started(overrides: Partial<StartServerOptions> = {}) {
  const server = await startServer(options(overrides));
  onTestFinished(() => server.close());
  return server;
}

describe('where it listens', () => {
  it.each(['0.0.0.0:0', '[::]:0', '192.0.2.10:0', 'backup.example.com:0'])(
    'refuses %s without a token, with a clear error, before binding anything',
    async (listen) => {
      const attempt = startServer(options({ listen }));
      await expect(attempt).rejects.toThrow(UsageError);
      await expect(attempt).rejects.toThrow(
        /refusing to listen on .* without a token: set BACKUP_ALERT_API_TOKEN/,
      );
    },
  );

  it('a port in use: the error names the address and what to do, not only EADDRINUSE', async () => {
    const first = await started({ listen: '127.0.0.1:0' });
    const attempt = startServer(options({ listen: `127.0.0.1:${first.port}` }));
    await expect(attempt).rejects.toThrow(
      `cannot listen on 127.0.0.1:${first.port}: listen EADDRINUSE: address already in use 127.0.0.1:${first.port}; another program (or another backup-alert serve) already listens on 127.0.0.1:${first.port}: stop it, or give --listen another port`,
    );
  });

  it('listens on IPv4 and IPv6 loopback without a token and says where', async () => {
    const v4 = await started();
    expect(v4.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const v6 = await started({ listen: '[::1]:0' });
    expect(v6.url).toMatch(/^http:\/\/\[::1\]:\d+\/$/);
    expect((await fetch(new URL('/healthz', v6.url))).status).toBe(200);
  });

  it('with no token: reads need none, a foreign Host header is refused (DNS rebinding), POST is forbidden', async () => {
    const server = await started();
    const backups = await fetch(new URL('/api/v1/backups?limit=1', server.url));
    expect(backups.status).toBe(200);
    const rebound = await new Promise<string>((resolve, reject) => {
      const socket = connect(server.port, '127.0.0.1');
      let answer = '';
      socket.on('data', (chunk) => {
        answer += chunk.toString('utf8');
      });
      socket.on('close', () => resolve(answer));
      socket.on('error', reject);
      socket.end('GET /api/v1/backups HTTP/1.1\r\nHost: attacker.example:8080\r\nConnection: close\r\n\r\n');
    });
    expect(rebound).toMatch(/^HTTP\/1\.1 421 /);
    expect(rebound).toContain('"code":"misdirected_request"');
    expect(rebound).not.toContain('BKP-');
    const post = await fetch(new URL('/api/v1/notifications/test-email', server.url), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"email":"a@b.example"}',
    });
    expect(post.status).toBe(403);
    expect(await post.json()).toMatchObject({
      error: { code: 'forbidden', message: /BACKUP_ALERT_ADMIN_TOKEN is not set/ },
    });
  });
});

describe('slow clients and stopping', () => {
  it('closes a connection whose headers trickle in one byte at a time (slowloris) at its header timeout', async () => {
    const server = await started({ headersTimeoutMs: 600, requestTimeoutMs: 600 });
    const outcome = await new Promise<{ answer: string; bytesSent: number; planned: number }>(
      (resolve, reject) => {
        const socket = connect(server.port, '127.0.0.1');
        const headers = `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ${'a'.repeat(2000)}\r\n\r\n`;
        let sent = 0;
        let answer = '';
        let timer: NodeJS.Timeout | undefined;
        const drip = () => {
          if (socket.destroyed || sent >= headers.length) return;
          socket.write(headers[sent++]!);
          timer = setTimeout(drip, 100);
        };
        socket.on('connect', drip);
        socket.on('data', (chunk) => {
          answer += chunk.toString('utf8');
        });
        socket.on('error', () => {});
        socket.on('close', () => {
          clearTimeout(timer);
          resolve({ answer, bytesSent: sent, planned: headers.length });
        });
        socket.setTimeout(25_000, () => reject(new Error('the server kept the slow connection open')));
      },
    );
    expect(outcome.answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(outcome.bytesSent).toBeLessThan(outcome.planned);
    // The server is still there for everyone else.
    expect((await fetch(new URL('/healthz', server.url))).status).toBe(200);
  });

  it('stops gracefully: no new connections, the request in flight still gets its answer', async () => {
    let release: () => void = () => {};
    let entered: () => void = () => {};
    const inside = new Promise<void>((resolve) => {
      entered = resolve;
    });
    // The real model, with backups() held until the test lets it go.
    const slow = Object.create(model) as ReadModel;
    slow.backups = async (query) => {
      entered();
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      return model.backups(query);
    };
    const server = await startServer(options({ readModel: slow }));
    const inFlight = fetch(new URL('/api/v1/backups?limit=2', server.url));
    await inside;
    const closed = server.close();
    const refused = await fetch(new URL('/healthz', server.url)).then(
      () => 'answered',
      (error: Error & { cause?: { code?: string } }) => error.cause?.code ?? error.message,
    );
    expect(refused).toBe('ECONNREFUSED');
    release();
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { data: { items: unknown[] } }).data.items).toHaveLength(2);
    await closed;
  });
});

describe('one address cannot take every connection', () => {
  it('keeps answering another client while one address holds 600 idle sockets', async () => {
    const server = await started();
    const idle: import('node:net').Socket[] = [];
    onTestFinished(() => {
      for (const socket of idle) socket.destroy();
    });
    let cut = 0;
    await Promise.all(
      Array.from(
        { length: 600 },
        () =>
          new Promise<void>((resolve) => {
            const socket = connect({ host: '127.0.0.1', port: server.port, localAddress: '127.0.0.1' });
            idle.push(socket);
            socket.on('error', () => {});
            socket.on('close', () => {
              cut++;
            });
            socket.once('connect', () => resolve());
            socket.once('close', () => resolve());
          }),
      ),
    );
    // Another address on this machine: still answered, and soon.
    const askedAt = Date.now();
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: server.port, localAddress: '127.0.0.2' });
      let text = '';
      socket.setTimeout(3000, () => socket.destroy(new Error('no answer within 3 s')));
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
      socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    });
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    expect(Date.now() - askedAt).toBeLessThan(1000);
    // The flooding address kept only its share; the rest were cut at once.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(cut).toBeGreaterThanOrEqual(600 - 32);
  });
});
