import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syncOnce } from '../../src/fleet/sync.js';
import { Store } from '../../src/store/store.js';
import { fleetConfig, freshCentre } from './fleet.js';
import type { PgCluster } from './postgres.js';
import { FLEET, FLEET_NOTIFICATIONS, NOW, type SeedRun, seedStore } from './serve.js';

export interface SeededCentre {
  /** The superuser's URL of the new centre database. */
  url: string;
  database: string;
  /** Backup IDs in FLEET order, as seedFleet returns them for the local database. */
  ids: string[];
}

export interface SeedCentreOptions {
  /** What each host promises (BACKUP_ALERT_EXPECT), sent with its sync; none by default. */
  expectations?: (host: string) => Record<string, number>;
  /** Extra runs of hosts that are not in FLEET. */
  extra?: readonly SeedRun[];
}

/**
 * FLEET at a fresh centre, the way it gets there in real life: each host records its own runs,
 * notifications (and db1 the audit row of a test e-mail) in its own local database, then ships
 * them with the real sync. The same data as seedFleet's single local database.
 */
export async function seedCentre(cluster: PgCluster, options: SeedCentreOptions = {}): Promise<SeededCentre> {
  const database = await freshCentre(cluster);
  const url = cluster.url({ database });
  const runs = [...FLEET, ...(options.extra ?? [])];
  const hosts = [...new Set(runs.map((r) => r.host))];
  const ids: string[] = new Array(runs.length);
  const dir = mkdtempSync(join(tmpdir(), `backup-alert-centre-seed-${process.pid}-`));
  try {
    for (const host of hosts) await seedHost(host);
  } finally {
    // The hosts' local databases served only to ship their runs: the centre holds them now.
    rmSync(dir, { recursive: true, force: true });
  }
  return { url, database, ids };

  async function seedHost(host: string): Promise<void> {
    const indexes = runs.flatMap((r, i) => (r.host === host ? [i] : []));
    const local = new Map(indexes.map((index, position) => [index, position]));
    const store = Store.open(join(dir, `${host}.db`));
    try {
      const hostIds = seedStore(
        store,
        indexes.map((i) => runs[i]!),
        FLEET_NOTIFICATIONS.flatMap((n, at) =>
          local.has(n.backupIndex) ? [{ ...n, backupIndex: local.get(n.backupIndex)!, at }] : [],
        ),
      );
      for (const [position, index] of indexes.entries()) ids[index] = hostIds[position]!;
      if (host === 'db1') {
        store.audit.write({
          operation: 'test-email',
          backupId: null,
          username: 'operator',
          host: 'db1',
          status: 'success',
          details: { to: 'admin@company.com' },
          createdAt: NOW.toISOString(),
        });
      }
      const result = await syncOnce({
        db: store.db,
        fleet: fleetConfig(url, { host, expectations: options.expectations?.(host) ?? {} }),
        version: 'test',
        now: () => new Date(),
      });
      if (result.error || result.remaining !== 0)
        throw new Error(`seeding ${host}: ${JSON.stringify(result)}`);
    } finally {
      store.close();
    }
  }
}
