import type Database from 'better-sqlite3';
import type { ClientBase } from 'pg';
import type { FleetConfig } from '../config/fleet.js';
import type { Logger } from '../shared/logger.js';
import {
  backlogSize,
  instanceId,
  markAcknowledged,
  OUTBOX_TABLES,
  type OutboxItem,
  type OutboxTable,
  unsentBatch,
} from '../store/outbox.js';
import { withCentre } from './connect.js';
import { FleetError, FleetErrorCode, mask, toFleetError } from './errors.js';
import { CENTRE_SCHEMA_VERSION, migrateCentre, schemaState } from './schema.js';
import { type HostClaim, heartbeat, shipBatch } from './ship.js';

// The driver, for `run` to load while the script works (the ship chunk is all it loads then).
export { loadPg } from './connect.js';

export const DEFAULT_BATCH_SIZE = 500;

export interface SyncOptions {
  /** The local database (Store's `.db`): the journal and the outbox. */
  db: Database.Database;
  fleet: FleetConfig;
  /** backup-alert's version, recorded in `hosts`. */
  version: string;
  now: () => Date;
  /** Default: fleet.syncTimeoutMs. Connect, schema check and every batch end within it. */
  timeoutMs?: number;
  batchSize?: number;
  /** Apply missing centre migrations when the role may (default true). */
  autoMigrate?: boolean;
  /** This installation replaces another that shipped under the same host name. */
  takeOver?: boolean;
  /** Wait a random time up to this before connecting (spreads a fleet's 03:00 syncs). */
  jitterMs?: number;
  random?: () => number;
}

export interface SyncResult {
  /** Rows the centre committed in this call (including ones it already had). */
  shipped: number;
  /** Rows still waiting locally; -1 when the local database could not be read. */
  remaining: number;
  /** Centre migrations applied on the way. */
  migrated: number[];
  error?: { code: FleetErrorCode; message: string; transient: boolean };
}

/**
 * Ships the local backlog to the centre: rounds of up to `batchSize` rows in id order (the
 * tables one after another), one transaction each, marked acknowledged only after COMMIT.
 * Bounded by the timeout, never throws, so it is safe at the end of `run` (the backup's exit
 * code never depends on it), in `retry` and in `sync`.
 */
export async function syncOnce(options: SyncOptions): Promise<SyncResult> {
  const { db, fleet } = options;
  const timeoutMs = options.timeoutMs ?? fleet.syncTimeoutMs;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  let shipped = 0;
  let migrated: number[] = [];
  let error: SyncResult['error'];
  try {
    await sleep(jitterDelay(options.jitterMs ?? 0, options.random ?? Math.random));
    const claim = (): HostClaim => ({
      host: fleet.host,
      instance: instanceId(db),
      version: options.version,
      expectations: fleet.expectations,
      hostNow: options.now(),
      takeOver: options.takeOver ?? false,
      pending: backlogSize(db).total,
    });
    const connect = { timeoutMs, applicationName: `backup-alert ${fleet.host}`, secrets: fleet.secrets };
    await withCentre(fleet.databaseUrl, connect, async ({ client }, deadline) => {
      migrated = await ensureSchema(client, options.autoMigrate ?? true, options.version);
      // Leave a margin for the batch in flight; one cut by the deadline is rolled back anyway.
      const margin = Math.min(1000, timeoutMs / 5);
      let claimed = false;
      const shippedUpTo = new Map<OutboxTable, number>();
      for (;;) {
        const round = nextRound(db, batchSize, shippedUpTo);
        if (round.length === 0) break;
        if (Date.now() > deadline - margin) {
          throw new FleetError(
            FleetErrorCode.timedOut,
            `out of time after ${shipped} rows (BACKUP_ALERT_SYNC_TIMEOUT); the rest waits for the next sync`,
          );
        }
        await shipRound(client, db, round, claim());
        claimed = true;
        for (const { table, batch } of round) {
          shipped += batch.length;
          shippedUpTo.set(table, batch.at(-1)!.id);
        }
      }
      // Nothing to ship still says "alive" (last_seen_at): a host with no news is not a silent host.
      if (!claimed) refuseOnClash(await heartbeat(client, claim()), fleet.host);
    });
  } catch (caught) {
    const failure =
      caught instanceof FleetError
        ? caught
        : toFleetError(caught, { host: '?', port: 0, user: '?', database: '?' }, fleet.secrets);
    error = {
      code: failure.code,
      message: mask(failure.message, fleet.secrets),
      transient: failure.transient,
    };
  }
  let remaining = -1;
  try {
    remaining = backlogSize(db).total;
  } catch {
    // reported as -1: the caller says the local database is unreadable
  }
  return { shipped, remaining, migrated, ...(error ? { error } : {}) };
}

