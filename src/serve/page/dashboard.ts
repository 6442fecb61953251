import { BACKUP_TYPES } from '../../shared/run-result.js';
import type { Health, HostTypeStatus, StatusReport } from '../health.js';
import type { BackupWithTail, NotificationItem, Page, StormNote } from '../read-model.js';
import { backupHref, clip, jobHref, outputEnd, stamp } from './format.js';
import { html, type SafeHtml } from './html.js';
import type { Messages } from './i18n.js';

export interface DashboardData {
  report: StatusReport;
  failures: BackupWithTail[];
  undelivered: Page<NotificationItem>;
  /** Over the centre (issue 26): storms of the last day, each shown as one row. */
  storms?: readonly StormNote[];
}

export interface DashboardOptions {
  messages: Messages;
  /** Appended to links so a language chosen by `?lang=` sticks. */
  langQuery: string;
  /** BACKUP_ALERT_TIMEZONE: times are shown in it too, beside UTC. */
  timeZone?: string;
  /** The page's clock (how long a run in progress has run). */
  now?: Date;
}

/** A clock off by more than this is shown (the centre's tolerance, fleet/queries.ts). */
const SKEW_SHOWN_MS = 60_000;

/** Worst first: the hosts that need someone come to the top of a 1,000-host page. */
const RANK: Readonly<Record<Health, number>> = { failed: 0, stale: 1, never: 2, running: 3, ok: 4 };
const HEALTHS: readonly Health[] = ['failed', 'stale', 'never', 'running', 'ok'];

function typeOrder(types: Iterable<string>): string[] {
  const known = BACKUP_TYPES as readonly string[];
  return [...new Set(types)].sort((a, b) => {
    const ia = known.indexOf(a);
    const ib = known.indexOf(b);
    if (ia !== -1 || ib !== -1) return (ia === -1 ? 99 : ia) - (ib === -1 ? 99 : ib);
    return a.localeCompare(b);
  });
}

function cell(s: HostTypeStatus | undefined, o: DashboardOptions): SafeHtml {
  if (!s) return html`<td class="cell muted">-</td>`;
  const m = o.messages;
  const age =
    s.successAgeMs === null
      ? m.neverSucceeded
      : `${m.columns.lastSuccess} ${m.ago(m.duration(s.successAgeMs))}`;
  const run = s.latestRun;
  // An abandoned run is named as such here too, as in the list below (its cell is still red).
  const word =
    s.health === 'failed' && run?.status === 'abandoned' ? m.runStatus['abandoned'] : m.health[s.health];
  const label = html`<span class="badge">${word}</span>`;
  const running = s.runningRun;
  const job = (s.latestRun ?? running) as ({ job?: string } & { type: string }) | null;
  return html`<td class="cell h-${s.health}" data-host="${s.host ?? ''}" data-job="${s.job}" data-type="${s.type}">${
    run ? html`<a href="${backupHref(run.backupId, run.host, o.langQuery)}">${label}</a>` : label
  }${s.health === 'failed' && run?.errorMessage && html`<span class="err">${clip(run.errorMessage, 160)}</span>`}${
    s.consecutiveFailures > 1 && html`<span class="err">${m.inARow(s.consecutiveFailures, s.escalate)}</span>`
  }${
    running &&
    html`<a class="err running" href="${backupHref(running.backupId, running.host, o.langQuery)}">▶ ${m.runningSince(
      m.duration(Math.max(0, (o.now?.getTime() ?? Date.now()) - Date.parse(running.startedAt))),
    )}</a>`
  }<span class="err">${age}</span><a class="err" href="${jobHref(job?.job ?? s.type, s.host, o.langQuery)}">${m.job.link}</a></td>`;
}

export function grid(report: StatusReport, o: DashboardOptions): SafeHtml {
  const m = o.messages;
  if (report.types.length === 0) return html`<p>${m.noRuns}</p>`;
  const types = typeOrder(report.types.map((s) => s.type));
  const hosts = new Map<
    string,
    { name: string | null; job: string | null; rank: number; cells: Map<string, HostTypeStatus> }
  >();
  for (const s of report.types) {
    // Rows are host × job (issue 21): a named job has its own row, its cell under its type;
    // the jobs named like their type (runs without --job) share the host's row, as before.
    const job = s.job && s.job !== s.type ? s.job : null;
    const key = `${s.host ?? ''}\u0000${job ?? ''}`;
    const host = hosts.get(key) ?? { name: s.host, job, rank: 9, cells: new Map() };
    host.cells.set(s.type, s);
    host.rank = Math.min(host.rank, RANK[s.health]);
    hosts.set(key, host);
  }
  const rows = [...hosts.values()].sort(
    (a, b) =>
      a.rank - b.rank ||
      (a.name ?? '').localeCompare(b.name ?? '') ||
      (a.job ?? '').localeCompare(b.job ?? ''),
  );
  return html`<div class="scroll"><table class="grid">
<thead><tr><th>${m.columns.host}</th>${types.map((t) => html`<th>${t}</th>`)}</tr></thead>
<tbody>
${rows.map((h) => html`<tr><th scope="row">${h.name ?? '-'}${h.job !== null && html` · ${h.job}`}</th>${types.map((t) => cell(h.cells.get(t), o))}</tr>\n`)}</tbody>
</table></div>`;
}

function summary(report: StatusReport, o: DashboardOptions): SafeHtml {
  const counts = new Map<Health, number>();
  for (const s of report.types) counts.set(s.health, (counts.get(s.health) ?? 0) + 1);
  const hosts = new Set(report.types.map((s) => s.host)).size;
  return html`<ul class="summary"><li>${o.messages.summary.hosts}: ${hosts}</li><li>${o.messages.summary.jobs}: ${report.types.length}</li>${HEALTHS.filter(
    (h) => counts.has(h),
  ).map((h) => html`<li class="h-${h}">${o.messages.health[h]}: ${counts.get(h)}</li>`)}</ul>`;
}

