// Turning measurements into the issue's table, the scaling and feature tables, and results.json.
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { marginal } from './throughput.js';

const MiB = 1024 * 1024;
const ms = (value) => `${value.toFixed(1)} ms`;
const range = (s, fmt = ms) => `${fmt(s.min)}–${fmt(s.max)}`;
const strip = ({ results: _results, ...rest }) => rest;

export function machine() {
  let model = cpus()[0]?.model ?? 'unknown';
  try {
    model = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? model;
  } catch {
    // Not Linux.
  }
  let load = null;
  try {
    load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    // Not Linux.
  }
  return {
    cpus: cpus().length,
    cpuModel: model,
    memoryMiB: Math.round(totalmem() / MiB),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverage: load,
  };
}

/** One row per figure in the issue, with its baseline, ratio and target. */
export function targetRows(r) {
  const rows = [];
  const startup = r.startup.result;
  const node = startup['node -e 0'];
  const vsNode = (figure, s, limit, base = node) => ({
    figure,
    median: ms(s.median),
    range: range(s),
    baseline: `node -e 0: ${ms(base.median)}`,
    ratio: `${(s.median / base.median).toFixed(2)}×`,
    target: `≤ ${limit}×`,
    met: s.median / base.median <= limit,
  });
  rows.push(vsNode('run, success path (no-op script)', startup['backup-alert run (no-op, success)'], 1.6));
  rows.push(vsNode('--version', startup['backup-alert --version'], 1.3));
  rows.push(vsNode('status --json', startup['backup-alert status --json'], 1.3));

  const top = r.throughput[r.throughput.length - 1];
  const size = `${top.bytes / MiB} MiB`;
  for (const [key, label] of [
    ['run', 'run'],
    ['quiet', 'run --quiet'],
  ]) {
    const s = top[key];
    const ratio = top.baseline.median / s.median;
    const slope = marginal(r.throughput, key) / marginal(r.throughput, 'baseline');
    rows.push({
      figure: `throughput, ${size} through ${label}`,
      median: `${((top.bytes / MiB / s.median) * 1000).toFixed(0)} MiB/s (${ms(s.median)})`,
      range: range(s),
      baseline: `bash > file: ${ms(top.baseline.median)}`,
      ratio: `${ratio.toFixed(2)}× (marginal ${slope.toFixed(2)}×)`,
      target: '≥ 0.8×',
      met: ratio >= 0.8,
    });
  }
  const peak = Math.max(top.rss.run.maxKiB ?? 0, top.rss.quiet.maxKiB ?? 0) / 1024;
  rows.push({
    figure: `peak RSS, ${size} run (max of all runs)`,
    median: `${peak.toFixed(1)} MiB`,
    range: `run ${((top.rss.run.maxKiB ?? 0) / 1024).toFixed(1)}, --quiet ${((top.rss.quiet.maxKiB ?? 0) / 1024).toFixed(1)}`,
    baseline: '—',
    ratio: '—',
    target: '≤ 80 MiB',
    met: peak > 0 && peak <= 80,
  });
  const lat = r.latency.latency;
  const own = r.latency.ownLatency;
  rows.push({
    figure: 'alert latency: exit → SMTP accepted',
    median: ms(lat.median),
    range: range(lat),
    baseline: '—',
    ratio: '—',
    target: '≤ 150 ms',
    met: lat.median <= 150,
  });
  rows.push({
    figure: '  of which backup-alert (less smtp-server greeting hold-back)',
    median: ms(own.median),
    range: range(own),
    baseline: `hold-back: ${ms(r.latency.serverGreetingWait.median)}`,
    ratio: '—',
    target: '≤ 150 ms',
    met: own.median <= 150,
  });
  const silent = r.silentSmtp.wall;
  rows.push({
    figure: `silent SMTP, notify timeout 5s: whole run${r.silentSmtp.concurrent ? ' (5 at once)' : ''}`,
    median: ms(silent.median),
    range: range(silent),
    baseline: '—',
    ratio: '—',
    target: '≤ 6000 ms',
    met: silent.max <= 6000,
  });
  const history = r.history.result;
  const biggest = r.history.dbs[r.history.dbs.length - 1].rows;
  // The history group has its own bare-Node baseline, measured interleaved with it.
  rows.push(
    vsNode(
      `history --status failure --limit 10, ${biggest} runs`,
      history[`history@${biggest}`],
      1.5,
      history['node -e 0'],
    ),
  );
  rows.push({
    figure: 'DB growth per success row (VACUUMed pages)',
    median: `${r.growth.bytesPerRow.toFixed(0)} B`,
    range: `${r.growth.rows} rows cloned from a CLI-written row`,
    baseline: '—',
    ratio: '—',
    target: '≤ 1024 B',
    met: r.growth.bytesPerRow <= 1024,
  });
  const { prune, retention } = r.retention;
  rows.push({
    figure: 'log files removed: prune --older-than 1s',
    median: `${prune.logFilesBefore} → ${prune.logFilesAfter}`,
    range: ms(prune.ms),
    baseline: '—',
    ratio: '—',
    target: '→ 0',
    met: prune.logFilesAfter === 0,
  });
  rows.push({
    figure: 'log files removed: run with BACKUP_ALERT_RETENTION=1s',
    median: `${retention.logFilesBefore} → ${retention.logFilesAfter}`,
    range: ms(retention.ms),
    baseline: '—',
    ratio: '—',
    target: '→ 1 (its own)',
    met: retention.logFilesAfter <= 1,
  });
  return rows;
}

