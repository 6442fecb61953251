// Timing and memory of spawned processes. hyperfine is not assumed: every
// figure is wall time from spawn to exit measured with process.hrtime.bigint().
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const RSS_PROBE = fileURLToPath(new URL('../rss-probe.js', import.meta.url));

/** GNU time reports the peak RSS of exactly the process it runs; the preload is the fallback. */
export const GNU_TIME =
  existsSync('/usr/bin/time') && spawnSync('/usr/bin/time', ['-f', '%M', 'true']).status === 0;

/**
 * Runs one command and resolves with its wall time. `stdout` is 'ignore'
 * (/dev/null) or a file path; stderr is captured so a broken case is visible.
 */
export function timeOnce(command, args, { env, cwd, stdout = 'ignore', timeoutMs = 120_000 } = {}) {
  return new Promise((resolve, reject) => {
    const fd = stdout === 'ignore' ? 'ignore' : openSync(stdout, 'w');
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { env, cwd, stdio: ['ignore', fd, 'pipe'] });
    if (typeof fd === 'number') closeSync(fd);
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text) => {
      // Keep the end only: a failing run may replay a lot.
      stderr = (stderr + text).slice(-4000);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
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
      resolve({ ms, code, signal, stderr });
    });
  });
}

/**
 * Like timeOnce, plus the peak RSS in KiB of the measured process (not of
 * /usr/bin/time itself, nor of the backup script).
 */
export async function timeWithRss(command, args, options, tmp) {
  const rssFile = join(tmp, `rss.${process.pid}.${Math.random().toString(36).slice(2)}`);
  let result;
  if (GNU_TIME) {
    result = await timeOnce('/usr/bin/time', ['-f', '%M', '-o', rssFile, command, ...args], options);
  } else {
    // No GNU time (a fresh machine): the probe, preloaded into whatever node process runs.
    const env = { ...options.env, BENCH_RSS_FILE: rssFile, NODE_OPTIONS: `--import=${RSS_PROBE}` };
    result = await timeOnce(command, args, { ...options, env });
  }
  let rssKiB = null;
  try {
    rssKiB = Number.parseInt(readFileSync(rssFile, 'utf8').trim().split('\n').pop(), 10);
  } catch {
    // Killed before it could report.
  }
  rmSync(rssFile, { force: true });
  return { ...result, rssKiB };
}

export function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const median = n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  return { median, min: sorted[0], max: sorted[n - 1], n };
}

/**
 * Measures several cases interleaved (baseline, a, b, baseline, a, b, …) so
 * that load from other work on the machine falls on all of them alike.
 * Each case: { name, run: async (i) => ({ ms, code, ... }), check?: (result) => string | undefined }.
 * The first `warmup` rounds fill the page cache and are not counted.
 */
export async function interleave(cases, { runs, warmup = 1, before } = {}) {
  const samples = new Map(cases.map((c) => [c.name, []]));
  const extras = new Map(cases.map((c) => [c.name, []]));
  for (let round = 0; round < warmup + runs; round++) {
    for (const c of cases) {
      if (before) await before(c, round);
      const result = await c.run(round);
      const problem = c.check ? c.check(result) : result.code === 0 ? undefined : `exit ${result.code}`;
      if (problem) {
        throw new Error(`bench case "${c.name}" went wrong (${problem}):\n${result.stderr ?? ''}`);
      }
      if (round >= warmup) {
        samples.get(c.name).push(result.ms);
        extras.get(c.name).push(result);
      }
    }
  }
  return Object.fromEntries(
    cases.map((c) => [c.name, { ...stats(samples.get(c.name)), results: extras.get(c.name) }]),
  );
}
