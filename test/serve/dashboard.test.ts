import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { type RunningServer, startServer } from '../../src/serve/server.js';
import { createLogger } from '../../src/shared/logger.js';
import { SqliteReadModel } from '../../src/store/read-model.js';
import { Store } from '../../src/store/store.js';
import { backgroundOf, launchChromium, openWatched } from '../helpers/browser.js';
import { ROOT } from '../helpers/cli.js';
import { NOW, seedFleet, WEB1_FAILURE } from '../helpers/serve.js';

/**
 * The dashboard in a real browser: Debian's Chromium driven by playwright-core. One
 * browser and one server for the file; a fresh context (profile) per test.
 */
const TOKEN = 'dashboard-read-token-0123456789';

let dir: string;
let store: Store;
let server: RunningServer;
let browser: Browser;
let ids: string[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'backup-alert-dashboard-'));
  const seeded = seedFleet(dir);
  ids = seeded.ids;
  store = Store.open(seeded.dbPath);
  server = await startServer({
    listen: '127.0.0.1:0',
    readModel: new SqliteReadModel(store),
    tokens: { read: TOKEN },
    lang: 'ja',
    now: () => NOW,
    logger: createLogger({ write: () => {}, level: 'silent' }),
    escalateAfter: 3,
    expect: { daily: 26 * 3_600_000 },
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const open = (options: Parameters<typeof openWatched>[2] = {}) => openWatched(browser, TOKEN, options);

describe('the dashboard in Chromium', () => {
  it('shows the failed host in red with its error, and escapes the script output (no dialog, no request elsewhere)', async () => {
    const w = await open();
    const page = await w.context.newPage();
    const response = await page.goto(server.url, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);

    const cell = page.locator('td.h-failed[data-host="web1"][data-type="daily"]');
    await expect.poll(() => cell.count()).toBe(1);
    expect(await backgroundOf(cell)).toBe('rgb(198, 40, 40)');
    expect(await cell.textContent()).toContain('Backup script failed with exit code 2: <b>rsync</b> refused');
    expect(await cell.textContent()).toContain('失敗');

    // The hostile output is shown as text, inside the failure's <pre>.
    const pre = page.locator('#failures pre').first();
    expect(await pre.textContent()).toContain('<script>alert(1)</script>');
    expect(await pre.textContent()).toContain('<img src=x onerror=alert(2)>');
    expect(await page.locator('#failures script, #failures img, main script').count()).toBe(0);

    // Escalation (3 weekly failures on files1) and undelivered alerts are listed.
    expect(await page.locator('#escalations').textContent()).toContain('files1 / weekly');
    expect(await page.locator('#undelivered').textContent()).toContain('HTTP 503 from hooks.slack.com');

    // One run's page, through its link.
    await page.click(`a[href="/backups/${ids[WEB1_FAILURE]}?host=web1"] >> nth=0`);
    await page.waitForURL(`**/backups/${ids[WEB1_FAILURE]}?host=web1`);
    expect(await page.locator('#output pre').textContent()).toContain('<script>alert(1)</script>');
    expect(await page.locator('#notifications').textContent()).toContain('slack');

    const origin = new URL(server.url).origin;
    expect(w.requests.length).toBeGreaterThanOrEqual(2);
    expect(w.requests.filter((url) => new URL(url).origin !== origin)).toEqual([]);
    expect(w.dialogs).toEqual([]);
    // A CSP violation (e.g. the style hash out of date) is reported as a console error.
    expect(w.consoleErrors).toEqual([]);
  });

  it('reads in Japanese by default and in English with ?lang=en, links keeping the choice', async () => {
    const w = await open();
    const page = await w.context.newPage();
    await page.goto(server.url);
    expect(await page.getAttribute('html', 'lang')).toBe('ja');
    expect(await page.title()).toBe('バックアップ管理');
    expect(await page.locator('h2').allInnerTexts()).toContain('ホスト × 種別の状態');

    await page.click('header a[hreflang="en"]');
    await page.waitForURL('**/?lang=en');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.title()).toBe('Backups');
    expect(await page.locator('td.h-failed[data-host="web1"]').textContent()).toContain('Failed');
    expect(await page.locator('td[data-host="mail1"][data-type="daily"]').textContent()).toContain('Overdue');
    const link = await page.locator('#failures a').first().getAttribute('href');
    expect(link).toMatch(/\?host=web1&lang=en$/);
  });

  it('works without JavaScript and fits a phone screen (the grid scrolls inside its box)', async () => {
    const w = await open({ javaScriptEnabled: false, viewport: { width: 375, height: 740 } });
    const page = await w.context.newPage();
    await page.goto(server.url);
    expect(await page.locator('td.h-failed').count()).toBeGreaterThanOrEqual(2);
    expect(await page.locator('meta[http-equiv="refresh"]').getAttribute('content')).toBe('60');
    const widths = (await page.evaluate(
      '({ page: document.documentElement.scrollWidth, viewport: window.innerWidth })',
    )) as { page: number; viewport: number };
    expect(widths.page).toBeLessThanOrEqual(widths.viewport);
  });

  it('asks a browser without the token to log in, and shows nothing', async () => {
    const context = await browser.newContext();
    onTestFinished(() => context.close());
    const page = await context.newPage();
    // Headless Chromium has no one to show the login prompt to: the challenge fails the
    // navigation; the headless shell (npm's Chromium) shows the 401 page instead. Either way,
    // nothing of the fleet.
    const navigation = await page.goto(server.url).catch((error: Error) => error);
    if (navigation instanceof Error) {
      expect(navigation.message).toMatch(/ERR_INVALID_AUTH_CREDENTIALS/);
    } else {
      expect(navigation?.status()).toBe(401);
      expect(await page.content()).not.toContain('web1');
    }
    const answer = await context.request.get(server.url);
    expect(answer.status()).toBe(401);
    expect(answer.headers()['www-authenticate']).toBe('Basic realm="backup-alert", charset="UTF-8"');
    expect(await answer.text()).not.toContain('web1');
  });

  it('makes the README screenshot (docs/dashboard.png when UPDATE_SCREENSHOT=1)', async () => {
    const w = await open({ viewport: { width: 1100, height: 760 } });
    const page = await w.context.newPage();
    await page.goto(`${server.url}?lang=en`);
    const shot = join(dir, 'dashboard.png');
    await page.screenshot({ path: shot, type: 'png' });
    const png = readFileSync(shot);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    if (process.env['UPDATE_SCREENSHOT'] === '1') copyFileSync(shot, join(ROOT, 'docs', 'dashboard.png'));
  });
});