export function escalations(report: StatusReport, o: DashboardOptions): SafeHtml | false {
  const list = report.types.filter((s) => s.escalate && s.health === 'failed');
  if (list.length === 0) return false;
  return html`<section id="escalations"><h2>${o.messages.sections.escalations}</h2>${list.map(
    (s) =>
      html`<div class="esc"><strong>${s.host ?? '-'} / ${s.type}</strong>: ${o.messages.inARow(s.consecutiveFailures, true)}${
        s.latestRun &&
        html` — <a href="${backupHref(s.latestRun.backupId, s.latestRun.host, o.langQuery)}">${s.latestRun.backupId}</a>`
      }</div>`,
  )}</section>`;
}

export function failures(list: BackupWithTail[], o: DashboardOptions): SafeHtml {
  const m = o.messages;
  return html`<section id="failures"><h2>${m.sections.failures}</h2>${
    list.length === 0
      ? html`<p class="muted">${m.none}</p>`
      : list.map(
          (
            f,
          ) => html`<div class="failure"><a href="${backupHref(f.backupId, f.host, o.langQuery)}">${f.backupId}</a>
 <span class="muted">${f.host ?? '-'} · ${f.type} · <span class="time">${stamp(f.startedAt, o.timeZone)}</span> · ${m.runStatus[f.status] ?? f.status}</span>
<div>${m.columns.error}: ${f.errorMessage ?? '-'}</div>${f.outputTail && html`<pre>${outputEnd(f.outputTail, 12, 1500)}</pre>`}</div>`,
        )
  }</section>`;
}

export function notificationRows(items: NotificationItem[], o: DashboardOptions): SafeHtml {
  const m = o.messages;
  return html`<div class="scroll"><table>
<thead><tr><th>${m.columns.created}</th><th>${m.columns.backupId}</th><th>${m.columns.host}</th><th>${m.columns.channel}</th><th>${m.columns.recipient}</th><th>${m.columns.status}</th><th>${m.columns.attempts}</th><th>${m.columns.error}</th></tr></thead>
<tbody>${items.map(
    (n) =>
      html`<tr><td class="time">${stamp(n.createdAt, o.timeZone)}</td><td>${
        n.backupId ? html`<a href="${backupHref(n.backupId, n.host, o.langQuery)}">${n.backupId}</a>` : '-'
      }</td><td>${n.host ?? '-'}</td><td>${n.channel}</td><td>${n.recipient ?? '-'}</td><td>${
        m.notificationStatus[n.status] ?? n.status
      }</td><td>${n.attempts}</td><td>${n.errorMessage ?? ''}</td></tr>`,
  )}</tbody></table></div>`;
}

export function undelivered(page: Page<NotificationItem>, o: DashboardOptions): SafeHtml {
  const m = o.messages;
  return html`<section id="undelivered"><h2>${m.sections.undelivered}${
    page.total > page.items.length &&
    html` <span class="muted">(${m.moreOf(page.items.length, page.total)})</span>`
  }</h2>${page.items.length === 0 ? html`<p class="muted">${m.none}</p>` : notificationRows(page.items, o)}</section>`;
}

/** Over the centre: clashes (critical) and skewed clocks, above everything else. */
export function hostNotes(report: StatusReport, o: DashboardOptions): SafeHtml | false {
  const notes = (report.hosts ?? []).filter((h) => h.clash || Math.abs(h.clockSkewMs) > SKEW_SHOWN_MS);
  if (notes.length === 0) return false;
  const m = o.messages.hostNotes;
  const skew = (ms: number) => `${ms > 0 ? '+' : '-'}${o.messages.duration(Math.abs(ms))}`;
  return html`<section id="host-notes"><h2>${m.section}</h2>${notes.map(
    (h) =>
      html`<div class="${h.clash ? 'note h-failed' : 'note'}" data-host="${h.host}"><strong>${h.host}</strong>: ${
        h.clash && m.clash(h.clash.installations, h.clash.pendingRows)
      }${h.clash && Math.abs(h.clockSkewMs) > SKEW_SHOWN_MS && ' · '}${
        Math.abs(h.clockSkewMs) > SKEW_SHOWN_MS && m.clock(skew(h.clockSkewMs))
      }</div>`,
  )}</section>`;
}

/** Over the centre: each storm as one row (its hosts' cells stay in the grid below). */
export function storms(list: readonly StormNote[] | undefined, o: DashboardOptions): SafeHtml | false {
  if (!list || list.length === 0) return false;
  const m = o.messages.storms;
  return html`<section id="storms"><h2>${m.section}</h2>${list.map(
    (storm) =>
      html`<div class="note h-failed" data-storm-kind="${storm.kind}" data-storm-label="${storm.label}"><strong>${m.row(
        storm.hostCount,
        storm.kind,
        clip(storm.label, 120),
        storm.job,
      )}</strong> <span class="time">${stamp(storm.openedAt, o.timeZone)}</span></div>`,
  )}</section>`;
}

/** The body of `/` (a small fleet, or one machine; fleet-dashboard.ts for a large one): storms, clashes and clocks, summary, escalations, the grid, failures, undelivered alerts. */
export function dashboard(data: DashboardData, o: DashboardOptions): SafeHtml {
  return html`${storms(data.storms, o)}
${hostNotes(data.report, o)}
${summary(data.report, o)}
${escalations(data.report, o)}
<section id="health"><h2>${o.messages.sections.grid}</h2>${grid(data.report, o)}</section>
${failures(data.failures, o)}
${undelivered(data.undelivered, o)}`;
}
