import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCentrePool } from '../../src/fleet/pool.js';
import { CentreReadModel } from '../../src/fleet/read-model.js';
import { syncOnce } from '../../src/fleet/sync.js';
import type { StatusReport } from '../../src/serve/health.js';
import { type RunningServer, startServer } from '../../src/serve/server.js';
import { createLogger } from '../../src/shared/logger.js';
import { fleetConfig, freshCentre, localStore, recordRun } from '../helpers/fleet.js';
import { type PgCluster, startPostgres } from '../helpers/postgres.js';

/** serve over the centre judges by the centre's clock and shows name clashes (issue 25). */
const TOKEN = 'centre-clock-token-0123456789';
const H = 3_600_000;

let cluster: PgCluster;
let model: CentreReadModel;
let server: RunningServer;
const dir = mkdtempSync(join(tmpdir(), 'backup-alert-centre-clock-'));

async function ship(
  host: string,
  ageMs: number,
  clockSkewMs: number,
  status: 'success' | 'failure' = 'success',
) {
  const store = localStore(`${host}-${Math.random()}.db`, dir);
  const hostNow = () => new Date(Date.now() + clockSkewMs);
  recordRun(store, { startedAt: new Date(hostNow().getTime() - ageMs - 60_000), status });
  const result = await syncOnce({
    db: store.db,
    fleet: fleetConfig(url, { host, expectations: { daily: 26 * H } }),
    version: 'test',
    now: hostNow,
  });
  store.close();
  return result;
}
let url = '';

beforeAll(async () => {
  cluster = await startPostgres();
  url = cluster.url({ database: await freshCentre(cluster) });
  // fast: its clock is an hour ahead; its last success is 26.5 h old (25.5 h by its timestamps).
  await ship('fast', 26.5 * H, H);
  // fresh: a success a minute old, shipped by a host whose clock is an hour ahead.
  await ship('fresh', 0, H);
  // twice: a healthy host, and a second machine under its name, refused.
  await ship('twice', H, 0);
  expect((await ship('twice', 2 * H, 0, 'failure')).error?.code).toBe('EHOSTCLASH');
  const pool = await openCentrePool(url, { timeoutMs: 10_000, max: 2, applicationName: 'test', secrets: [] });
  model = new CentreReadModel(pool);
  server = await startServer({
    listen: '127.0.0.1:0',
    readModel: model,
    tokens: { read: TOKEN },
    lang: 'en',
    now: () => new Date(),
    logger: createLogger({ write: () => {}, level: 'silent' }),
    escalateAfter: 3,
  });
}, 120_000);

afterAll(async () => {
  await server?.close();
  await model?.close();
  await cluster?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const get = (path: string) =>
  fetch(new URL(path, server.url), {
    headers: { Authorization: `Bearer ${TOKEN}` },
    signal: AbortSignal.timeout(10_000),
  });

describe('serve over the centre: one clock, clashes shown (issue 25)', () => {
  it('/api/v1/status judges a skewed host as status --fleet does, and lists every reason per host', async () => {
    const body = (await (await get('/api/v1/status')).json()) as { data: StatusReport };
    const report = body.data;
    const cell = (host: string) => report.types.find((t) => t.host === host)!;
    expect(cell('fast').health).toBe('stale');
    expect(cell('fast').successAgeMs!).toBeGreaterThan(26.4 * H);
    // A run that just finished is not an hour in the future.
    expect(cell('fresh').health).toBe('ok');
    expect(cell('fresh').successAgeMs!).toBeGreaterThanOrEqual(0);
    expect(cell('fresh').successAgeMs!).toBeLessThan(5 * 60_000);
    expect(report.healthy).toBe(false);
    expect(report.hosts?.map((h) => ({ host: h.host, reasons: h.reasons }))).toEqual([
      { host: 'twice', reasons: [{ health: 'clash', type: null }] },
      { host: 'fast', reasons: [{ health: 'stale', type: 'daily' }] },
      { host: 'fresh', reasons: [] },
    ]);
    expect(report.hosts?.find((h) => h.host === 'fast')?.clockSkewMs).toBeGreaterThan(H - 60_000);
  });

  it('the dashboard puts the clash and the skewed clocks on top', async () => {
    const page = await (await get('/?lang=en')).text();
    const notes = page.slice(page.indexOf('<section id="host-notes">'), page.indexOf('</section>'));
    expect(notes).toContain('<strong>twice</strong>: Name clash (critical): 1 other machine(s) refused');
    expect(notes).toMatch(/<strong>fast<\/strong>: Clock off by \+1h/);
    expect(page.indexOf('id="host-notes"')).toBeLessThan(page.indexOf('id="health"'));
  });
});
