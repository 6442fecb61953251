// Output (issue 15): a small-chunk writer (`head -c N /dev/zero | tr '\0' a | fold
// -w 100`) and a big-chunk writer (`yes`), through `run` and `run --quiet`,
// against `bash script > file`, with the peak RSS of every mode; `--quiet` (and
// `run`) also on 200–800 MB runs; chronic as a peer when it is installed. Issue 22
// item 9: the same output from a run that fails, through `run --quiet` (its log file
// replayed to our stdout, its alert posted to a loopback Slack sink).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fmtMiB, fmtMs, infoRow, skippedRow, throughputRow } from './figures.js';
import { interleave, stats } from './measure.js';
import { PEER_MISSING, peerPath } from './peers.js';
import { startHttpSink } from './servers.js';

const MiB = 1024 * 1024;
const MB = 1_000_000;

/** The size every target is read at, and the sizes of the memory scan. */
export const SIZES = {
  quick: { main: 128 * MiB, mainRuns: 3, scan: [200 * MB] },
  full: { main: 1024 * MiB, mainRuns: 5, scan: [200 * MB, 400 * MB, 800 * MB] },
};
const WRITERS = { small: 'small-writer.sh', big: 'big-writer.sh' };
const TARGETS = { small: { run: 0.8, quiet: 0.9 }, big: { run: 0.95, quiet: 0.9 } };

export const sizeLabel = (bytes) =>
  bytes % MiB === 0
    ? bytes >= 1024 * MiB
      ? `${bytes / 1024 / MiB} GiB`
      : `${bytes / MiB} MiB`
    : `${bytes / MB} MB`;

async function measure(b, writer, bytes, { runs, warmup, chronic, sink }) {
  const script = b.scripts[WRITERS[writer]];
  const out = join(b.tmp, 'baseline.out');
  const dbName = 'throughput';
  const runArgs = (quiet, exitCode = 0) => [
    'run',
    '--type',
    'manual',
    '--script',
    script,
    '--db',
    b.dbPath(dbName),
    ...(quiet ? ['--quiet'] : []),
    '--',
    String(bytes),
    String(exitCode),
  ];
  // A failure alerts someone: Slack's payload is built with the output tail (cut to fit).
  const alerted = { SLACK_WEBHOOK_URL: sink.url('slack/T0/B0/bench') };
  const slackBefore = sink.count('slack');
  const cases = [
    { name: 'bash', run: () => b.runUsage('bash', [script, String(bytes)], { stdout: out }) },
    // Our stdout to /dev/null: the bytes land once on disk (the per-run log), as in the baseline.
    { name: 'run', run: () => b.cliUsage(runArgs(false)) },
    { name: 'quiet', run: () => b.cliUsage(runArgs(true)) },
    // The same output, then exit 1: the log file replayed to our stdout, the alert sent.
    {
      name: 'quietFail',
      run: () => b.cliUsage(runArgs(true, 1), { extraEnv: alerted }),
      check: (result) => (result.code === 1 ? undefined : `exit ${result.code}, not the script's 1`),
    },
  ];
  // chronic keeps all output in memory and prints it only on failure, like --quiet.
  if (chronic)
    cases.push({ name: 'chronic', run: () => b.runUsage(chronic, ['bash', script, String(bytes)]) });
  const result = await interleave(cases, {
    runs,
    warmup,
    // Keep the disk from filling up with 1 GiB logs: nothing is kept between runs.
    before: () => {
      rmSync(out, { force: true });
      b.clearLogs(dbName);
    },
  });
  rmSync(out, { force: true });
  b.clearLogs(dbName);
  const alerts = sink.count('slack') - slackBefore;
  if (alerts !== runs + warmup)
    throw new Error(`failing --quiet runs: ${runs + warmup} expected to alert, the sink got ${alerts}`);
  return { writer, bytes, runs, ...result };
}

async function run(b) {
  const sizes = b.full ? SIZES.full : SIZES.quick;
  const chronic = peerPath('chronic');
  const main = [];
  const scan = [];
  const sink = await startHttpSink();
  const stop = b.onCleanup(() => sink.close());
  try {
    for (const writer of Object.keys(WRITERS)) {
      main.push(await measure(b, writer, sizes.main, { runs: sizes.mainRuns, warmup: 1, chronic, sink }));
      // Memory is what the scan is for: one run of each is enough.
      for (const bytes of sizes.scan)
        scan.push(await measure(b, writer, bytes, { runs: 1, warmup: 0, sink }));
    }
  } finally {
    stop();
  }
  return { main, scan, chronic: chronic !== null };
}

const rssOf = (s) => s?.rssKiB?.max ?? Number.NaN;
const medianRssOf = (s) => (s?.rssKiB?.samples?.length ? stats(s.rssKiB.samples).median : Number.NaN);
/** Issue 22 item 9: a failing `--quiet` run must stay within the peak documented for `run` (issue 15). */
const FAILING_QUIET_TARGET_KIB = 72.2 * 1024;
const peak = (...stats) => Math.max(...stats.map(rssOf));

/** Per writer, the largest peak of `mode` in the scan and at which size (every size is in the scaling table). */
function largest(scan, mode) {
  return ['small', 'big']
    .map((writer) => {
      const runs = scan.filter((s) => s.writer === writer);
      const top = runs.reduce((a, s) => (rssOf(s[mode]) > rssOf(a[mode]) ? s : a), runs[0]);
      return top ? `${writer} ${fmtMiB(rssOf(top[mode]))} at ${sizeLabel(top.bytes)}` : null;
    })
    .filter(Boolean)
    .join(', ');
}

