import type { BackupDetail } from '../read-model.js';
import { type DashboardOptions, notificationRows } from './dashboard.js';
import { jobHref, stamp } from './format.js';
import { html, type SafeHtml } from './html.js';

/** The body of `/backups/{id}`: every fact of one run, its whole stored output tail, its notifications. */
export function backupPage(run: BackupDetail, o: DashboardOptions): SafeHtml {
  const m = o.messages;
  const c = m.columns;
  const failed = run.status === 'failure' || run.status === 'abandoned';
  return html`<p><a href="/${o.langQuery}">${m.back}</a></p>
<h2>${run.backupId}</h2>
<dl>
<dt>${c.status}</dt><dd class="${failed ? 'h-failed' : run.status === 'success' ? 'h-ok' : 'h-running'}"><span class="badge">${
    m.runStatus[run.status] ?? run.status
  }</span></dd>
<dt>${c.host}</dt><dd>${run.host ?? '-'}</dd>
<dt>${c.type}</dt><dd>${run.type} · <a href="${jobHref((run as { job?: string }).job ?? run.type, run.host, o.langQuery)}">${m.job.link}</a></dd>
<dt>${c.started}</dt><dd>${stamp(run.startedAt, o.timeZone)}</dd>
<dt>${c.finished}</dt><dd>${stamp(run.finishedAt, o.timeZone)}</dd>
<dt>${c.duration}</dt><dd>${run.durationMs === null ? '-' : m.duration(run.durationMs)}</dd>
<dt>${c.exitCode}</dt><dd>${run.exitCode ?? run.signal ?? '-'}</dd>
<dt>${c.error}</dt><dd>${run.errorMessage ?? '-'}</dd>
<dt>${c.script}</dt><dd>${run.script ?? '-'}</dd>
</dl>
<section id="output"><h2>${c.output}</h2>${
    run.outputTail ? html`<pre>${run.outputTail}</pre>` : html`<p class="muted">${m.none}</p>`
  }</section>
<section id="notifications"><h2>${m.sections.notifications}</h2>${
    run.notifications.length === 0
      ? html`<p class="muted">${m.none}</p>`
      : notificationRows(run.notifications, o)
  }</section>`;
}