/** Up to `batchSize` unsent rows, taken from the tables in order: one transaction's worth. */
function nextRound(
  db: Database.Database,
  batchSize: number,
  shippedUpTo: ReadonlyMap<OutboxTable, number>,
): Array<{ table: OutboxTable; batch: OutboxItem[] }> {
  const round: Array<{ table: OutboxTable; batch: OutboxItem[] }> = [];
  let room = batchSize;
  for (const table of OUTBOX_TABLES) {
    if (room === 0) break;
    const batch = unsentBatch(db, table, room, shippedUpTo.get(table) ?? 0);
    if (batch.length === 0) continue;
    round.push({ table, batch });
    room -= batch.length;
  }
  return round;
}

/**
 * One call for the round, whatever tables it spans: a run's few rows (its run, its
 * notifications, its audit line) cost one round trip and one transaction at the centre.
 */
async function shipRound(
  client: ClientBase,
  db: Database.Database,
  round: ReadonlyArray<{ table: OutboxTable; batch: OutboxItem[] }>,
  claim: HostClaim,
): Promise<void> {
  refuseOnClash(await shipBatch(client, claim, round), claim.host);
  // Only now is the centre's copy durable; a crash before this line means the batch is sent
  // again, and the upsert makes that a no-op.
  for (const { table, batch } of round) markAcknowledged(db, table, batch);
}

/** The centre refused (and recorded) this installation: another one owns the name. */
function refuseOnClash(accepted: boolean, host: string): void {
  if (accepted) return;
  throw new FleetError(
    FleetErrorCode.hostClash,
    `another installation already ships as host "${host}" (two machines with one BACKUP_ALERT_HOST, or a new database on a rebuilt host): give this host its own BACKUP_ALERT_HOST, or if it replaces the old one run \`backup-alert sync --take-over\`; nothing but the refusal was written, and the centre shows the clash until it is resolved`,
  );
}

/** Applies missing migrations when allowed and possible; otherwise one clear line. */
export async function ensureSchema(
  client: ClientBase,
  autoMigrate: boolean,
  version: string,
): Promise<number[]> {
  const state = await schemaState(client);
  if (state.version >= CENTRE_SCHEMA_VERSION) {
    if (state.compatibleWith > CENTRE_SCHEMA_VERSION) {
      throw new FleetError(
        FleetErrorCode.schemaNew,
        `the centre's schema is version ${state.version}, newer than this backup-alert understands (${CENTRE_SCHEMA_VERSION}): upgrade backup-alert on this host; its backlog waits`,
      );
    }
    return [];
  }
  const old = () =>
    new FleetError(
      FleetErrorCode.schemaOld,
      `${state.version === 0 ? 'the centre has no backup-alert schema yet' : `the centre's schema is version ${state.version}`}, this backup-alert needs ${CENTRE_SCHEMA_VERSION}, and this role may not change it: run \`backup-alert fleet migrate\` with the owner's BACKUP_ALERT_DATABASE_URL`,
    );
  if (!autoMigrate) throw old();
  try {
    return await migrateCentre(client, version);
  } catch (error) {
    if ((error as { code?: unknown }).code === '42501') throw old();
    throw error;
  }
}

/** A uniformly random wait in [0, maxMs): hosts whose cron fires at 03:00 sync apart. */
export function jitterDelay(maxMs: number, random: () => number): number {
  return maxMs > 0 ? Math.floor(random() * maxMs) : 0;
}

const sleep = (ms: number) =>
  ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();

/** One log line for a sync: silent (debug) when all went well, a warning otherwise. */
export function logSyncResult(result: SyncResult, logger: Logger): void {
  if (result.error) {
    const left = result.remaining >= 0 ? `; ${result.remaining} rows wait for the next sync` : '';
    logger.warn('Fleet', `Sync to the centre failed (${result.error.code}): ${result.error.message}${left}`);
    return;
  }
  if (result.migrated.length > 0) {
    logger.info('Fleet', `Centre schema migrated to version ${result.migrated.at(-1)}`);
  }
  logger.debug('Fleet', `Shipped ${result.shipped} rows to the centre; ${result.remaining} left`);
}
