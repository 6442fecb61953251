import { formatBytes } from '../../shared/bytes.js';
import type { BackupItem } from '../read-model.js';
import type { DashboardOptions } from './dashboard.js';
import { backupHref, stamp } from './format.js';
import { html, type SafeHtml } from './html.js';
import { type ChartPoint, lineChart } from './svg-chart.js';

/** How many runs the job page shows: a month of dailies. */
export const JOB_RUNS = 30;

export interface JobPageData {
  job: string;
  host: string | null;
  /** Newest first, as the read model lists them. */
  runs: BackupItem[];
  /** The Run now form, when the reader is an admin and this server may start runs. */
  runNow?: { action: string; csrf: string };
}

const failed = (run: BackupItem): boolean => run.status === 'failure' || run.status === 'abandoned';

/**
 * The body of `/jobs/{job}`: the last 30 runs as a strip (oldest left, each a link to its
 * run), then duration and artifact size over time as inline SVG. No script anywhere.
 */
export function jobPage(data: JobPageData, o: DashboardOptions): SafeHtml {
  const m = o.messages;
  const oldestFirst = [...data.runs].reverse();
  const finished = oldestFirst.filter((run) => run.durationMs !== null);
  const durations: ChartPoint[] = finished.map((run) => ({
    at: Date.parse(run.startedAt),
    value: run.durationMs ?? 0,
    label: `${run.backupId}: ${m.duration(run.durationMs ?? 0)} (${m.runStatus[run.status] ?? run.status})`,
    failed: failed(run),
  }));
  const sized = oldestFirst.filter((run) => run.artifactBytes !== null);
  const sizes: ChartPoint[] = sized.map((run) => ({
    at: Date.parse(run.startedAt),
    value: run.artifactBytes ?? 0,
    label: `${run.backupId}: ${formatBytes(run.artifactBytes ?? 0)}`,
    failed: failed(run),
  }));
  return html`<p><a href="/${o.langQuery}">${m.back}</a></p>
<h2>${m.job.title(data.job, data.host)}</h2>
${
  data.runNow &&
  html`<form class="run-now" method="post" action="${data.runNow.action}"><input type="hidden" name="csrf" value="${data.runNow.csrf}"><button type="submit">${m.job.runNow}</button></form>`
}
<section id="strip"><h2>${m.job.strip(data.runs.length)}</h2>${
    data.runs.length === 0
      ? html`<p class="muted">${m.noRuns}</p>`
      : html`<ol class="strip">${oldestFirst.map(
          (run) =>
            html`<li><a class="s-${run.status}" href="${backupHref(run.backupId, run.host, o.langQuery)}" title="${run.backupId} · ${stamp(run.startedAt, o.timeZone)} · ${m.runStatus[run.status] ?? run.status}"><span hidden>${run.backupId}</span></a></li>`,
        )}</ol>`
  }</section>
<section id="duration"><h2>${m.job.durationChart}</h2>${
    durations.length === 0
      ? html`<p class="muted">${m.none}</p>`
      : lineChart(durations, m.job.durationChart, m.duration)
  }</section>
<section id="size"><h2>${m.job.sizeChart}</h2>${
    sizes.length === 0
      ? html`<p class="muted">${m.job.noSize}</p>`
      : lineChart(sizes, m.job.sizeChart, formatBytes)
  }</section>`;
}
