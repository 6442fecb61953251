import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { errorCode, errorMessage, UsageError } from '../shared/errors.js';
import type { ServeOptions } from './options.js';
import { authority, checkExposure, type ListenAddress, parseListen } from './settings.js';
import type { TlsPair } from './tls.js';

export interface StartServerOptions extends ServeOptions {
  /** `127.0.0.1:8080`, `[::1]:0`, … or already parsed. */
  listen: ListenAddress | string;
  /** Serve HTTPS with this certificate (replaceable later with reloadTls). */
  tls?: TlsPair;
  /** All request headers must arrive within this (slowloris). Default 5 s. */
  headersTimeoutMs?: number;
  /** The whole request must arrive within this. Default 30 s. */
  requestTimeoutMs?: number;
  /** An idle keep-alive connection is closed after this. Default 5 s. */
  keepAliveTimeoutMs?: number;
  /** close() waits this long for requests in flight, then cuts what is left. Default 5 s. */
  closeGraceMs?: number;
  /** Connections beyond this are refused (memory stays bounded under a flood). Default 512. */
  maxConnections?: number;
  /** Open connections one client address may hold; more are cut at once. Default 32. */
  maxConnectionsPerClient?: number;
}

export interface RunningServer {
  /** `http://127.0.0.1:8080/` (https with TLS) with the port actually bound. */
  url: string;
  host: string;
  port: number;
  /** Stops accepting, lets requests in flight finish (up to closeGraceMs), then closes everything. */
  close(): Promise<void>;
  /** Swaps the certificate for new connections; the listener and open connections stay. */
  reloadTls(pair: TlsPair): void;
}

/**
 * One address may hold only `limit` connections: past the global maxConnections, a single
 * client opening idle sockets (no token needed to connect) would lock everyone else out.
 * The count is by address, so a second client is still answered while the first floods.
 */
function capPerClient(server: Server, limit: number): void {
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    const count = (open.get(address) ?? 0) + 1;
    if (count > limit) {
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  });
}

function listen(server: Server, address: ListenAddress): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      server.off('listening', onListening);
      reject(
        new UsageError(
          `cannot listen on ${authority(address.host, address.port)}: ${errorMessage(error)}${listenRemedy(error, address)}`,
          { cause: error },
        ),
      );
    };
    const onListening = () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host: address.host, port: address.port, exclusive: true });
  });
}

/** What to do about a listen error, in words: the code alone says little to an operator. */
function listenRemedy(error: unknown, address: ListenAddress): string {
  const where = authority(address.host, address.port);
  switch (errorCode(error)) {
    case 'EADDRINUSE':
      return `; another program (or another backup-alert serve) already listens on ${where}: stop it, or give --listen another port (ss -ltnp shows who holds it)`;
    case 'EACCES':
      return `; ports below 1024 need root or CAP_NET_BIND_SERVICE: give --listen a port above 1023`;
    case 'EADDRNOTAVAIL':
      return `; ${address.host} is not an address of this machine: give --listen one of its addresses (ip -br addr)`;
    default:
      return '';
  }
}

/**
 * The API and the pages on Node's http server, with timeouts against slow clients and a
 * graceful close. Refuses a non-loopback address when no token is configured: an open
 * dashboard on the network would hand every reader the backups' errors and output.
 */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const address = typeof options.listen === 'string' ? parseListen(options.listen) : options.listen;
  checkExposure(address, options.tokens, options.logins?.enabled);
  // Short: a client gets 5 s to say what it wants; an idle socket is not worth keeping longer.
  const headersTimeout = options.headersTimeoutMs ?? 5_000;
  const requestTimeout = Math.max(options.requestTimeoutMs ?? 30_000, headersTimeout);
  // hono and the routes load here: no other command pays for them.
  const [{ createApp }, { getRequestListener }] = await Promise.all([
    import('./app.js'),
    import('@hono/node-server'),
  ]);
  const app = await createApp(options);
  // The adapter swaps the process's global Request/Response for lighter ones whose body it
  // can write straight to the socket (about a third less CPU per API request, measured
  // with bench/lib/serve.js). serve runs alone in its process; nothing else here uses fetch.
  const listener = getRequestListener(app.fetch);
  const httpOptions = {
    headersTimeout,
    requestTimeout,
    // Node checks those two timeouts on this period (30 s by default: a slowloris would
    // get up to 30 s more than we said).
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(headersTimeout / 4))),
    requireHostHeader: true,
  };
  const tls = options.tls;
  // https.Server is an http.Server underneath (same timeouts, same close); typed as one here.
  const server: Server = tls
    ? (createHttpsServer({ ...httpOptions, cert: tls.cert, key: tls.key }, listener) as unknown as Server)
    : createServer(httpOptions, listener);
  capPerClient(server, options.maxConnectionsPerClient ?? 32);
  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? 5_000;
  // A client that stops reading our answer is dropped too.
  server.setTimeout(requestTimeout * 2);
  server.maxConnections = options.maxConnections ?? 512;
  const bound = await listen(server, address);
  const url = `${tls ? 'https' : 'http'}://${authority(bound.address, bound.port)}/`;
  const reloadTls = (pair: TlsPair): void => {
    if (!tls)
      throw new UsageError('this server was started without TLS; restart it with --tls-cert/--tls-key');
    (server as unknown as HttpsServer).setSecureContext({ cert: pair.cert, key: pair.key });
  };

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      // Connections that finish their request become idle; close them as they do.
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      const cut = setTimeout(() => server.closeAllConnections(), options.closeGraceMs ?? 5_000);
      server.close(() => {
        clearInterval(sweep);
        clearTimeout(cut);
        resolve();
      });
      server.closeIdleConnections();
    });
    return closing;
  };
  return { url, host: bound.address, port: bound.port, close, reloadTls };
}
