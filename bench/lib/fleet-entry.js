// The fleet's functions for the bench's in-process figures, bundled by esbuild from the
// sources (the fleet is not in the CLI's command table yet). fleet-cli.js is the
// per-process side.
import { syncOnce } from '../../src/fleet/sync.ts';
import { Store } from '../../src/store/store.ts';

export { withCentre } from '../../src/fleet/connect.ts';
export { judgeFleet } from '../../src/fleet/health.ts';
export { migrateFleet } from '../../src/fleet/migrate.ts';
export { fleetSnapshot } from '../../src/fleet/queries.ts';
export { Store, syncOnce };

export function fleetConfig(databaseUrl, host, extra = {}) {
  return {
    databaseUrl,
    host,
    expectations: { daily: 26 * 3_600_000 },
    syncTimeoutMs: 60_000,
    syncJitterMs: 0,
    secrets: [databaseUrl],
    ...extra,
  };
}
