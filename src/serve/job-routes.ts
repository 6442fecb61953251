import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, Hono } from 'hono';
import { isBackupType } from '../shared/run-result.js';
import { ApiError } from './api-errors.js';
import { startAndAudit } from './backups-post.js';
import type { ServeEnv, ServeOptions } from './options.js';
import { backupHref } from './page/format.js';
import { MESSAGES } from './page/i18n.js';
import { JOB_RUNS, jobPage } from './page/job-page.js';
import { layout } from './page/layout.js';
import { htmlResponse, pageContext } from './pages.js';
import { pageHost } from './query.js';

const JOB = /^[a-z0-9][a-z0-9._-]{0,62}$/;

function jobParam(c: Context<ServeEnv>): string {
  const job = c.req.param('job') ?? '';
  if (!JOB.test(job)) throw new ApiError('invalid_parameter', 'not a job name');
  return job;
}

/**
 * A Run now form is cross-site safe three ways: its token is an HMAC (key made per server
 * start) of the credential the browser sends, which another site cannot read; a browser's
 * Sec-Fetch-Site must say same-origin; and an Origin, when sent, must be this server's.
 */
function csrfFor(key: Buffer, c: Context<ServeEnv>): string {
  return createHmac('sha256', key)
    .update(c.req.header('authorization') ?? '')
    .digest('base64url');
}

function sameOrigin(c: Context<ServeEnv>): boolean {
  const site = c.req.header('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin') return false;
  const origin = c.req.header('origin');
  // Our pages send Referrer-Policy: no-referrer, so a browser posts their form with Origin:
  // null; then Sec-Fetch-Site and the token decide.
  if (origin === undefined || origin === 'null') return true;
  const url = new URL(c.req.url);
  return origin === `${url.protocol}//${c.req.header('host') ?? url.host}`;
}

/** `/jobs/{job}`: one job's last 30 runs and its charts; `POST /jobs/{job}/run`: Run now. */
export function jobRoutes(app: Hono<ServeEnv>, options: ServeOptions): void {
  const key = randomBytes(32);
  const zone = options.timeZone ? { timeZone: options.timeZone } : {};

  app.get('/jobs/:job', async (c) => {
    const page = pageContext(c, options);
    const messages = MESSAGES[page.lang];
    const job = jobParam(c);
    const host = pageHost(new URL(c.req.url).searchParams);
    // Without --job a run's job is its type: one filter serves both.
    const runs = await options.readModel.backups({
      job,
      ...(host !== undefined ? { host } : {}),
      limit: JOB_RUNS,
      offset: 0,
    });
    const canRun = options.startRun !== undefined && c.get('role') === 'admin';
    const action = `/jobs/${encodeURIComponent(job)}/run${page.langQuery}`;
    const body = jobPage(
      {
        job,
        host: host ?? null,
        runs: runs.items,
        ...(canRun ? { runNow: { action, csrf: csrfFor(key, c) } } : {}),
      },
      { messages, langQuery: page.langQuery, now: options.now(), ...zone },
    );
    const other = `/jobs/${encodeURIComponent(job)}?${host ? `host=${encodeURIComponent(host)}&` : ''}lang=${messages.otherLang.lang}`;
    return htmlResponse(
      c,
      layout(
        {
          lang: page.lang,
          messages,
          title: `${messages.job.title(job, host ?? null)} · ${messages.title}`,
          refreshSeconds: 0,
          now: options.now(),
          otherLangHref: other,
          ...zone,
        },
        body,
      ),
    );
  });

  // Admin only (app.ts refuses any other POST); audited with the user like the API's.
  app.post('/jobs/:job/run', async (c) => {
    const job = jobParam(c);
    const form = await c.req.parseBody();
    const given = typeof form['csrf'] === 'string' ? Buffer.from(form['csrf']) : Buffer.alloc(0);
    const expected = Buffer.from(csrfFor(key, c));
    const tokenOk = given.length === expected.length && timingSafeEqual(given, expected);
    if (!tokenOk || !sameOrigin(c)) {
      options.logger.warn(
        'Serve',
        `Run now for ${job} refused: not from this server's page (from ${c.get('remote')})`,
      );
      throw new ApiError(
        'forbidden',
        'this form works only from this server’s own page; reload the page and try again',
      );
    }
    const outcome = (await startAndAudit(
      c,
      options,
      isBackupType(job) ? { type: job } : { job },
      'page',
    )) as {
      backupId: string;
    };
    return c.redirect(backupHref(outcome.backupId, null, pageContext(c, options).langQuery), 303);
  });
}
