// node bench/fleet.js [--hosts 10,1000] [--runs 7]
//
// The fleet figures of issue 11: a throwaway PostgreSQL 15 (Debian's package) in the
// bench's temp dir, seeded with 10 and 1,000 hosts × 4 types × a year of daily runs;
// `status --fleet --nagios` as a process (median of interleaved runs, with `node -e 0` as
// the baseline), the per-run cost of the end-of-run ship, a 10,000-row backlog, and 50
// hosts syncing at once. Everything on 127.0.0.1; the temp dir and the cluster go at the end.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBenchContext, ROOT } from './lib/context.js';
import { benchFleet } from './lib/fleet.js';
import { machine, table } from './lib/report.js';

const arg = (name, fallback) => {
  const index = process.argv.indexOf(name);
  return index > 0 ? process.argv[index + 1] : fallback;
};
const hosts = arg('--hosts', '10,1000').split(',').map(Number);
const runs = Number(arg('--runs', '7'));

const b = createBenchContext({ full: false });
const LIMIT_MS = 20 * 60_000;
const bound = setTimeout(() => {
  process.stderr.write(`bench: took longer than ${LIMIT_MS / 60_000} min; cleaning up\n`);
  b.cleanup();
  process.exit(1);
}, LIMIT_MS);
bound.unref();

const ms = (value) => `${value.toFixed(1)} ms`;
const range = (s) => `${ms(s.min)}–${ms(s.max)}`;

try {
  process.stderr.write(`· fleet bench: hosts ${hosts.join(', ')}, ${runs} runs each…\n`);
  const r = await benchFleet(b, { hosts, runs });
  const node = r.status['node -e 0'];
  const largest = Math.max(...hosts);
  const smallest = Math.min(...hosts);
  const rows = [];
  for (const count of hosts) {
    const s = r.status[`status@${count}`];
    rows.push({
      figure: `status --fleet --nagios, ${count} hosts (${r.centres[count].rows.toLocaleString('en')} rows)`,
      median: ms(s.median),
      range: range(s),
      note: `CPU ${ms(r.statusCpu[count].median)}; in-process connect+query+judge ${ms(r.inProcess[count].median)}; node -e 0 ${ms(node.median)}`,
      target: '≤ 300 ms',
      met: s.median <= 300 ? 'yes' : 'NO',
    });
  }
  const rls = r.status[`status@${largest} as reader (RLS)`];
  rows.push({
    figure: `… ${largest} hosts as a reader role (row-level security)`,
    median: ms(rls.median),
    range: range(rls),
    note: '',
    target: '≤ 300 ms',
    met: rls.median <= 300 ? 'yes' : 'NO',
  });
  const flat = r.status[`status@${largest}`].median / r.status[`status@${smallest}`].median;
  rows.push({
    figure: `${largest} vs ${smallest} hosts`,
    median: `${flat.toFixed(2)}×`,
    range: '',
    note: '',
    target: '≤ 2×',
    met: flat <= 2 ? 'yes' : 'NO',
  });
  const cost = r.perRun['record + sync'].median - r.perRun.record.median;
  const cpuCost = r.perRunCpu.sync.median - r.perRunCpu.record.median;
  rows.push({
    figure: 'per-run cost of the end-of-run ship (centre on loopback), wall',
    median: `+${ms(cost)}`,
    range: `record ${ms(r.perRun.record.median)}, record+sync ${ms(r.perRun['record + sync'].median)}`,
    note: 'separate processes; pg loaded on first use',
    target: '≤ +15 ms',
    met: cost <= 15 ? 'yes' : 'NO',
  });
  rows.push({
    figure: '… CPU time of the process',
    median: `+${ms(cpuCost)}`,
    range: `record ${ms(r.perRunCpu.record.median)}, record+sync ${ms(r.perRunCpu.sync.median)}`,
    note: 'user+system, less blurred by other load',
    target: '',
    met: '',
  });
  rows.push({
    figure: '… the ship alone, in-process (connect, schema check, 1 row, ack)',
    median: ms(r.shipOnly.median),
    range: range(r.shipOnly),
    note: '',
    target: '',
    met: '',
  });
  rows.push({
    figure: 'ship a 10,000-row backlog (batches of 500)',
    median: ms(r.backlog.median),
    range: range(r.backlog),
    note: '',
    target: '≤ 3000 ms',
    met: r.backlog.median <= 3000 ? 'yes' : 'NO',
  });
  rows.push({
    figure: '50 hosts × 200 rows syncing at once',
    median: ms(r.concurrent.median),
    range: range(r.concurrent),
    note: `every row once (${r.concurrent.rowsPerRound.toLocaleString('en')} a round), 0 errors`,
    target: 'no error, no deadlock',
    met: 'yes',
  });
  const m = machine();
  process.stdout.write(`\nbackup-alert fleet bench, ${new Date().toISOString()}\n`);
  process.stdout.write(
    `machine: ${m.cpus}× ${m.cpuModel}, ${m.memoryMiB} MiB, node ${m.node}, load ${m.loadAverage}\n\n`,
  );
  process.stdout.write(
    `${table(rows, [
      ['figure', 'figure'],
      ['median', 'median'],
      ['range', 'min–max'],
      ['target', 'target'],
      ['met', 'met'],
      ['note', 'note'],
    ])}\n`,
  );
  for (const count of hosts) {
    const c = r.centres[count];
    process.stdout.write(
      `\ncentre of ${count} hosts: ${c.rows.toLocaleString('en')} rows, seeded in ${(c.seedMs / 1000).toFixed(1)} s, ${(c.bytes / 1048576).toFixed(0)} MiB`,
    );
  }
  process.stdout.write('\n');
  const strip = (value) =>
    JSON.parse(JSON.stringify(value, (key, v) => (key === 'results' || key === 'stderr' ? undefined : v)));
  const file = join(ROOT, 'bench', 'fleet-results.json');
  writeFileSync(
    file,
    `${JSON.stringify({ date: new Date().toISOString(), machine: m, table: rows, raw: strip(r) }, null, 2)}\n`,
  );
  process.stdout.write(`written: ${file}\n`);
} catch (error) {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
} finally {
  clearTimeout(bound);
  b.cleanup();
}
