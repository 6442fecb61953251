import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCentrePool } from '../../src/fleet/pool.js';
import { CentreReadModel } from '../../src/fleet/read-model.js';
import { syncOnce } from '../../src/fleet/sync.js';
import { renderExposition } from '../../src/metrics/exposition.js';
import { fleetConfig, freshCentre, localStore, recordRun } from '../helpers/fleet.js';
import { type PgCluster, startPostgres } from '../helpers/postgres.js';

let cluster: PgCluster;
beforeAll(async () => {
  cluster = await startPostgres();
});
afterAll(async () => {
  await cluster?.destroy();
});

const NOW = new Date('2026-03-10T03:30:00.000Z');

describe("the fleet's /metrics by job (centre schema 8)", () => {
  it('two daily jobs of one host are two series: the failed dump is not hidden by the archive', async () => {
    const db = await freshCentre(cluster);
    const url = cluster.url({ database: db });
    const store = localStore();
    try {
      for (let day = 3; day >= 1; day--) {
        const at = new Date(NOW.getTime() - day * 86_400_000);
        recordRun(store, { job: 'pg', status: day === 1 ? 'failure' : 'success', startedAt: at });
        recordRun(store, { job: 'files', startedAt: new Date(at.getTime() + 600_000) });
      }
      const shipped = await syncOnce({
        db: store.db,
        fleet: fleetConfig(url, {
          host: 'db1',
          expectations: { pg: 26 * 3_600_000, offsite: 8 * 86_400_000 },
        }),
        version: 'test',
        now: () => NOW,
      });
      expect(shipped.remaining).toBe(0);
    } finally {
      store.close();
    }
    const pool = await openCentrePool(url, {
      timeoutMs: 10_000,
      max: 1,
      applicationName: 'test',
      secrets: [],
    });
    try {
      const text = renderExposition(await new CentreReadModel(pool).metricsSnapshot('test'));
      const series = (name: string) => text.split('\n').filter((line) => line.startsWith(`${name}{`));
      expect(series('backup_alert_runs_total')).toEqual(
        expect.arrayContaining([
          'backup_alert_runs_total{host="db1",backup_job="files",type="daily",status="success"} 3',
          'backup_alert_runs_total{host="db1",backup_job="pg",type="daily",status="success"} 2',
          'backup_alert_runs_total{host="db1",backup_job="pg",type="daily",status="failure"} 1',
        ]),
      );
      expect(series('backup_alert_consecutive_failures')).toEqual([
        'backup_alert_consecutive_failures{host="db1",backup_job="files",type="daily"} 0',
        // A promised job that never ran has no type label, as in the host's own textfile.
        'backup_alert_consecutive_failures{host="db1",backup_job="offsite"} 0',
        'backup_alert_consecutive_failures{host="db1",backup_job="pg",type="daily"} 1',
      ]);
    } finally {
      await pool.close();
    }
  });
});
