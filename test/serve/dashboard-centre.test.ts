import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCentrePool } from '../../src/fleet/pool.js';
import { CentreReadModel } from '../../src/fleet/read-model.js';
import { type RunningServer, startServer } from '../../src/serve/server.js';
import { createLogger } from '../../src/shared/logger.js';
import { backgroundOf, launchChromium, openWatched } from '../helpers/browser.js';
import { type PgCluster, startPostgres } from '../helpers/postgres.js';
import { NOW, WEB1_FAILURE } from '../helpers/serve.js';
import { seedCentre } from '../helpers/serve-centre.js';

/**
 * The dashboard over the centre in Debian's Chromium: hosts from several machines, each
 * shipped by its own sync, each judged by the promise it sent.
 */
const TOKEN = 'centre-dashboard-token-0123456789';
const H = 3_600_000;

let cluster: PgCluster;
let model: CentreReadModel;
let server: RunningServer;
/** The same centre with the large-fleet page from 2 hosts on. */
let large: RunningServer;
let database: string;
let browser: Browser;
let ids: string[];

beforeAll(async () => {
  cluster = await startPostgres();
  const seeded = await seedCentre(cluster, {
    // Every host promises a daily backup within 26 h; backup1 also a monthly one it never ran.
    expectations: (host): Record<string, number> =>
      host === 'backup1' ? { daily: 26 * H, monthly: 32 * 24 * H } : { daily: 26 * H },
    extra: [{ host: 'backup1', type: 'daily', status: 'success', hoursAgo: 4 }],
  });
  ids = seeded.ids;
  database = seeded.database;
  const pool = await openCentrePool(seeded.url, {
    timeoutMs: 10_000,
    max: 4,
    applicationName: 'backup-alert test',
    secrets: [],
  });
  model = new CentreReadModel(pool);
  server = await startServer({
    listen: '127.0.0.1:0',
    readModel: model,
    tokens: { read: TOKEN },
    lang: 'ja',
    now: () => NOW,
    logger: createLogger({ write: () => {}, level: 'silent' }),
    escalateAfter: 3,
    timeZone: 'Asia/Tokyo',
  });
  large = await startServer({
    listen: '127.0.0.1:0',
    readModel: model,
    tokens: { read: TOKEN },
    lang: 'ja',
    now: () => NOW,
    logger: createLogger({ write: () => {}, level: 'silent' }),
    escalateAfter: 3,
    largeFleetHosts: 2,
  });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await large?.close();
  await model?.close();
  await cluster?.destroy();
});

