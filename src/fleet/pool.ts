import type { ClientBase, Pool, PoolClient, QueryResult } from 'pg';
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
   * read-only.ts), so a page's total and its rows agree. `snapshot` is that snapshot's
   * pg_current_snapshot() text: two reads with the same one see exactly the same data.
   * Errors come back as FleetError.
   */
  read<T>(work: (client: ClientBase, snapshot: string) => Promise<T>): Promise<T>;
  /**
   * pg_current_snapshot() as of some moment after the call: equal to a read's `snapshot`
   * means nothing committed since that read, so what it computed still holds. The callers of
   * one turn of the event loop share one check, sent after the last of them came (50
   * requests read together cost one round trip, not 50 transactions).
   */
  snapshot(): Promise<string>;
  /** Waits for connections in use to come back, then closes them all; at most a second more. */
  close(): Promise<void>;
}

/**
 * BEGIN, SET LOCAL and the snapshot in one round trip (a simple query may hold several
 * statements; none has a parameter). SET LOCAL, not a session setting: it behaves behind
 * PgBouncer's transaction pooling, and a connection handed back carries nothing over. The
 * snapshot (xmin:xmax:in-progress) changes whenever any write commits anywhere in the
 * cluster: the read model keeps what it computed for as long as it does not.
 */
const BEGIN =
  'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL jit = off; SELECT pg_current_snapshot()::text AS snapshot';

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

  const read = async <T>(work: (client: ClientBase, snapshot: string) => Promise<T>): Promise<T> => {
    if (closed) throw new FleetError(FleetErrorCode.other, 'the connection pool is closed');
    let client: PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw fail(error);
    }
    let broken: Error | undefined;
    try {
      // Several statements answer with one result each; pg's types know only the single case.
      const results = (await client.query(BEGIN)) as unknown as Array<QueryResult<{ snapshot: string }>>;
      const snapshot = results.at(-1)?.rows[0]?.snapshot ?? '';
      const result = await work(client, snapshot);
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

  const snapshotNow = async (): Promise<string> => {
    if (closed) throw new FleetError(FleetErrorCode.other, 'the connection pool is closed');
    try {
      const found = await pool.query<{ snapshot: string }>('SELECT pg_current_snapshot()::text AS snapshot');
      return found.rows[0]?.snapshot ?? '';
    } catch (error) {
      throw fail(error);
    }
  };
  // One check for every caller of one turn of the event loop, sent after the last of them
  // came (setImmediate runs once the sockets ready in this turn are read): a commit any of
  // them could know of is in it. A check already on its way was sent too early for them,
  // but they need not wait for it to end: theirs goes out on another pooled connection.
  let scheduled: Promise<string> | undefined;
  const snapshot = (): Promise<string> => {
    scheduled ??= new Promise<string>((resolve, reject) => {
      setImmediate(() => {
        scheduled = undefined;
        snapshotNow().then(resolve, reject);
      });
    });
    return scheduled;
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
  return { endpoint, read, snapshot, close };
}
