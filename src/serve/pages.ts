import type { Context, Hono } from 'hono';
import { ApiError } from './api-errors.js';
import { statusReport } from './health.js';
import type { ServeEnv, ServeOptions } from './options.js';
import { backupPage } from './page/backup-page.js';
import { dashboard } from './page/dashboard.js';
import { fleetDashboard } from './page/fleet-dashboard.js';
import { FLEET_MESSAGES } from './page/fleet-i18n.js';
import { backupHref } from './page/format.js';
import { html, type SafeHtml } from './page/html.js';
import { MESSAGES, type PageLang } from './page/i18n.js';
import { layout, PAGE_CSP } from './page/layout.js';
import { fleetPageParams, pageHost, pageLang, parseBackupId } from './query.js';

export const DEFAULT_REFRESH_SECONDS = 60;
/** Failures and undelivered alerts shown on `/`; the API pages through the rest. */
const LATEST = 10;
const UNDELIVERED = 20;
/**
 * From this many hosts on, `/` over the centre shows the hosts in trouble and pages the rest
 * (fleet-dashboard.ts): at 1,000 hosts the grid is 4,000 cells and about 1 MB of HTML.
 */
export const LARGE_FLEET_HOSTS = 200;

export interface PageContext {
  lang: PageLang;
  /** `?lang=xx` when the reader chose a language, so links keep it. */
  langQuery: string;
}

export function pageContext(c: Context<ServeEnv>, options: ServeOptions): PageContext {
  const chosen = pageLang(new URL(c.req.url).searchParams);
  return { lang: chosen ?? options.lang, langQuery: chosen ? `?lang=${chosen}` : '' };
}

export function htmlResponse(
  c: Context<ServeEnv>,
  body: SafeHtml,
  status: 200 | 400 | 401 | 403 | 404 | 409 | 413 | 415 | 421 | 429 | 500 | 503 = 200,
): Response {
  c.header('Content-Security-Policy', PAGE_CSP);
  return c.html(body.text, status);
}

/** A short error page in the reader's language setting (API paths answer JSON instead). */
export function errorPage(c: Context<ServeEnv>, options: ServeOptions, error: ApiError): Response {
  const { lang } = pageContext(c, options);
  const messages = MESSAGES[lang];
  const body = layout(
    {
      lang,
      messages,
      title: `${error.status} · ${messages.title}`,
      refreshSeconds: 0,
      now: options.now(),
      otherLangHref: `?lang=${messages.otherLang.lang}`,
      ...(options.timeZone ? { timeZone: options.timeZone } : {}),
    },
    html`<p>${error.message}</p><p><a href="/">${messages.back}</a></p>`,
  );
  return htmlResponse(
    c,
    body,
    error.status as 400 | 401 | 403 | 404 | 409 | 413 | 415 | 421 | 429 | 500 | 503,
  );
}

/** `/` (the overview) and `/backups/{id}` (one run): server-rendered, no script, one request each. */
export function pageRoutes(app: Hono<ServeEnv>, options: ServeOptions): void {
  const { readModel } = options;
  const refreshSeconds = options.refreshSeconds ?? DEFAULT_REFRESH_SECONDS;
  const zone = options.timeZone ? { timeZone: options.timeZone } : {};

  app.get('/', async (c) => {
    const page = pageContext(c, options);
    const messages = MESSAGES[page.lang];
    const now = options.now();
    const chosen = fleetPageParams(new URL(c.req.url).searchParams);
    const [fleet, failures, undelivered, notes, storms] = await Promise.all([
      // BACKUP_ALERT_EXPECT adds promises the summary does not know of: the grid judges them.
      options.expect
        ? undefined
        : readModel.fleetPage?.(
            {
              now,
              page: chosen.page,
              ...(chosen.search !== undefined ? { search: chosen.search } : {}),
              ...(options.maxAgeMs !== undefined ? { fallbackMaxAgeMs: options.maxAgeMs } : {}),
            },
            options.largeFleetHosts ?? LARGE_FLEET_HOSTS,
          ),
      readModel.latestFailures(LATEST),
      readModel.undelivered(UNDELIVERED),
      readModel.hostNotes?.(),
      readModel.storms?.(),
    ]);
    const facts = fleet ? fleet.problemFacts : await readModel.statusFacts();
    const report = statusReport(facts, {
      now,
      escalateAfter: options.escalateAfter,
      ...(options.maxAgeMs !== undefined ? { maxAgeMs: options.maxAgeMs } : {}),
      ...(options.expect ? { expect: options.expect } : {}),
      ...(notes ? { notes } : {}),
    });
    const o = { messages, langQuery: page.langQuery, now, ...zone };
    const base = { report, failures, undelivered, ...(storms ? { storms } : {}) };
    const body = fleet
      ? fleetDashboard(
          {
            ...base,
            fleet,
            search: chosen.search,
            page: chosen.page,
            lang: pageLang(new URL(c.req.url).searchParams),
            words: FLEET_MESSAGES[page.lang],
          },
          o,
        )
      : dashboard(base, o);
    return htmlResponse(
      c,
      layout(
        {
          lang: page.lang,
          messages,
          title: messages.title,
          refreshSeconds,
          now,
          otherLangHref: `/?lang=${messages.otherLang.lang}`,
          ...zone,
        },
        body,
      ),
    );
  });

  app.get('/backups/:backupId', async (c) => {
    const page = pageContext(c, options);
    const messages = MESSAGES[page.lang];
    const backupId = parseBackupId(c.req.param('backupId'));
    const host = pageHost(new URL(c.req.url).searchParams);
    const run = await readModel.backup(backupId, host);
    if (!run) throw new ApiError('not_found', messages.notFound);
    const other = backupHref(backupId, host ?? null, `?lang=${messages.otherLang.lang}`);
    return htmlResponse(
      c,
      layout(
        {
          lang: page.lang,
          messages,
          title: `${backupId} · ${messages.title}`,
          refreshSeconds,
          now: options.now(),
          otherLangHref: other,
          ...zone,
        },
        backupPage(run, { messages, langQuery: page.langQuery, ...zone }),
      ),
    );
  });

  // Browsers ask for it on their own; an empty answer beats a logged 404 on every load.
  app.get('/favicon.ico', (c) => c.body(null, 204));
}
