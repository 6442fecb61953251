// `backup-alert serve` as a process of its own, started the way an operator
// starts it (the bin, a clean environment, a read token), with the timing probe
// preloaded. Its RSS is read from /proc; its server times from the probe.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BIN } from './context.js';
import { track } from './measure.js';

const PROBE = fileURLToPath(new URL('../probes/serve-timing.js', import.meta.url));

export function startServe(b, db, token, extraEnv = {}) {
  const child = track(
    spawn(BIN, ['serve', '--listen', '127.0.0.1:0', '--db', db], {
      env: b.env({ ...extraEnv, BACKUP_ALERT_API_TOKEN: token, NODE_OPTIONS: `--import=${PROBE}` }),
      cwd: b.tmp,
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    }),
  );
  const kill = b.onCleanup(() => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Gone.
    }
  });
  let stderr = '';
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  // The sh preamble execs node: the pid is the server's.
  const rssMiB = () => {
    try {
      return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]) / 1024;
    } catch {
      return Number.NaN;
    }
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start in 30 s:\n${stderr}`)), 30_000);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text) => {
      stderr = (stderr + text).slice(-8000);
      const match = /Listening on (http:\/\/\S+\/)/.exec(stderr);
      if (!match) return;
      clearTimeout(timer);
      const url = match[1];
      resolve({
        url,
        rssMiB,
        /** The probe's report since the last call (and a reset). */
        timings: async () => (await fetch(`${url}__bench/timings`)).json(),
        /** Samples RSS every 100 ms while `work` runs. */
        sampled: async (work) => {
          const rss = [rssMiB()];
          const timer = setInterval(() => rss.push(rssMiB()), 100);
          try {
            return { result: await work(), rss };
          } finally {
            clearInterval(timer);
            rss.push(rssMiB());
          }
        },
        /** SIGTERM, as systemd stops it: a graceful stop must end in exit 0. */
        stop: async () => {
          child.kill('SIGTERM');
          const bound = setTimeout(kill, 10_000);
          const { code, signal } = await exited;
          clearTimeout(bound);
          kill();
          if (code !== 0) throw new Error(`serve ended with ${signal ?? `exit ${code}`}:\n${stderr}`);
        },
      });
    });
    exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before listening:\n${stderr}`));
    });
  });
}
