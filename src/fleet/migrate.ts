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
  return withCentre(fleet.databaseUrl, connect, async ({ client }) => {
    const before = await schemaState(client);
    if (before.version > CENTRE_SCHEMA_VERSION) {
      throw new FleetError(
        FleetErrorCode.schemaNew,
        `the centre's schema is version ${before.version}, newer than this backup-alert (${CENTRE_SCHEMA_VERSION}): nothing to do here; upgrade backup-alert`,
      );
    }
    const applied = await migrateCentre(client, options.version);
    return { from: before.version, to: Math.max(before.version, ...applied), applied };
  });
}
