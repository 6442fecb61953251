import type { ClientBase } from 'pg';
import { FleetError, FleetErrorCode } from './errors.js';
import { CENTRE_MIGRATIONS } from './migrations.js';

export const CENTRE_SCHEMA_VERSION = CENTRE_MIGRATIONS.at(-1)?.version ?? 0;

/** A constant key for pg_advisory_xact_lock: one migrator at a time across the fleet. */
const MIGRATION_LOCK = 0x6261_6b61_6c65_7274n; // "bakalert"

export interface SchemaState {
  /** 0: no schema yet. */
  version: number;
  /** The oldest host version that may still write to it. */
  compatibleWith: number;
}

const NONE: SchemaState = { version: 0, compatibleWith: 0 };
const LATEST = 'SELECT version, compatible_with FROM schema_version ORDER BY version DESC LIMIT 1';

function state(rows: Array<{ version: number; compatible_with: number }>): SchemaState {
  const row = rows[0];
  return row ? { version: row.version, compatibleWith: row.compatible_with } : NONE;
}

/** The centre's schema version, in one round trip (every sync asks). Outside a transaction only. */
export async function schemaState(client: ClientBase): Promise<SchemaState> {
  try {
    return state((await client.query<{ version: number; compatible_with: number }>(LATEST)).rows);
  } catch (error) {
    // undefined_table: no schema yet. A failed statement would abort a transaction, hence
    // lockedSchemaState() inside migrateCentre.
    if ((error as { code?: unknown }).code === '42P01') return NONE;
    // Host roles read no table (schema 4): they ask the function made for them.
    if ((error as { code?: unknown }).code === '42501') {
      return state(
        (
          await client.query<{ version: number; compatible_with: number }>(
            'SELECT version, compatible_with FROM centre_schema_state()',
          )
        ).rows,
      );
    }
    throw error;
  }
}

/**
 * For the readers (`serve`, `status --fleet`): the centre must be at least `needed` (the
 * columns they read) and not newer than this build understands. One FleetError line saying
 * what to run otherwise.
 */
export async function requireReadableSchema(
  client: ClientBase,
  needed: number,
  reader: string,
): Promise<void> {
  const current = await schemaState(client);
  if (current.version < needed) {
    throw new FleetError(
      FleetErrorCode.schemaOld,
      `the centre's schema is version ${current.version}; ${reader} needs ${needed}: run \`backup-alert fleet migrate\` with the owner's BACKUP_ALERT_DATABASE_URL (and examples/fleet/grants.sql again)`,
    );
  }
  if (current.compatibleWith > CENTRE_SCHEMA_VERSION) {
    throw new FleetError(
      FleetErrorCode.schemaNew,
      `the centre's schema is version ${current.version}, newer than this backup-alert understands (${CENTRE_SCHEMA_VERSION}): upgrade backup-alert here`,
    );
  }
}

async function lockedSchemaState(client: ClientBase): Promise<SchemaState> {
  // pg_class read as a table, not to_regclass(): after waiting on the advisory lock the
  // session's catalog cache may still remember "no such table" from before the wait.
  const exists = await client.query<{ present: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relname = 'schema_version' AND n.nspname = current_schema()) AS present`,
  );
  if (!exists.rows[0]?.present) return NONE;
  return state((await client.query<{ version: number; compatible_with: number }>(LATEST)).rows);
}

/**
 * Applies the missing migrations in one transaction under an advisory lock: fifty hosts
 * upgrading at 03:00 wait for the first, then find nothing left to do. Returns the versions
 * applied. Errors (a role without CREATE, say) propagate with PostgreSQL's SQLSTATE.
 */
export async function migrateCentre(client: ClientBase, appVersion: string): Promise<number[]> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK.toString()]);
    const current = await lockedSchemaState(client);
    if (current.version === 0) {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_version (
        version         integer PRIMARY KEY,
        compatible_with integer NOT NULL,
        applied_at      timestamptz NOT NULL DEFAULT now(),
        applied_by      text NOT NULL DEFAULT current_user,
        app_version     text
      )`);
    }
    const applied: number[] = [];
    for (const migration of CENTRE_MIGRATIONS) {
      if (migration.version <= current.version) continue;
      await client.query(migration.sql);
      await client.query(
        'INSERT INTO schema_version (version, compatible_with, app_version) VALUES ($1, $2, $3)',
        [migration.version, migration.compatibleWith, appVersion],
      );
      applied.push(migration.version);
    }
    await client.query('COMMIT');
    return applied;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
