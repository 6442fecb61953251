import type { FleetConfig } from '../config/fleet.js';
import { withCentre } from './connect.js';
import { FleetError, FleetErrorCode } from './errors.js';
import { CENTRE_SCHEMA_VERSION, migrateCentre, schemaState } from './schema.js';

/** Long enough for a migration that builds an index over a year of a large fleet. */
export const MIGRATE_TIMEOUT_MS = 600_000;

export interface MigrateReport {
  /** Schema version before (0: none). */
  from: number;
  to: number;
  applied: number[];
}

/**
 * `backup-alert fleet migrate`: brings the centre's schema to this version. Run with the
 * owner's URL; hosts' roles cannot (and need not) change tables. Throws FleetError.
 */
export async function migrateFleet(
  fleet: FleetConfig,
  options: { version: string; timeoutMs?: number },
): Promise<MigrateReport> {
  const connect = {
    timeoutMs: options.timeoutMs ?? MIGRATE_TIMEOUT_MS,
    applicationName: 'backup-alert fleet migrate',
    secrets: fleet.secrets,
  };
  return withCentre(fleet.databaseUrl, connect, async ({ client, endpoint }) => {
    const before = await schemaState(client);
    if (before.version > CENTRE_SCHEMA_VERSION) {
      throw new FleetError(
        FleetErrorCode.schemaNew,
        `the centre's schema is version ${before.version}, newer than this backup-alert (${CENTRE_SCHEMA_VERSION}): nothing to do here; upgrade backup-alert`,
      );
    }
    if (before.version === CENTRE_SCHEMA_VERSION)
      return { from: before.version, to: before.version, applied: [] };
    let applied: number[];
    try {
      applied = await migrateCentre(client, options.version);
    } catch (error) {
      // A host's or a reader's URL: PostgreSQL says "must be owner of index …" or "permission
      // denied for schema public", which names neither the cause nor the cure.
      if ((error as { code?: unknown }).code !== '42501') throw error;
      throw new FleetError(
        FleetErrorCode.permission,
        `role "${endpoint.user}" may not change the centre's schema: \`fleet migrate\` needs the owner's BACKUP_ALERT_DATABASE_URL (backup_alert_admin in examples/fleet/roles.sql), not a host's or a reader's; then run examples/fleet/grants.sql again`,
        { cause: error },
      );
    }
    return { from: before.version, to: Math.max(before.version, ...applied), applied };
  });
}
