import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCentrePool } from '../../../src/fleet/pool.js';
import { CentreReadModel } from '../../../src/fleet/read-model.js';
import { renderExposition } from '../../../src/metrics/exposition.js';
import type { ReadModel } from '../../../src/serve/read-model.js';
import { startServer } from '../../../src/serve/server.js';
import { createLogger } from '../../../src/shared/logger.js';
import { SqliteReadModel } from '../../../src/store/read-model.js';
import { Store } from '../../../src/store/store.js';
import { type PgCluster, startPostgres } from '../../helpers/postgres.js';
import { promtoolCheckMetrics } from '../../helpers/prometheus.js';
import { NOW, seedFleet } from '../../helpers/serve.js';
import { seedCentre } from '../../helpers/serve-centre.js';

/** GET /metrics of serve, from the local SQLite and from the centre, as promtool reads it. */
const READ = 'read-token-0123456789abcdef';
const H = 3_600_000;

let cluster: PgCluster;
beforeAll(async () => {
  cluster = await startPostgres();
}, 120_000);
afterAll(async () => {
  await cluster?.destroy();
});

async function servedMetrics(model: ReadModel, metricsText: () => Promise<string>): Promise<string> {
  const server = await startServer({
    listen: '127.0.0.1:0',
    readModel: model,
    tokens: { read: READ },
    lang: 'en',
    now: () => NOW,
    logger: createLogger({ write: () => {}, level: 'silent' }),
    escalateAfter: 3,
    metricsText,
  });
  try {
    const response = await fetch(new URL('/metrics', server.url), {
      headers: { Authorization: `Bearer ${READ}` },
      signal: AbortSignal.timeout(20_000),
    });
    expect(response.status).toBe(200);
    return await response.text();
  } finally {
    await server.close();
  }
}

describe('GET /metrics passes promtool check metrics', () => {
  it('from the local SQLite database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'backup-alert-api-'));
    const store = Store.open(seedFleet(dir).dbPath);
    try {
      const text = await servedMetrics(new SqliteReadModel(store), async () =>
        renderExposition(store.metricsSnapshot({ version: 'test', types: [], channels: [] })),
      );
      expect(text).toContain('backup_alert_runs_total');
      expect(await promtoolCheckMetrics(text)).toEqual({ exitCode: 0, output: '' });
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('from the centre: every host, a "never" series for a promised type, a host only the centre knows', async () => {
    const { url } = await seedCentre(cluster, {
      expectations: (host): Record<string, number> =>
        host === 'mail1' ? { daily: 26 * H, weekly: 8 * 24 * H } : {},
      extra: [{ host: 'web2', type: 'daily', status: 'success', hoursAgo: 3 }],
    });
    const pool = await openCentrePool(url, {
      timeoutMs: 10_000,
      max: 4,
      applicationName: 'backup-alert test',
      secrets: [],
    });
    const model = new CentreReadModel(pool);
    try {
      const text = await servedMetrics(model, async () =>
        renderExposition(await model.metricsSnapshot('test')),
      );
      expect(text).toContain(
        'backup_alert_runs_total{host="files1",backup_job="weekly",type="weekly",status="failure"} 3',
      );
      expect(text).toContain(
        'backup_alert_last_run_timestamp_seconds{host="mail1",backup_job="weekly",type="weekly"} 0',
      );
      expect(await promtoolCheckMetrics(text)).toEqual({ exitCode: 0, output: '' });
    } finally {
      await model.close();
    }
  });
});
