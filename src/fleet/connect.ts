import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import type { Client, ClientConfig } from 'pg';
import { errorCode } from '../shared/errors.js';
import { type Endpoint, FleetError, FleetErrorCode, toFleetError } from './errors.js';

export interface ConnectOptions {
  /** Everything (connect, each statement, waiting on locks) ends within this. */
  timeoutMs: number;
  /** Shown in pg_stat_activity, so a DBA can tell our sessions from others. */
  applicationName: string;
  /** Masked out of every message. */
  secrets: readonly string[];
}

/** An open connection to the centre and where it goes (for messages). */
export interface Centre {
  client: Client;
  endpoint: Endpoint;
  secrets: readonly string[];
  /** Closes politely when idle, at once when a query is stuck. Never throws. */
  close(): Promise<void>;
  /** Drops the socket now: for a deadline that has passed. */
  destroy(): void;
}

/** libpq's sslmode, as far as Node's TLS can honour it. */
function tlsOptions(url: URL, host: string): ClientConfig['ssl'] {
  const mode = url.searchParams.get('sslmode') ?? 'prefer';
  // prefer/allow would try TLS and fall back to plain text: that protects nothing against
  // an attacker, so plain text is what they get; require or verify-full across networks.
  if (mode === 'disable' || mode === 'allow' || mode === 'prefer') return false;
  const options: ConnectionOptions = {};
  const rootCert = url.searchParams.get('sslrootcert');
  if (rootCert && rootCert !== 'system') options.ca = readFileSync(rootCert, 'utf8');
  const cert = url.searchParams.get('sslcert');
  const key = url.searchParams.get('sslkey');
  if (cert) options.cert = readFileSync(cert, 'utf8');
  if (key) options.key = readFileSync(key, 'utf8');
  // libpq: require with a root certificate behaves as verify-ca.
  const verify = mode === 'verify-full' || mode === 'verify-ca' || (mode === 'require' && rootCert !== null);
  options.rejectUnauthorized = verify;
  if (mode !== 'verify-full') options.checkServerIdentity = () => undefined;
  if (mode === 'verify-full' && !isIP(host)) options.servername = host;
  return options;
}

/** pg's client settings from the URL, every value explicit (so no PG* variable is consulted). */
export function clientConfig(
  databaseUrl: string,
  options: ConnectOptions,
): { config: ClientConfig; endpoint: Endpoint } {
  const url = new URL(databaseUrl);
  const host = url.searchParams.get('host') ?? url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(url.port || url.searchParams.get('port') || 5432);
  const user = decodeURIComponent(url.username);
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || user;
  const timeoutMs = Math.max(1, Math.round(options.timeoutMs));
  const config: ClientConfig = {
    host,
    port,
    user,
    password: decodeURIComponent(url.password),
    database,
    ssl: tlsOptions(url, host),
    application_name: (url.searchParams.get('application_name') ?? options.applicationName).slice(0, 63),
    connectionTimeoutMillis: timeoutMs,
    // Server side: a statement, a wait on a lock, a forgotten open transaction all end.
    statement_timeout: timeoutMs,
    lock_timeout: timeoutMs,
    idle_in_transaction_session_timeout: Math.max(timeoutMs, 1000),
    keepAlive: true,
  };
  return { config, endpoint: { host, port, user, database } };
}

/**
 * pg decides when it loads whether it runs on Cloudflare Workers: where `navigator` is
 * missing (Node 20) it builds a `Response`, which loads Node's whole fetch implementation,
 * ~25 ms of CPU on every run that ships. A stand-in `navigator` while pg loads spares that;
 * Node 21+ has its own and is left alone. Removed again as soon as pg is in.
 */
export async function loadPg(): Promise<typeof import('pg').default> {
  const global = globalThis as { navigator?: unknown };
  if (global.navigator !== undefined) return (await import('pg')).default;
  global.navigator = { userAgent: 'Node.js' };
  try {
    return (await import('pg')).default;
  } finally {
    delete global.navigator;
  }
}

/**
 * Connects within the timeout. pg is loaded here, on first use: hosts without a centre
 * never load it. Errors come back as one FleetError line.
 */
export async function connectCentre(databaseUrl: string, options: ConnectOptions): Promise<Centre> {
  let built: ReturnType<typeof clientConfig>;
  try {
    built = clientConfig(databaseUrl, options);
  } catch (error) {
    // A certificate file that cannot be read; the URL itself was checked with the config.
    throw new FleetError(
      FleetErrorCode.tls,
      `cannot read a certificate named in BACKUP_ALERT_DATABASE_URL (${errorCode(error) ?? 'error'})`,
      { cause: error },
    );
  }
  const pg = await loadPg();
  const client = new pg.Client(built.config);
  // A socket error after connecting is reported by the query that was running; unhandled
  // here it would crash the process.
  client.on('error', () => {});
  const destroy = () => client.connection.stream.destroy();
  const close = async () => {
    // end() waits for the server's goodbye; a server that went quiet gets a second.
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        destroy();
        resolve();
      }, 1000);
    });
    try {
      await Promise.race([client.end(), grace]);
    } catch {
      destroy();
    } finally {
      clearTimeout(timer);
    }
  };
  try {
    await client.connect();
  } catch (error) {
    destroy();
    throw toFleetError(error, built.endpoint, options.secrets);
  }
  return { client, endpoint: built.endpoint, secrets: options.secrets, close, destroy };
}

/**
 * Runs `work` on a fresh connection, all of it within `timeoutMs`: when the time is up the
 * socket is dropped (PostgreSQL rolls back whatever was open) and a timeout is reported.
 */
export async function withCentre<T>(
  databaseUrl: string,
  options: ConnectOptions,
  work: (centre: Centre, deadline: number) => Promise<T>,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let timer: NodeJS.Timeout | undefined;
  let centre: Centre | undefined;
  let timedOut = false;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      centre?.destroy();
      reject(
        new FleetError(
          FleetErrorCode.timedOut,
          `the centre did not finish within ${Math.round(options.timeoutMs / 100) / 10}s; the rest waits for the next sync`,
        ),
      );
    }, options.timeoutMs);
  });
  expired.catch(() => {});
  try {
    return await Promise.race([
      (async () => {
        centre = await connectCentre(databaseUrl, options);
        // Connected just as the time ran out: the race is lost already, do nothing more.
        if (timedOut) centre.destroy();
        try {
          return await work(centre, deadline);
        } catch (error) {
          throw toFleetError(error, centre.endpoint, options.secrets);
        }
      })(),
      expired,
    ]);
  } finally {
    clearTimeout(timer);
    await centre?.close();
  }
}