function targets({ main, scan, chronic }) {
  const rows = [];
  for (const m of main) {
    const label = `${sizeLabel(m.bytes)}, ${m.writer}-chunk writer`;
    rows.push(throughputRow(`${label}, run`, m.bytes, m.run, m.bash, TARGETS[m.writer].run));
    rows.push(throughputRow(`${label}, run --quiet`, m.bytes, m.quiet, m.bash, TARGETS[m.writer].quiet));
    const rss = peak(m.run, m.quiet);
    rows.push({
      figure: `peak RSS, ${label}, run and --quiet`,
      median: fmtMiB(rss),
      range: `run ${fmtMiB(rssOf(m.run))}, --quiet ${fmtMiB(rssOf(m.quiet))}`,
      baseline: `bash: ${fmtMiB(rssOf(m.bash))}`,
      ratio: '—',
      target: '≤ 80 MiB',
      met: rss <= 80 * 1024 ? 'yes' : 'NO',
    });
    const failing = medianRssOf(m.quietFail);
    rows.push({
      figure: `peak RSS, ${label}, run --quiet on a failing run (log replayed, alert sent)`,
      median: fmtMiB(failing),
      range: `${fmtMiB(Math.min(...m.quietFail.rssKiB.samples))}–${fmtMiB(rssOf(m.quietFail))}`,
      baseline: `--quiet, success: ${fmtMiB(medianRssOf(m.quiet))}`,
      ratio: `+${((failing - medianRssOf(m.quiet)) / 1024).toFixed(1)} MiB`,
      target: '≤ 72.2 MiB',
      met: failing <= FAILING_QUIET_TARGET_KIB ? 'yes' : 'NO',
    });
    if (m.chronic) {
      rows.push(
        infoRow(`peer: chronic, ${label}`, {
          median: `${fmtMs(m.chronic.median)}, RSS ${fmtMiB(rssOf(m.chronic))}`,
          range: `${fmtMs(m.chronic.min)}–${fmtMs(m.chronic.max)}`,
          baseline: `bash > file: ${fmtMs(m.bash.median)}`,
          ratio: `${(m.bash.median / m.chronic.median).toFixed(2)}×`,
        }),
      );
    }
  }
  if (!chronic) rows.push(skippedRow('peer: chronic through the same output', PEER_MISSING.chronic));
  const quiet = peak(...scan.map((s) => s.quiet));
  const sizes = [...new Set(scan.map((s) => s.bytes))].map(sizeLabel).join(', ');
  rows.push({
    figure: `peak RSS, run --quiet, ${sizes} runs (both writers)`,
    median: fmtMiB(quiet),
    range: largest(scan, 'quiet'),
    baseline: '—',
    ratio: '—',
    target: '≤ 80 MiB',
    met: quiet <= 80 * 1024 ? 'yes' : 'NO',
  });
  const failing = peak(...scan.map((s) => s.quietFail));
  rows.push({
    figure: `peak RSS, run --quiet on a failing run (log replayed, alert sent), ${sizes} runs (both writers)`,
    median: fmtMiB(failing),
    range: largest(scan, 'quietFail'),
    baseline: `--quiet, success: ${fmtMiB(quiet)}`,
    ratio: `+${((failing - quiet) / 1024).toFixed(1)} MiB`,
    target: '≤ 72.2 MiB',
    met: failing <= FAILING_QUIET_TARGET_KIB ? 'yes' : 'NO',
  });
  const plain = peak(...scan.map((s) => s.run));
  rows.push({
    figure: `peak RSS, run, ${sizes} runs (both writers)`,
    median: fmtMiB(plain),
    range: largest(scan, 'run'),
    baseline: '—',
    ratio: '—',
    target: '≤ 80 MiB',
    met: plain <= 80 * 1024 ? 'yes' : 'NO',
  });
  return rows.map((row) => ({ issue: '15', ...row }));
}

function tables({ main, scan }) {
  const all = [...main, ...scan].sort((a, b) => a.writer.localeCompare(b.writer) || a.bytes - b.bytes);
  const cell = (s, base) => `${fmtMs(s.median)} (${(base.median / s.median).toFixed(2)}×)`;
  return [
    {
      title:
        'Output scaling (median wall time of n runs; ratio = bash time / ours; peak RSS run / --quiet / --quiet failing)',
      columns: [
        ['writer', 'writer'],
        ['size', 'output'],
        ['n', 'n'],
        ['bash', 'bash > file'],
        ['run', 'run'],
        ['quiet', 'run --quiet'],
        ['failing', 'run --quiet, failing'],
        ['rss', 'peak RSS'],
      ],
      rows: all.map((s) => ({
        writer: s.writer,
        size: sizeLabel(s.bytes),
        n: String(s.runs),
        bash: fmtMs(s.bash.median),
        run: cell(s.run, s.bash),
        quiet: cell(s.quiet, s.bash),
        failing: cell(s.quietFail, s.bash),
        rss: `${fmtMiB(rssOf(s.run))} / ${fmtMiB(rssOf(s.quiet))} / ${fmtMiB(rssOf(s.quietFail))}`,
      })),
    },
  ];
}

export const throughput = {
  id: 'output',
  title: 'output throughput and peak RSS',
  run,
  targets,
  tables,
};