describe('the dashboard over the centre, in Chromium', () => {
  it('shows every machine: the failed host red with its error, overdue and never-run promises, output as text', async () => {
    const w = await openWatched(browser, TOKEN);
    const page = await w.context.newPage();
    expect((await page.goto(server.url, { waitUntil: 'load' }))?.status()).toBe(200);

    const failed = page.locator('td.h-failed[data-host="web1"][data-type="daily"]');
    await expect.poll(() => failed.count()).toBe(1);
    expect(await backgroundOf(failed)).toBe('rgb(198, 40, 40)');
    expect(await failed.textContent()).toContain(
      'Backup script failed with exit code 2: <b>rsync</b> refused',
    );
    // mail1's last success is 80 h old against its 26 h promise; backup1 never ran its monthly.
    expect(await page.locator('td.h-stale[data-host="mail1"][data-type="daily"]').count()).toBe(1);
    expect(await page.locator('td.h-never[data-host="backup1"][data-type="monthly"]').count()).toBe(1);
    expect(await page.locator('td.h-ok[data-host="backup1"][data-type="daily"]').count()).toBe(1);
    const hosts = await page.locator('table.grid tbody th').allInnerTexts();
    expect(new Set(hosts)).toEqual(new Set(['db1', 'web1', 'files1', 'mail1', 'backup1']));
    // Hosts that need someone first.
    expect(['web1', 'files1', 'db1']).toContain(hosts[0]);

    const pre = page.locator('#failures pre').first();
    expect(await pre.textContent()).toContain('<script>alert(1)</script>');
    expect(await page.locator('main script, main img').count()).toBe(0);
    expect(await page.locator('header .local-time').textContent()).toBe(
      '2026-03-10 21:00:00 +09:00 (Asia/Tokyo)',
    );

    // The run's page, through its link, which names the host.
    await page.click(`a[href="/backups/${ids[WEB1_FAILURE]}?host=web1"] >> nth=0`);
    await page.waitForURL(`**/backups/${ids[WEB1_FAILURE]}?host=web1`);
    expect(await page.locator('#output pre').textContent()).toContain('<script>alert(1)</script>');
    expect(await page.locator('#notifications').textContent()).toContain('HTTP 503 from hooks.slack.com');
    expect(await page.locator('dl').textContent()).toContain('+09:00 (Asia/Tokyo)');

    const origin = new URL(server.url).origin;
    expect(w.requests.filter((url) => new URL(url).origin !== origin)).toEqual([]);
    expect(w.dialogs).toEqual([]);
    expect(w.consoleErrors).toEqual([]);
  });

  it('a large fleet: the hosts in trouble first with counts per kind, the healthy ones paged and searchable without JavaScript', async () => {
    // 120 quiet hosts that promised nothing, and one to search for, beside the five in trouble.
    await cluster.query(
      `INSERT INTO hosts (host, instance_id, last_seen_at, version, expectations)
       SELECT name, gen_random_uuid(), now(), 'test', '{}'
         FROM (SELECT 'bulk-' || lpad(n::text, 3, '0') AS name FROM generate_series(1, 120) n
               UNION ALL SELECT 'zeta-special') x`,
      [],
      database,
    );
    const w = await openWatched(browser, TOKEN, { javaScriptEnabled: false });
    const page = await w.context.newPage();
    const response = await page.goto(`${large.url}?lang=en`, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    const kind = (name: string) => page.locator(`#problems li[data-kind="${name}"]`).textContent();
    expect(await kind('failed')).toBe('failed: 3');
    expect(await kind('never')).toBe('never ran: 1');
    expect(await kind('healthy')).toBe('healthy: 121');
    // The trouble grid holds the five hosts in trouble and no healthy one.
    const troubled = await page.locator('#problems table.grid tbody th').allInnerTexts();
    expect(new Set(troubled)).toEqual(new Set(['db1', 'web1', 'files1', 'mail1', 'backup1']));
    expect(await page.locator('#problems td.h-failed[data-host="web1"][data-type="daily"]').count()).toBe(1);
    expect(await page.locator('#healthy h2').textContent()).toBe('Healthy hosts (121)');
    const rows = () => page.locator('#healthy tbody tr td:first-child').allInnerTexts();
    const first = await rows();
    expect(first).toHaveLength(50);
    expect(first[0]).toBe('bulk-001');

    await page.click('#healthy a[rel="next"]');
    await page.waitForURL('**/?lang=en&page=2#healthy');
    expect((await rows())[0]).toBe('bulk-051');
    expect(await page.locator('#healthy .pager span').textContent()).toBe('page 2 of 3');

    await page.fill('#healthy input[name="q"]', 'ZETA');
    await page.press('#healthy input[name="q"]', 'Enter');
    await page.waitForURL('**/?lang=en&q=ZETA');
    expect(await rows()).toEqual(['zeta-special']);
    expect(await page.locator('#healthy h2').textContent()).toBe('Healthy hosts (1)');

    // Japanese by default.
    await page.goto(large.url, { waitUntil: 'load' });
    expect(await page.locator('#problems h2').textContent()).toBe('対応が必要なホスト');
    const origin = new URL(large.url).origin;
    expect(w.requests.filter((url) => new URL(url).origin !== origin)).toEqual([]);
    expect(w.consoleErrors).toEqual([]);
  });
});
