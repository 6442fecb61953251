// npm run bench [-- --full]
//
// Measures the figures of issue 6 side by side with their baselines in one
// run: medians of ≥5 interleaved runs, min–max, ratio to the baseline.
// Quick mode (default) uses 64 MiB of output and 100k rows; --full uses 1 GiB
// and 1M rows. Only loopback servers it starts itself; its temp dir is removed
// at the end, also on Ctrl-C or when the time bound is hit.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchAlertLatency, benchSilentSmtp } from './lib/alerts.js';
import { createBenchContext, ROOT } from './lib/context.js';
import { benchFeatures } from './lib/features.js';
import { GNU_TIME } from './lib/measure.js';
import {
  featureRows,
  floorRows,
  machine,
  resultsJson,
  scalingRows,
  table,
  targetRows,
} from './lib/report.js';
import { benchStartup } from './lib/startup.js';
import { benchGrowth, benchHistory, benchRetention } from './lib/storage.js';
import { benchThroughput } from './lib/throughput.js';

const full = process.argv.includes('--full');
// A hung case must not hang CI: the whole bench has a hard bound.
const LIMIT_MS = (full ? 60 : 10) * 60_000;

const b = createBenchContext({ full });
const abort = (why) => {
  process.stderr.write(`bench: ${why}; cleaning up ${b.tmp}\n`);
  b.cleanup();
  process.exit(1);
};
const bound = setTimeout(() => abort(`took longer than ${LIMIT_MS / 60_000} min`), LIMIT_MS);
bound.unref();
process.once('SIGINT', () => abort('interrupted'));
process.once('SIGTERM', () => abort('terminated'));

const log = (text) => process.stderr.write(`${text}\n`);
const step = async (label, fn) => {
  const started = Date.now();
  log(`· ${label}…`);
  const value = await fn();
  log(`  done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return value;
};

try {
  const meta = {
    date: new Date().toISOString(),
    mode: full ? 'full' : 'quick',
    machine: machine(),
    rssSource: GNU_TIME
      ? '/usr/bin/time -f %M'
      : 'process.resourceUsage().maxRSS via --import bench/rss-probe.js',
  };
  log(
    `backup-alert bench (${meta.mode}) on ${meta.machine.cpus}× ${meta.machine.cpuModel}, node ${meta.machine.node}`,
  );
  const r = {};
  r.startup = await step('start-up: run, --version, status vs node -e 0', () => benchStartup(b));
  r.throughput = await step('output throughput and peak RSS', () => benchThroughput(b));
  r.latency = await step('alert latency to a local SMTP server', () => benchAlertLatency(b));
  r.silentSmtp = await step('SMTP server that never answers (5 s notify timeout)', () => benchSilentSmtp(b));
  r.history = await step('history/status on large databases', () => benchHistory(b));
  r.growth = await step('database growth per success row', () => benchGrowth(b, r.startup.db));
  r.retention = await step('log files removed by prune and retention', () => benchRetention(b));
  r.features = await step('optional features', () => benchFeatures(b));
  meta.machine.loadAverageAfter = machine().loadAverage;

  const out = process.stdout;
  out.write(`\nbackup-alert bench — ${meta.mode} mode, ${meta.date}\n`);
  out.write(
    `machine: ${meta.machine.cpus}× ${meta.machine.cpuModel}, ${meta.machine.memoryMiB} MiB, node ${meta.machine.node}, load ${meta.machine.loadAverage}\n\n`,
  );
  const targets = targetRows(r).map((row) => ({ ...row, met: row.met ? 'yes' : 'NO' }));
  out.write(
    `${table(targets, [
      ['figure', 'figure'],
      ['median', 'median'],
      ['range', 'min–max'],
      ['baseline', 'baseline (median)'],
      ['ratio', 'ratio'],
      ['target', 'target'],
      ['met', 'met'],
    ])}\n\n`,
  );
  out.write('Platform floors (not backup-alert; median, ratio to node -e 0 of the same group):\n');
  out.write(
    `${table(floorRows(r), [
      ['floor', 'floor'],
      ['median', 'median'],
      ['range', 'min–max'],
      ['ratio', 'ratio'],
    ])}\n\n`,
  );
  const scaling = scalingRows(r);
  out.write('Output scaling (median wall time; ratio = bash time / ours; peak RSS run / --quiet):\n');
  out.write(
    `${table(scaling.output, [
      ['size', 'output'],
      ['bash', 'bash > file'],
      ['run', 'run'],
      ['quiet', 'run --quiet'],
      ['rss', 'peak RSS'],
    ])}\n\n`,
  );
  out.write(`Row scaling (median; ratio to node -e 0 = ${scaling.nodeMs.toFixed(1)} ms):\n`);
  out.write(
    `${table(scaling.rows, [
      ['rows', 'runs in DB'],
      ['history', 'history --status failure --limit 10'],
      ['status', 'status --json'],
      ['size', 'DB size'],
    ])}\n\n`,
  );
  out.write('Optional features (median wall time of a run; cost against the plain run of the same group):\n');
  out.write(
    `${table(featureRows(r), [
      ['feature', 'run'],
      ['median', 'median'],
      ['range', 'min–max'],
      ['cost', 'cost'],
    ])}\n`,
  );
  const file = join(ROOT, 'bench', 'results.json');
  writeFileSync(file, `${JSON.stringify(resultsJson(r, meta), null, 2)}\n`);
  out.write(`\nwritten: ${file}\n`);
} catch (error) {
  log(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  clearTimeout(bound);
  b.cleanup();
}
