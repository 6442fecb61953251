import type { Health, StatusReport } from '../health.js';
import type { FleetPage } from '../read-model.js';
import {
  type DashboardData,
  type DashboardOptions,
  escalations,
  failures,
  grid,
  hostNotes,
  storms,
  undelivered,
} from './dashboard.js';
import type { FleetMessages } from './fleet-i18n.js';
import { stamp } from './format.js';
import { html, type SafeHtml } from './html.js';

/** Host rows the trouble grid shows at most: a fleet on fire still gets a page, not 9 MB. */
export const PROBLEM_HOSTS_SHOWN = 200;
/** A clock off by more than this is shown (the centre's tolerance, fleet/queries.ts). */
const SKEW_SHOWN_MS = 60_000;
const RANK: Readonly<Record<Health, number>> = { failed: 0, stale: 1, never: 2, running: 3, ok: 4 };

export interface FleetDashboardData extends DashboardData {
  fleet: FleetPage;
  /** The search and page asked for (kept in the links). */
  search: string | undefined;
  page: number;
  /** `lang` when the reader chose one, kept in the links. */
  lang: string | undefined;
  /** The page's own words, in the reader's language (fleet-i18n.ts). */
  words: FleetMessages;
}

/** Hosts per kind of trouble (a host may count under several), and the healthy ones. */
function counts(data: FleetDashboardData): Array<[keyof FleetMessages['kinds'], number, string]> {
  const byKind = { failed: new Set<string>(), overdue: new Set<string>(), never: new Set<string>() };
  for (const s of data.report.types) {
    const host = s.host ?? '';
    if (s.health === 'failed') byKind.failed.add(host);
    else if (s.health === 'stale' || s.health === 'running') byKind.overdue.add(host);
    else if (s.health === 'never') byKind.never.add(host);
  }
  const notes = data.report.hosts ?? [];
  return [
    ['failed', byKind.failed.size, 'h-failed'],
    ['overdue', byKind.overdue.size, 'h-stale'],
    ['never', byKind.never.size, 'h-never'],
    ['clash', notes.filter((h) => h.clash).length, 'h-failed'],
    ['skewed', notes.filter((h) => Math.abs(h.clockSkewMs) > SKEW_SHOWN_MS).length, ''],
    ['notSeen', data.fleet.problemHosts.filter((h) => h.notSeen).length, 'h-stale'],
  ];
}

/** The worst PROBLEM_HOSTS_SHOWN hosts' cells, the grid's own order. */
function worstHosts(report: StatusReport): { report: StatusReport; shown: number; total: number } {
  const rank = new Map<string, number>();
  for (const s of report.types) {
    const host = s.host ?? '';
    rank.set(host, Math.min(rank.get(host) ?? 9, RANK[s.health]));
  }
  const hosts = [...rank.entries()].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const kept = new Set(hosts.slice(0, PROBLEM_HOSTS_SHOWN).map(([host]) => host));
  return {
    report: { ...report, types: report.types.filter((s) => kept.has(s.host ?? '')) },
    shown: kept.size,
    total: hosts.length,
  };
}

function href(data: FleetDashboardData, page: number): string {
  const params = new URLSearchParams();
  if (data.lang) params.set('lang', data.lang);
  if (data.search) params.set('q', data.search);
  if (page > 1) params.set('page', String(page));
  const query = params.toString();
  return query ? `/?${query}#healthy` : '/#healthy';
}

function problems(data: FleetDashboardData, o: DashboardOptions): SafeHtml {
  const m = data.words;
  const kinds = counts(data);
  const { report, shown, total } = worstHosts(data.report);
  const notSeen = data.fleet.problemHosts.filter((h) => h.notSeen);
  const now = o.now?.getTime() ?? Date.now();
  return html`<section id="problems"><h2>${m.section}</h2><ul class="summary"><li>${m.kinds.hosts}: ${data.fleet.hostCount}</li>${kinds.map(
    ([kind, count, css]) => html`<li class="${css}" data-kind="${kind}">${m.kinds[kind]}: ${count}</li>`,
  )}<li class="h-ok" data-kind="healthy">${m.kinds.healthy}: ${data.fleet.hostCount - data.fleet.problemHosts.length}</li></ul>${notSeen.map(
    (h) =>
      html`<div class="note h-stale" data-host="${h.host}" data-kind="notSeen"><strong>${h.host}</strong>: ${m.notSeenFor(
        o.messages.duration(Math.max(0, now - Date.parse(h.lastSeenAt))),
      )}</div>`,
  )}${total === 0 ? html`<p class="muted">${m.everyHostHealthy}</p>` : grid(report, o)}${
    shown < total && html`<p class="muted">${m.moreHosts(shown, total)}</p>`
  }</section>`;
}

function healthy(data: FleetDashboardData, o: DashboardOptions): SafeHtml {
  const m = data.words;
  const { items, total } = data.fleet.healthy;
  const pages = Math.max(1, Math.ceil(total / data.fleet.pageSize));
  const page = Math.min(data.page, pages);
  return html`<section id="healthy"><h2>${m.healthy} (${total})</h2>
<form method="get" action="/" role="search">${data.lang && html`<input type="hidden" name="lang" value="${data.lang}">`}<label>${m.search} <input type="search" name="q" value="${data.search ?? ''}" maxlength="100"></label> <button type="submit">${m.searchButton}</button></form>
${
  items.length === 0
    ? html`<p class="muted">${m.noMatch}</p>`
    : html`<table class="healthy"><thead><tr><th>${o.messages.columns.host}</th><th>${m.jobs}</th><th>${m.lastSeen}</th></tr></thead><tbody>${items.map(
        (h) =>
          html`<tr data-host="${h.host}"><td>${h.host}</td><td>${h.jobs}</td><td class="time">${stamp(h.lastSeenAt, o.timeZone)}</td></tr>`,
      )}</tbody></table>`
}<nav class="pager">${page > 1 && html`<a rel="prev" href="${href(data, page - 1)}">${m.previous}</a> `}<span>${m.page(page, pages)}</span>${
    page < pages && html` <a rel="next" href="${href(data, page + 1)}">${m.next}</a>`
  }</nav></section>`;
}

/**
 * The body of `/` over a large fleet: storms, clashes and clocks, then the hosts in trouble
 * with a count per kind and their grid, then the healthy hosts as a paged, searchable list;
 * the latest failures and undelivered alerts as on the small page.
 */
export function fleetDashboard(data: FleetDashboardData, o: DashboardOptions): SafeHtml {
  return html`${storms(data.storms, o)}
${hostNotes(data.report, o)}
${problems(data, o)}
${escalations(data.report, o)}
${healthy(data, o)}
${failures(data.failures, o)}
${undelivered(data.undelivered, o)}`;
}
