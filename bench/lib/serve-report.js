// serve's figures (issue 14) as report rows, and the per-round table.
import { boundRow, checkRow, fmtMs, infoRow, range } from './figures.js';

const f1 = (n) => n.toFixed(1);

/** `where`: what serve reads (local SQLite, the centre), named in every figure. */
export function targets(r, where) {
  const health = `/healthz: ${fmtMs(r.healthz.server.median)}`;
  const api = r.listAll;
  const peaks = r.list.map((round) => round.rss.peak);
  const flat = peaks.at(-1) <= peaks[0] * 1.1;
  const page = (figure, s) =>
    boundRow(
      figure,
      { median: fmtMs(s.median), range: range(s), baseline: health, ratio: `CPU ${fmtMs(s.cpuMs)}` },
      s.median,
      50,
      'ms',
    );
  const html = `${Math.round(r.page.bytes / 1024)} KiB of HTML`;
  const at = `${r.rows.toLocaleString('en')} runs in ${where}, ${r.connections} connections`;
  const rows = [
    boundRow(
      `GET /api/v1/backups?limit=20, server time, median (${at})`,
      { median: fmtMs(api.median), range: range(api), baseline: health },
      api.median,
      5,
      'ms',
    ),
    boundRow(
      '… server time, p99',
      {
        median: fmtMs(api.p99),
        range: r.list.map((round) => fmtMs(round.server.p99)).join(', '),
        baseline: `/healthz p99: ${fmtMs(r.healthz.server.p99)}`,
      },
      api.p99,
      20,
      'ms',
    ),
    infoRow('… one request at a time (no queueing), server time', {
      median: fmtMs(r.alone.median),
      range: range(r.alone),
      ratio: `p99 ${fmtMs(r.alone.p99)}`,
    }),
    infoRow('… seen by the client (queueing on one Node thread)', {
      median: `p50 ${r.list.map((x) => x.client.p50).join(' / ')} ms`,
      range: `p99 ${r.list.map((x) => x.client.p99).join(' / ')} ms`,
      ratio: `${r.list.map((x) => Math.round(x.requestsPerSecond)).join(' / ')} req/s`,
    }),
    page(`GET / (${r.hosts} hosts × 4 types, ${html}), ${where}, unchanged`, r.page.warm),
    ...(r.page.cold ? [page('… right after a run was recorded', r.page.cold)] : []),
    checkRow(
      `serve RSS under that load (${where})`,
      {
        median: `peaks ${peaks.map(f1).join(' / ')} MiB`,
        range: `idle ${f1(r.rssIdle)}, after all ${f1(r.rssAfter)} MiB`,
      },
      flat,
      "flat: last round's peak ≤ first's + 10 %",
    ),
  ];
  return rows.map((row) => ({ issue: '14', ...row }));
}

export function tables(r, where) {
  const rows = [
    ['/healthz', r.healthz],
    ...r.list.map((x, i) => [`/api/v1/backups?limit=20 #${i + 1}`, x]),
  ].map(([path, x]) => ({
    path,
    requests: String(x.requests),
    server: `${fmtMs(x.server.median)} / ${fmtMs(x.server.p99)}`,
    cpu: fmtMs(x.cpuPerRequestMs),
    client: `${x.client.p50} / ${x.client.p99} ms`,
    rate: `${Math.round(x.requestsPerSecond)}`,
    rss: `${f1(x.rss.start)} → ${f1(x.rss.peak)} → ${f1(x.rss.end)} MiB`,
  }));
  return [
    {
      title: `serve over ${where} under load (${r.connections} connections, ${r.seconds} s a round, ${r.rows.toLocaleString('en')} runs)`,
      columns: [
        ['path', 'round'],
        ['requests', 'requests'],
        ['server', 'server median / p99'],
        ['cpu', 'CPU a request'],
        ['client', 'client p50 / p99'],
        ['rate', 'req/s'],
        ['rss', 'RSS start → peak → end'],
      ],
      rows,
    },
  ];
}
