import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { onTestFinished } from 'vitest';

export interface SilentTcpServer {
  port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Of those, how many the client has hung up. */
  readonly closedByClient: number;
  close(): Promise<void>;
}

/**
 * Accepts TCP connections, reads (and drops) whatever the client sends, never answers: a hung
 * SMTP server, a hung PostgreSQL. Reading means a client that speaks first (PostgreSQL's
 * startup message) and then hangs up is seen hanging up. Closed when the test ends.
 */
export async function startSilentServer(): Promise<SilentTcpServer> {
  const sockets = new Set<Socket>();
  const state = { connections: 0, closedByClient: 0 };
  const server = createServer((socket) => {
    state.connections++;
    sockets.add(socket);
    socket.resume();
    socket.on('error', () => {});
    socket.on('close', () => {
      state.closedByClient++;
      sockets.delete(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  let closed = false;
  const close = () =>
    closed
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          closed = true;
          for (const socket of sockets) socket.destroy();
          server.close(() => resolve());
        });
  onTestFinished(close);
  return {
    port,
    get connections() {
      return state.connections;
    },
    get closedByClient() {
      return state.closedByClient;
    },
    close,
  };
}

/** A port nothing listens on: bound, read back, released (fetch refuses "bad ports" such as 1). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A TCP proxy on 127.0.0.1 to `port` that hands the server's answers back `delayMs` late (in
 * order): a centre across a slow link, where an answer is still on its way long after the
 * server took its snapshot. Closed when the test ends.
 */
export async function startSlowProxy(port: number, delayMs: number): Promise<{ port: number }> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => {
      setTimeout(() => {
        if (!client.destroyed) client.write(chunk);
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { port: (server.address() as AddressInfo).port };
}
