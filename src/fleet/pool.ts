import type { ClientBase, Pool, PoolClient } from 'pg';
import { clientConfig, loadPg } from './connect.js';
import { type Endpoint, FleetError, FleetErrorCode, toFleetError } from './errors.js';

/** A long-lived reader of the centre (serve): a few pooled connections, every wait bounded. */
export interface CentrePoolOptions {
  /** Connect, wait for a free connection, and each statement end within this. */
  timeoutMs: number;
  /** Connections at most; requests beyond them queue (bounded by timeoutMs). */
  max: number;
  /** Shown in pg_stat_activity. */
  applicationName: string;
  /** Masked out of every message. */
  secrets: readonly string[];
}

export interface CentrePool {
  endpoint: Endpoint;
  /**
   * Runs `work` on one pooled connection inside one read-only snapshot with JIT off (see
   * read-only.ts), so a page's total and its rows agree. Errors come back as FleetError.
   */
  read<T>(work: (client: ClientBase) => Promise<T>): Promise<T>;
  /** Waits for connections in use to come back, then closes them all; at most a second more. */
  close(): Promise<void>;
}

/**
 * BEGIN and SET LOCAL in one round trip (a simple query may hold two statements; neither has
 * a parameter). SET LOCAL, not a session setting: it behaves behind PgBouncer's transaction
 * pooling, and a connection handed back to the pool carries nothing over.
 */
const BEGIN = 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL jit = off';

export async function openCentrePool(databaseUrl: string, options: CentrePoolOptions): Promise<CentrePool> {
  const { config, endpoint } = clientConfig(databaseUrl, options);
  const pg = await loadPg();
  const pool: Pool = new pg.Pool({
    ...config,
    max: options.max,
    // Also the bound on waiting for a free connection when all are busy.
    connectionTimeoutMillis: config.connectionTimeoutMillis ?? options.timeoutMs,
    // A server that stops answering (no RST, no FIN) fails the query instead of hanging it.
    query_timeout: options.timeoutMs + 1000,
    idleTimeoutMillis: 30_000,
  });
  // An idle connection the server drops reports here; unhandled it would end the process.
  // The next read simply gets a fresh connection.
  pool.on('error', () => {});
  const fail = (error: unknown) => toFleetError(error, endpoint, options.secrets);
  let closed = false;

  const read = async <T>(work: (client: ClientBase) => Promise<T>): Promise<T> => {
    if (closed) throw new FleetError(FleetErrorCode.other, 'the connection pool is closed');
    let client: PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw fail(error);
    }
    let broken: Error | undefined;
    try {
      await client.query(BEGIN);
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      // A connection whose ROLLBACK fails (lost, timed out) is not handed out again.
      await client.query('ROLLBACK').catch((rollbackError: unknown) => {
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      });
      throw fail(error);
    } finally {
      client.release(broken);
    }
  };

  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      pool.end().catch(() => {}),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, options.timeoutMs + 1000);
      }),
    ]);
    clearTimeout(timer);
  };
  return { endpoint, read, close };
}
