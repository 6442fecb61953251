import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorCode, errorMessage, UsageError } from '../shared/errors.js';
import type { ServeOptions } from './options.js';
import { authority, checkExposure, type ListenAddress, parseListen } from './settings.js';

export interface StartServerOptions extends ServeOptions {
  /** `127.0.0.1:8080`, `[::1]:0`, … or already parsed. */
  listen: ListenAddress | string;
  /** All request headers must arrive within this (slowloris). Default 10 s. */
  headersTimeoutMs?: number;
  /** The whole request must arrive within this. Default 30 s. */
  requestTimeoutMs?: number;
  /** An idle keep-alive connection is closed after this. Default 5 s. */
  keepAliveTimeoutMs?: number;
  /** close() waits this long for requests in flight, then cuts what is left. Default 5 s. */
  closeGraceMs?: number;
  /** Connections beyond this are refused (memory stays bounded under a flood). Default 512. */
  maxConnections?: number;
}

export interface RunningServer {
  /** `http://127.0.0.1:8080/` with the port actually bound. */
  url: string;
  host: string;
  port: number;
  /** Stops accepting, lets requests in flight finish (up to closeGraceMs), then closes everything. */
  close(): Promise<void>;
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
  checkExposure(address, options.tokens);
  const headersTimeout = options.headersTimeoutMs ?? 10_000;
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
  const server = createServer(
    {
      headersTimeout,
      requestTimeout,
      // Node checks those two timeouts on this period (30 s by default: a slowloris would
      // get up to 30 s more than we said).
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(headersTimeout / 4))),
      requireHostHeader: true,
    },
    listener,
  );
  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? 5_000;
  // A client that stops reading our answer is dropped too.
  server.setTimeout(requestTimeout * 2);
  server.maxConnections = options.maxConnections ?? 512;
  const bound = await listen(server, address);
  const url = `http://${authority(bound.address, bound.port)}/`;

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
  return { url, host: bound.address, port: bound.port, close };
}
