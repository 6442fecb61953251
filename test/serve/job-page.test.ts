import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { ServeAuditEntry } from '../../src/serve/options.js';
import { type RunningServer, startServer } from '../../src/serve/server.js';
import type { RunRequest } from '../../src/serve/start-run.js';
import { createLogger } from '../../src/shared/logger.js';
import { SqliteReadModel } from '../../src/store/read-model.js';
import { Store } from '../../src/store/store.js';
import { launchChromium, openWatched } from '../helpers/browser.js';
import { finishRun } from '../helpers/db.js';
import { NOW } from '../helpers/serve.js';
import { tempDir } from '../helpers/tmp.js';

const READ = 'job-page-read-token-0123456789';
const ADMIN = 'job-page-admin-token-012345678';
const HOUR = 3_600_000;

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

/** 32 daily runs on db1 (sizes growing, every 5th failed, the newest abandoned), one in progress, an 80 ms weekly. */
function seed(store: Store): string[] {
  const ids: string[] = [];
  type Finish = Omit<Parameters<typeof finishRun>[2], 'finishedAt' | 'outputTail'> & {
    artifactBytes?: number | null;
  };
  const add = (type: 'daily' | 'weekly', hoursAgo: number, finish?: Finish) => {
    const started = new Date(NOW.getTime() - hoursAgo * HOUR);
    const { backupId } = store.runs.insert(
      {
        type,
        startedAt: started.toISOString(),
        script: '/opt/backup.sh',
        host: 'db1',
        pid: 999_999,
        logPathTemplate: null,
      },
      started,
    );
    if (finish) {
      const { artifactBytes, ...outcome } = finish;
      finishRun(store, backupId, {
        ...outcome,
        finishedAt: new Date(started.getTime() + 60_000).toISOString(),
        outputTail: null,
      });
      // Test data only: the pipeline writes these from `run --artifact`.
      if (artifactBytes) {
        store.db
          .prepare(
            "UPDATE backup_logs SET artifact_path = '/backup/db.tar.gz', artifact_bytes = ? WHERE backup_id = ?",
          )
          .run(artifactBytes, backupId);
      }
    }
    ids.push(backupId);
  };
  for (let i = 32; i >= 2; i--) {
    const failed = i % 5 === 0;
    add('daily', i * 24 + 3, {
      status: failed ? 'failure' : 'success',
      durationMs: 60_000 + i * 1000,
      exitCode: failed ? 1 : 0,
      signal: null,
      errorMessage: failed ? 'Backup script failed with exit code 1: disk full' : null,
      artifactBytes: failed ? null : 1_000_000_000 - i * 1_000_000,
    });
  }
  add('daily', 27, {
    status: 'abandoned',
    durationMs: null,
    exitCode: null,
    signal: null,
    errorMessage: 'Backup wrapper died',
  });
  add('daily', 0.5);
  add('weekly', 3, { status: 'success', durationMs: 80, exitCode: 0, signal: null, errorMessage: null });
  return ids;
}

async function served() {
  const store = Store.open(join(tempDir(), 'backup-alert.db'));
  onTestFinished(() => store.close());
  const ids = seed(store);
  const started: RunRequest[] = [];
  const audits: ServeAuditEntry[] = [];
  const server: RunningServer = await startServer({
    listen: '127.0.0.1:0',
    readModel: new SqliteReadModel(store),
    tokens: { read: READ, admin: ADMIN },
    lang: 'en',
    now: () => NOW,
    logger: createLogger({ write: () => {}, level: 'silent' }),
    escalateAfter: 3,
    // The real spawner is tested with the CLI (serve-runbook.test.ts); here: what the page asks.
    startRun: async (request) => {
      started.push(request);
      return { kind: 'started', backupId: ids[0]! };
    },
    audit: (entry) => {
      audits.push(entry);
    },
  });
  onTestFinished(() => server.close());
  return { server, ids, started, audits };
}

