// The fleet's figures (issue 11, and serve over the centre for issue 14) as report rows and tables.
import { boundRow, checkRow, deltaRow, fmtMs, range, ratioRow, skippedRow } from './figures.js';
import { tables as serveTables, targets as serveTargets } from './serve-report.js';

export const NODE = 'node -e 0';
export const HOSTS = [10, 1000];

export function targets(r) {
  if (r.skipped) return [{ issue: '11', ...skippedRow('the fleet figures', `skipped: ${r.skipped}`) }];
  const s = r.result;
  const rows = [];
  const [small, large] = HOSTS;
  const statusRow = (figure, x) =>
    boundRow(
      figure,
      {
        median: fmtMs(x.median),
        range: range(x),
        baseline: `${NODE}: ${fmtMs(s[NODE].median)}`,
        ratio: `${(x.median / s[NODE].median).toFixed(2)}×`,
      },
      x.median,
      300,
      'ms',
    );
  for (const hosts of HOSTS) {
    const rowsAt = r.centres[hosts].rows.toLocaleString('en');
    rows.push(statusRow(`status --fleet --nagios, ${hosts} hosts (${rowsAt} rows)`, s[`status@${hosts}`]));
  }
  rows.push(
    statusRow(`… ${large} hosts as a reader role (row-level security)`, s[`status@${large} as reader`]),
  );
  rows.push(
    ratioRow(
      `status --fleet: ${large} hosts against ${small}`,
      s[`status@${large}`],
      s[`status@${small}`],
      `${small} hosts`,
      2,
    ),
  );
  rows.push(
    deltaRow(
      'per-run cost of the end-of-run ship (centre on loopback)',
      r.perRun['run, centre on loopback'],
      r.perRun['run, no centre'],
      'run, no centre',
      15,
    ),
  );
  rows.push(
    checkRow(
      'ship a 10,000-row backlog (backup-alert sync)',
      { median: fmtMs(r.backlog.median), range: range(r.backlog) },
      r.backlog.median <= 3000,
      '≤ 3000 ms',
    ),
  );
  // Met by construction: a sync that failed, or a row missing or doubled at the centre, fails the bench.
  rows.push(
    checkRow(
      '50 hosts × 200 rows, backup-alert sync at once',
      { median: fmtMs(r.concurrent.median), range: `${range(r.concurrent)}; every row once` },
      true,
      'no error, no deadlock, every row once',
    ),
  );
  const serveRows = r.serveCentre.skipped
    ? [{ issue: '14', ...skippedRow('serve over the centre', `skipped: ${r.serveCentre.skipped}`) }]
    : serveTargets(r.serveCentre, 'the centre');
  return [...rows.map((row) => ({ issue: '11', ...row })), ...serveRows];
}

export function tables(r) {
  if (r.skipped) return [];
  const centres = {
    title: `Centres (PostgreSQL 15 on loopback; ${r.days} days of runs)`,
    columns: [
      ['hosts', 'hosts'],
      ['rows', 'runs'],
      ['seed', 'seeded in'],
      ['size', 'size'],
    ],
    rows: Object.values(r.centres).map((c) => ({
      hosts: String(c.hosts),
      rows: c.rows.toLocaleString('en'),
      seed: `${(c.seedMs / 1000).toFixed(1)} s`,
      size: `${(c.bytes / 1048576).toFixed(0)} MiB`,
    })),
  };
  return [centres, ...(r.serveCentre.skipped ? [] : serveTables(r.serveCentre, 'the centre'))];
}
