import { existsSync } from 'node:fs';
import { type FleetConfig, redactDatabaseUrl } from '../config/fleet.js';
import type { CommandContext } from '../context.js';
import { FleetError } from '../fleet/errors.js';
import type { CentreReadModel } from '../fleet/read-model.js';
import { type ReadModel, ReadModelUnavailableError } from '../serve/read-model.js';
import { errorMessage } from '../shared/errors.js';
import { SqliteReadModel } from '../store/read-model.js';
import { SCHEMA_VERSION } from '../store/schema.js';
import { Store } from '../store/store.js';

/** A few connections: the page reads three things at once, the API one; the rest queue briefly. */
export const SERVE_POOL_SIZE = 4;
/** Connecting, waiting for a pooled connection and each statement end within this. */
export const SERVE_CENTRE_TIMEOUT_MS = 10_000;

/** What serve reads from, and what it borrows from the local database. */
export interface ServeSource {
  readModel: ReadModel;
  /** The local database: test e-mails sent through the API are audited in it (when it opens). */
  store?: Store;
  /** Over the centre: the read model, for the fleet-wide /metrics. */
  centre?: CentreReadModel;
  close(): Promise<void>;
}

/** Refused at start: the centre said no for a reason that waiting will not fix (exit 1). */
export class ServeSourceError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ServeSourceError';
  }
}

/**
 * The database for serving: read-write when we may (so the migration with serve's indexes
 * is applied and API operations are audited), else read-only. A read-only database must
 * already have the current schema: its owner upgrades it by running any command once.
 */
export function openForServe(ctx: CommandContext): Store {
  try {
    return ctx.openStore();
  } catch (error) {
    if (!existsSync(ctx.config.dbPath)) throw error;
    let store: Store;
    try {
      store = Store.open(ctx.config.dbPath, { readonly: true });
    } catch {
      throw new Error(`cannot open database ${ctx.config.dbPath}: ${errorMessage(error)}`, { cause: error });
    }
    const version = store.db.pragma('user_version', { simple: true }) as number;
    if (version < SCHEMA_VERSION) {
      store.close();
      throw new Error(
        `database ${ctx.config.dbPath} has schema ${version}, serve needs ${SCHEMA_VERSION}, and this user cannot ` +
          'upgrade it: run `backup-alert status` once as its owner',
      );
    }
    ctx.logger.warn(
      'Serve',
      `Database opened read-only (${errorMessage(error)}); API operations are not audited`,
    );
    return store;
  }
}

/** BACKUP_ALERT_DATABASE_URL set: the centre; else the local SQLite. Logs which, never the password. */
export async function openServeSource(ctx: CommandContext): Promise<ServeSource> {
  const fleet = ctx.config.fleet;
  if (!fleet) {
    const store = openForServe(ctx);
    ctx.logger.info('Serve', `Reading the local database ${ctx.config.dbPath}`);
    return { readModel: new SqliteReadModel(store), store, close: async () => store.close() };
  }
  const centre = await openCentre(ctx, fleet);
  let store: Store | undefined;
  try {
    store = openForServe(ctx);
  } catch (error) {
    ctx.logger.warn(
      'Serve',
      `The local database cannot be opened (${errorMessage(error)}); test e-mails sent through the API are not audited`,
    );
  }
  return {
    readModel: centre,
    centre,
    ...(store ? { store } : {}),
    close: async () => {
      await centre.close();
      store?.close();
    },
  };
}

async function openCentre(ctx: CommandContext, fleet: FleetConfig): Promise<CentreReadModel> {
  // pg and the fleet code are loaded only when there is a centre to read.
  const [{ openCentrePool }, { CentreReadModel }] = await Promise.all([
    import('../fleet/pool.js'),
    import('../fleet/read-model.js'),
  ]);
  const where = redactDatabaseUrl(fleet.databaseUrl);
  const pool = await openCentrePool(fleet.databaseUrl, {
    timeoutMs: SERVE_CENTRE_TIMEOUT_MS,
    max: SERVE_POOL_SIZE,
    applicationName: `backup-alert serve ${fleet.host}`,
    secrets: fleet.secrets,
  });
  const centre = new CentreReadModel(pool);
  try {
    await centre.check();
    ctx.logger.info('Serve', `Reading the centre ${where} (every host this role may see)`);
  } catch (error) {
    const cause = error instanceof ReadModelUnavailableError ? error.cause : undefined;
    if (!(cause instanceof FleetError) || !cause.transient) {
      await centre.close();
      throw new ServeSourceError(
        `cannot read the centre ${where}${cause instanceof FleetError ? ` (${cause.code})` : ''}: ${errorMessage(error)}`,
        { cause: error },
      );
    }
    // Down or restarting: serve anyway (503 until it is back), so a service started before
    // its database does not die and need restarting.
    ctx.logger.warn(
      'Serve',
      `The centre ${where} cannot be reached yet (${cause.code}: ${cause.message}); answering 503 until it can`,
    );
  }
  return centre;
}