/** Not targets: the platform's own costs measured in the start-up group, for reading its ratios. */
export function floorRows(r) {
  const startup = r.startup.result;
  const node = startup['node -e 0'].median;
  return Object.entries(startup)
    .filter(([name]) => name.startsWith('floor: '))
    .map(([name, s]) => ({
      floor: name.slice('floor: '.length),
      median: ms(s.median),
      range: range(s),
      ratio: `${(s.median / node).toFixed(2)}×`,
    }));
}

export function scalingRows(r) {
  const output = r.throughput.map((t) => ({
    size: `${t.bytes / MiB} MiB`,
    bash: ms(t.baseline.median),
    run: `${ms(t.run.median)} (${(t.baseline.median / t.run.median).toFixed(2)}×)`,
    quiet: `${ms(t.quiet.median)} (${(t.baseline.median / t.quiet.median).toFixed(2)}×)`,
    rss: `${((t.rss.run.maxKiB ?? 0) / 1024).toFixed(1)} / ${((t.rss.quiet.maxKiB ?? 0) / 1024).toFixed(1)} MiB`,
  }));
  const hNode = r.history.result['node -e 0'].median;
  const rows = r.history.dbs.map((d) => ({
    rows: d.rows,
    history: `${ms(r.history.result[`history@${d.rows}`].median)} (${(r.history.result[`history@${d.rows}`].median / hNode).toFixed(2)}×)`,
    status: `${ms(r.history.result[`status@${d.rows}`].median)} (${(r.history.result[`status@${d.rows}`].median / hNode).toFixed(2)}×)`,
    size: `${(d.bytes / MiB).toFixed(1)} MiB`,
  }));
  return { output, rows, nodeMs: hNode };
}

export function featureRows(r) {
  const group = (result, base) =>
    Object.entries(result).map(([name, s]) => ({
      feature: name,
      median: ms(s.median),
      range: range(s),
      cost:
        name === base
          ? '—'
          : `${s.median - result[base].median >= 0 ? '+' : ''}${ms(s.median - result[base].median)}`,
    }));
  return [...group(r.features.success, 'plain'), ...group(r.features.failure, 'failure, no channel')];
}

/** Fixed-width text table; `columns` are [key, heading] pairs. */
export function table(rows, columns) {
  const cells = [
    columns.map(([, heading]) => heading),
    ...rows.map((row) => columns.map(([key]) => String(row[key]))),
  ];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => line[i].length)));
  return cells
    .map((line) =>
      line
        .map((cell, i) => cell.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** results.json: the summary tables plus every raw figure, without the per-run process results. */
export function resultsJson(r, meta) {
  const clean = (value) =>
    JSON.parse(JSON.stringify(value, (key, v) => (key === 'results' || key === 'stderr' ? undefined : v)));
  return {
    ...meta,
    targets: targetRows(r),
    scaling: scalingRows(r),
    features: featureRows(r),
    floors: floorRows(r),
    raw: clean({
      startup: Object.fromEntries(Object.entries(r.startup.result).map(([k, v]) => [k, strip(v)])),
      throughput: r.throughput,
      latency: r.latency,
      silentSmtp: r.silentSmtp,
      history: r.history,
      growth: { bytesPerRow: r.growth.bytesPerRow, rows: r.growth.rows },
      retention: r.retention,
      features: r.features,
    }),
  };
}
