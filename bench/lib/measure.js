// Timing and memory of spawned processes. hyperfine is not assumed: every
// figure is wall time from spawn to exit measured with process.hrtime.bigint().
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const USAGE_PROBE = fileURLToPath(new URL('../probes/usage.js', import.meta.url));

/** GNU time reports the peak RSS and CPU of exactly the process it runs; the preload is the fallback. */
export const GNU_TIME =
  existsSync('/usr/bin/time') && spawnSync('/usr/bin/time', ['-f', '%M', 'true']).status === 0;

/**
 * Every process the bench has started and not yet seen exit, so that a Ctrl-C or
 * the time bound can stop them. Each runs in a process group of its own (the
 * CLI under /usr/bin/time, a script under bash): the group is what is killed.
 */
const live = new Set();

export function killLive() {
  for (const child of live) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  live.clear();
}

/** Registers a long-lived child (a server) so that killLive() stops it too. */
export function track(child) {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/**
 * Runs one command and resolves with its wall time. `stdout` is 'ignore'
 * (/dev/null), 'capture' (kept, for checking an answer) or a file path; stderr
 * is captured so a broken case is visible.
 */
export function timeOnce(command, args, { env, cwd, stdout = 'ignore', timeoutMs = 180_000 } = {}) {
  return new Promise((resolve, reject) => {
    const fd = stdout === 'ignore' ? 'ignore' : stdout === 'capture' ? 'pipe' : openSync(stdout, 'w');
    const started = process.hrtime.bigint();
    const child = track(spawn(command, args, { env, cwd, stdio: ['ignore', fd, 'pipe'], detached: true }));
    if (typeof fd === 'number') closeSync(fd);
    let stderr = '';
    let out = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text) => {
      // Keep the end only: a failing run may replay a lot.
      stderr = (stderr + text).slice(-4000);
    });
    if (child.stdout) {
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (text) => {
        out = (out + text).slice(-16_000);
      });
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Gone meanwhile.
      }
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    let ms;
    // The time is taken at exit; 'close' (stdio drained, so the message is complete) resolves.
    child.once('exit', () => {
      ms = Number(process.hrtime.bigint() - started) / 1e6;
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ ms, code, signal, stderr, ...(child.stdout ? { stdout: out } : {}) });
    });
  });
}

/**
 * Like timeOnce, plus the peak RSS in KiB and the CPU time (user + system) of the
 * measured process. GNU time reports the largest RSS of the process and the
 * children it waited for (the backup script's processes are far smaller than
 * Node, so it is ours) and their summed CPU time. Without GNU time a preload
 * reports the Node process's own figures.
 */
export async function timeWithUsage(command, args, options, tmp) {
  const file = join(tmp, `usage.${process.pid}.${Math.random().toString(36).slice(2)}`);
  let result;
  if (GNU_TIME) {
    result = await timeOnce('/usr/bin/time', ['-f', '%M %U %S', '-o', file, command, ...args], options);
  } else {
    const env = { ...options.env, BENCH_USAGE_FILE: file, NODE_OPTIONS: `--import=${USAGE_PROBE}` };
    result = await timeOnce(command, args, { ...options, env });
  }
  let rssKiB = null;
  let cpuMs = null;
  try {
    const [rss, user, system] = readFileSync(file, 'utf8').trim().split('\n').pop().split(' ').map(Number);
    rssKiB = rss;
    cpuMs = (user + system) * 1000;
  } catch {
    // Killed before it could report.
  }
  rmSync(file, { force: true });
  return { ...result, rssKiB, cpuMs };
}

export const USAGE_SOURCE = GNU_TIME
  ? '/usr/bin/time -f "%M %U %S" (the process and the children it waited for)'
  : 'process.resourceUsage() of the Node process, via --import bench/probes/usage.js';

/** Median, min, max and the 25th/75th percentiles of a list of numbers. */
export function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const at = (q) => {
    const i = (n - 1) * q;
    const lo = Math.floor(i);
    return sorted[lo] + (sorted[Math.ceil(i)] - sorted[lo]) * (i - lo);
  };
  return { median: at(0.5), min: sorted[0], max: sorted[n - 1], p25: at(0.25), p75: at(0.75), n };
}

/** The p-th percentile (0–100) of unsorted values, nearest rank. */
export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const exitZero = (r) => (r.code === 0 ? undefined : `exit ${r.code}`);

/**
 * Measures several cases interleaved (baseline, a, b, baseline, a, b, …) so
 * that load from other work on the machine falls on all of them alike.
 * Each case: { name, run: async (round) => ({ ms, code, … }), check?: (result) => problem | undefined }.
 * The first `warmup` rounds fill the page cache (and let a case settle, e.g. a
 * remembered SMTP check) and are not counted. Returns, per case, the stats of the
 * wall times plus the raw samples (ms, and rssKiB/cpuMs when measured).
 */
export async function interleave(cases, { runs, warmup = 1, before } = {}) {
  const kept = new Map(cases.map((c) => [c.name, []]));
  for (let round = 0; round < warmup + runs; round++) {
    for (const c of cases) {
      if (before) await before(c, round);
      const result = await c.run(round);
      const problem = (c.check ?? exitZero)(result);
      if (problem) {
        throw new Error(`bench case "${c.name}" went wrong (${problem}):\n${result.stderr ?? ''}`);
      }
      if (round >= warmup) kept.get(c.name).push(result);
    }
  }
  return Object.fromEntries(cases.map((c) => [c.name, summarise(kept.get(c.name))]));
}

/** Stats of wall times, with CPU and RSS beside them when they were measured. */
export function summarise(results) {
  const ms = results.map((r) => r.ms);
  const out = { ...stats(ms), samples: ms.map((v) => Math.round(v * 100) / 100) };
  const cpu = results.map((r) => r.cpuMs).filter(Number.isFinite);
  // GNU time prints CPU seconds with two decimals: the mean of many runs resolves finer than one run.
  if (cpu.length)
    out.cpu = { ...stats(cpu), mean: cpu.reduce((sum, v) => sum + v, 0) / cpu.length, samples: cpu };
  const rss = results.map((r) => r.rssKiB).filter(Number.isFinite);
  if (rss.length) out.rssKiB = { max: Math.max(...rss), samples: rss };
  return out;
}
