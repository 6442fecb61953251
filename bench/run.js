// npm run bench [-- --full] [-- --only startup,history,…] [-- --bound MIN] [-- --list]
//
// Times every figure of issue 15's table and those issues 11, 12, 14 and 16 ask
// for, each beside a baseline measured in the same run: the built CLI spawned as
// cron would (clean environment, no TTY), cases interleaved, medians with
// min–max. Quick mode (default) uses fewer rows, bytes and runs; --full the
// issues' sizes (1 GiB of output, 1 M runs). Only servers it starts itself, on
// 127.0.0.1; everything it starts is stopped and its temp dir removed at the end,
// also on Ctrl-C or when the time bound is hit (then what was measured so far is
// written to bench/results.json, marked incomplete).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alerts } from './lib/alerts.js';
import { createBenchContext, ROOT } from './lib/context.js';
import { email } from './lib/email.js';
import { features } from './lib/features.js';
import { fleet } from './lib/fleet.js';
import { imports } from './lib/imports.js';
import { loads } from './lib/loads.js';
import { USAGE_SOURCE } from './lib/measure.js';
import { options } from './lib/options.js';
import { machine, printReport, resultsJson, revision } from './lib/report.js';
import { serve } from './lib/serve.js';
import { startup } from './lib/startup.js';
import { storage } from './lib/storage.js';
import { throughput } from './lib/throughput.js';
import { upkeep } from './lib/upkeep.js';

const SECTIONS = [
  startup,
  imports,
  storage,
  email,
  loads,
  throughput,
  features,
  fleet,
  serve,
  alerts,
  options,
  upkeep,
];

const argv = process.argv.slice(2);
const log = (text) => process.stderr.write(`${text}\n`);
if (argv.includes('--list')) {
  for (const s of SECTIONS) log(`${s.id.padEnd(10)} ${s.title}`);
  process.exit(0);
}
const full = argv.includes('--full');
const onlyIndex = argv.indexOf('--only');
const only = onlyIndex >= 0 ? (argv[onlyIndex + 1] ?? '').split(',').filter(Boolean) : null;
const unknown = (only ?? []).filter((id) => !SECTIONS.some((s) => s.id === id));
if (unknown.length || (only && only.length === 0)) {
  log(`bench: unknown section(s) ${unknown.join(', ') || '(none given)'}; --list shows them`);
  process.exit(2);
}
const chosen = only ? SECTIONS.filter((s) => only.includes(s.id)) : SECTIONS;
// A hung case must not hang CI: the whole bench has a hard bound (`--bound MIN` to change it).
const boundIndex = argv.indexOf('--bound');
const LIMIT_MS = (boundIndex >= 0 ? Number(argv[boundIndex + 1]) : full ? 25 : 10) * 60_000;
if (!(LIMIT_MS > 0)) {
  log('bench: --bound takes minutes, e.g. --bound 30');
  process.exit(2);
}

const b = createBenchContext({ full });
const done = [];
const meta = {
  date: new Date().toISOString(),
  mode: full ? 'full' : 'quick',
  only,
  revision: revision(),
  machine: machine(),
  usageSource: USAGE_SOURCE,
  seconds: {},
};
const file = join(ROOT, 'bench', 'results.json');
const write = (extra = {}) => {
  meta.machine.loadAverageAfter = machine().loadAverage;
  writeFileSync(file, `${JSON.stringify(resultsJson(done, { ...meta, ...extra }), null, 2)}\n`);
};

const abort = (why, keep) => {
  log(`bench: ${why}; stopping what it started and removing ${b.tmp}`);
  if (keep && done.length) {
    write({ incomplete: why });
    log(`bench: what was measured so far is in ${file} (marked incomplete)`);
  }
  b.cleanup();
  process.exit(1);
};
const bound = setTimeout(() => abort(`took longer than ${LIMIT_MS / 60_000} min`, true), LIMIT_MS);
bound.unref();
process.once('SIGINT', () => abort('interrupted', false));
process.once('SIGTERM', () => abort('terminated', false));

try {
  const m = meta.machine;
  log(`backup-alert bench (${meta.mode}) on ${m.cpus}× ${m.cpuModel}, node ${m.node}, load ${m.loadAverage}`);
  const started = Date.now();
  for (const section of chosen) {
    const at = Date.now();
    log(`· ${section.id}: ${section.title}…`);
    const result = await section.run(b);
    meta.seconds[section.id] = Math.round((Date.now() - at) / 100) / 10;
    log(`  done in ${meta.seconds[section.id]} s`);
    done.push({ section, result });
  }
  meta.seconds.total = Math.round((Date.now() - started) / 100) / 10;
  meta.machine.loadAverageAfter = machine().loadAverage;
  printReport(process.stdout, done, meta);
  write();
  process.stdout.write(`\nwritten: ${file} (${meta.seconds.total} s)\n`);
} catch (error) {
  log(`bench failed: ${error instanceof Error ? error.stack : String(error)}`);
  process.exitCode = 1;
} finally {
  clearTimeout(bound);
  b.cleanup();
}