describe('the dashboard fixes, in Chromium without JavaScript', () => {
  it('shows the run in progress, names an abandoned run, keeps time stamps whole, counts jobs, shows 80 ms', async () => {
    const { server, ids } = await served();
    const w = await openWatched(browser, READ, {
      javaScriptEnabled: false,
      viewport: { width: 360, height: 800 },
    });
    const page = await w.context.newPage();
    await page.goto(server.url, { waitUntil: 'load' });
    const daily = page.locator('td.cell[data-host="db1"][data-type="daily"]');
    expect(await daily.locator('.badge').textContent()).toBe('abandoned');
    expect(await daily.locator('a.running').textContent()).toBe('▶ running for 30m');
    expect(await daily.locator('a.running').getAttribute('href')).toBe(`/backups/${ids[32]}?host=db1`);
    expect(await page.locator('.summary li').allTextContents()).toEqual(
      expect.arrayContaining(['hosts: 1', 'jobs (host × type): 2']),
    );
    const stampLines = await page
      .locator('#failures .time')
      .first()
      .evaluate((el) => (el as { getClientRects(): { length: number } }).getClientRects().length);
    expect(stampLines).toBe(1);
    await page.goto(new URL(`/backups/${ids[33]}`, server.url).href);
    expect(await page.locator('dd', { hasText: '80 ms' }).count()).toBe(1);
    expect(w.consoleErrors).toEqual([]);
  });

  it('the job page: the last 30 runs as a strip and duration and size as inline SVG, linked from the grid and the run page', async () => {
    const { server, ids } = await served();
    const w = await openWatched(browser, READ, { javaScriptEnabled: false });
    const page = await w.context.newPage();
    await page.goto(server.url, { waitUntil: 'load' });
    await page.locator('td.cell[data-type="daily"] a', { hasText: 'history' }).click();
    expect(new URL(page.url()).pathname).toBe('/jobs/daily');
    const strip = page.locator('ol.strip li a');
    expect(await strip.count()).toBe(30);
    // Oldest left, newest (the run in progress) right.
    expect(await strip.last().getAttribute('class')).toBe('s-running');
    expect(await strip.last().getAttribute('href')).toBe(`/backups/${ids[32]}?host=db1`);
    expect(await page.locator('#strip .s-failure').count()).toBe(5);
    // 28 finished with a duration (the abandoned and the running have none); 23 with a size.
    expect(await page.locator('#duration svg.chart circle').count()).toBe(28);
    expect(await page.locator('#size svg.chart circle').count()).toBe(23);
    const box = await page.locator('#size svg.chart').boundingBox();
    expect(box?.width).toBeGreaterThan(300);
    // Only the page itself was fetched: the charts need nothing else, and no form for a reader.
    expect(w.requests.every((url) => url.startsWith(server.url))).toBe(true);
    expect(await page.locator('form.run-now').count()).toBe(0);
    await page.goto(new URL(`/backups/${ids[5]}?host=db1`, server.url).href);
    expect(await page.locator('dd a', { hasText: 'history' }).getAttribute('href')).toBe(
      '/jobs/daily?host=db1',
    );
  });
});

describe('Run now', () => {
  it('starts the job from the admin’s page without JavaScript, audited, and lands on the run', async () => {
    const { server, ids, started, audits } = await served();
    const w = await openWatched(browser, ADMIN, { javaScriptEnabled: false });
    const page = await w.context.newPage();
    await page.goto(new URL('/jobs/weekly', server.url).href, { waitUntil: 'load' });
    const answers: string[] = [];
    page.on('response', (r) =>
      answers.push(`${r.request().method()} ${new URL(r.url()).pathname} ${r.status()}`),
    );
    await page.locator('form.run-now button').click();
    await page.waitForLoadState('load');
    expect(answers).toEqual(['POST /jobs/weekly/run 303', `GET /backups/${ids[0]} 200`]);
    expect(new URL(page.url()).pathname).toBe(`/backups/${ids[0]}`);
    expect(started).toEqual([{ type: 'weekly' }]);
    expect(audits).toEqual([
      expect.objectContaining({
        operation: 'backup-start',
        status: 'success',
        details: expect.objectContaining({ job: 'weekly', via: 'page' }),
      }),
    ]);
  });

  it('refuses a cross-site post: no token, a wrong token, or another site’s Origin / Sec-Fetch-Site; and a reader', async () => {
    const { server, started } = await served();
    const basic = (token: string) => `Basic ${Buffer.from(`ops:${token}`).toString('base64')}`;
    const pageHtml = await (
      await fetch(new URL('/jobs/daily', server.url), { headers: { Authorization: basic(ADMIN) } })
    ).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(pageHtml)?.[1] ?? '';
    expect(csrf).not.toBe('');
    const post = (body: string, headers: Record<string, string> = {}, token = ADMIN) =>
      fetch(new URL('/jobs/daily/run', server.url), {
        method: 'POST',
        redirect: 'manual',
        headers: {
          Authorization: basic(token),
          'Content-Type': 'application/x-www-form-urlencoded',
          ...headers,
        },
        body,
      }).then((r) => r.status);
    expect(await post('')).toBe(403);
    expect(await post('csrf=forged')).toBe(403);
    expect(await post(`csrf=${csrf}`, { Origin: 'https://evil.example' })).toBe(403);
    expect(await post(`csrf=${csrf}`, { 'Sec-Fetch-Site': 'cross-site' })).toBe(403);
    expect(await post(`csrf=${csrf}`, {}, READ)).toBe(403);
    expect(started).toEqual([]);
    expect(await post(`csrf=${csrf}`, { 'Sec-Fetch-Site': 'same-origin' })).toBe(303);
    expect(started).toEqual([{ type: 'daily' }]);
  });
});
