import { createHash } from 'node:crypto';
import { formatLocalTime } from '../../shared/local-time.js';
import { VERSION } from '../../shared/version.js';
import { type HtmlValue, html, SafeHtml } from './html.js';
import type { Messages, PageLang } from './i18n.js';

/**
 * The one stylesheet, inline and allowed by its hash in the CSP: the page needs no other
 * request, and no other style or any script can run even if escaping ever failed.
 */
const STYLE = `
:root{color-scheme:light;--ok:#2e7d32;--failed:#c62828;--stale:#ef6c00;--never:#616161;--running:#1565c0}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI","Hiragino Sans","Noto Sans CJK JP","Yu Gothic",sans-serif;color:#1b1b1b;background:#f6f7f9}
header,main,footer{padding:12px 16px;max-width:1400px;margin:0 auto}
header{display:flex;flex-wrap:wrap;gap:8px 16px;align-items:baseline}
h1{font-size:20px;margin:0}
h2{font-size:16px;margin:24px 0 8px}
a{color:#0b57d0}
.muted{color:#5f6368}
.summary{display:flex;flex-wrap:wrap;gap:6px;margin:0;padding:0;list-style:none}
.summary li{padding:2px 8px;border-radius:10px;background:#e8eaed}
.summary li.h-failed{background:var(--failed);color:#fff}.summary li.h-ok{background:#e6f4ea}.summary li.h-stale{background:#fff3e0}.summary li.h-running{background:#e3f2fd}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;background:#fff;border:1px solid #dadce0;border-radius:6px}
table{border-collapse:collapse;width:100%}
th,td{padding:6px 8px;border-bottom:1px solid #eceff1;text-align:left;vertical-align:top}
th{background:#f1f3f4;font-weight:600;white-space:nowrap}
td.cell{min-width:9em}
.h-ok{background:#e6f4ea}
.h-failed{background:var(--failed);color:#fff}
.h-failed a{color:#fff}
.h-stale{background:#fff3e0}
.h-never{background:#eeeeee;color:#424242}
.h-running{background:#e3f2fd}
.badge{font-weight:700}
.err{display:block;font-size:12px;overflow-wrap:break-word}
.time,td.time{white-space:nowrap}
.strip{display:flex;flex-wrap:wrap;gap:3px;margin:6px 0;padding:0;list-style:none}
.strip a{display:block;width:14px;height:22px;border-radius:2px;background:#bdbdbd}
.strip .s-success{background:var(--ok)}.strip .s-failure{background:var(--failed)}.strip .s-abandoned{background:#6d4c41}.strip .s-running{background:var(--running)}
svg.chart{display:block;width:100%;max-width:720px;height:auto;background:#fff;border:1px solid #dadce0;border-radius:6px}
form.run-now{margin:8px 0}
.esc{border-left:4px solid var(--failed);padding:6px 10px;background:#fff;margin:4px 0}
pre{margin:6px 0 0;padding:8px;background:#111;color:#eee;font-size:12px;white-space:pre-wrap;overflow-wrap:anywhere;max-height:24em;overflow:auto;border-radius:4px}
.failure{background:#fff;border:1px solid #dadce0;border-left:4px solid var(--failed);border-radius:6px;padding:8px 10px;margin:8px 0}
dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 12px;background:#fff;padding:10px;border:1px solid #dadce0;border-radius:6px}
dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}
@media (max-width:600px){header,main,footer{padding:8px}th,td{padding:4px 6px}td.cell{min-width:7em}body{font-size:13px}}
`;

const STYLE_HASH = createHash('sha256').update(STYLE, 'utf8').digest('base64');

/** default-src 'none': no script, image, font, frame or connection of any origin, ours included. */
export const PAGE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${STYLE_HASH}'`,
  "base-uri 'none'",
  // The job page's Run now form posts to this server (with a CSRF token); nowhere else.
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export interface LayoutOptions {
  lang: PageLang;
  messages: Messages;
  title: string;
  /** Seconds between reloads by <meta http-equiv="refresh">; 0 = none. */
  refreshSeconds: number;
  now: Date;
  /** The link to this same page in the other language. */
  otherLangHref: string;
  /** BACKUP_ALERT_TIMEZONE: the check time is shown in it too, beside UTC. */
  timeZone?: string;
}

export function layout(options: LayoutOptions, body: HtmlValue): SafeHtml {
  const m = options.messages;
  const checked = options.now.toISOString().replace('T', ' ').slice(0, 19);
  const local = options.timeZone ? formatLocalTime(options.now.toISOString(), options.timeZone) : undefined;
  return html`<!doctype html>
<html lang="${options.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${options.refreshSeconds > 0 && html`<meta http-equiv="refresh" content="${options.refreshSeconds}">`}
<meta name="referrer" content="no-referrer">
<title>${options.title}</title>
<style>${new SafeHtml(STYLE)}</style>
</head>
<body>
<header>
<h1>${options.title}</h1>
<span class="muted">${m.checkedAt}: <time datetime="${options.now.toISOString()}">${checked} UTC</time>${local && html` / <span class="local-time">${local}</span>`}${options.refreshSeconds > 0 && ` · ${m.refreshEvery(options.refreshSeconds)}`}</span>
<a href="${options.otherLangHref}" hreflang="${m.otherLang.lang}" lang="${m.otherLang.lang}">${m.otherLang.label}</a>
</header>
<main>
${body}
</main>
<footer class="muted">backup-alert ${VERSION}</footer>
</body>
</html>
`;
}
