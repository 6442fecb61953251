// `serve` (issue 14), the real CLI over a local database of 1 M runs (100 k in
// quick mode) spread over 1,000 hosts × 4 types: GET /api/v1/backups?limit=20
// under 50 concurrent connections (autocannon, loopback, bounded in time), the
// page `/` for every host × type (unchanged database, and right after a run was
// recorded), GET /healthz under the same load as the baseline, and the server's
// RSS throughout. Server time comes from a preload (probes/serve-timing.js).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { createDb } from './databases.js';
import { percentile, stats } from './measure.js';
import { startServe } from './serve-process.js';
import { tables, targets } from './serve-report.js';

export const TOKEN = 'bench-read-token-0123456789abcdef';
const HOSTS = 1_000;
const CONNECTIONS = 50;

function load(url, seconds) {
  return autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    headers: { authorization: `Bearer ${TOKEN}` },
    timeout: 10,
  });
}

/** One round of load on `path`: server times (from the probe), client view, RSS samples. */
async function round(server, path, seconds) {
  await server.timings(); // reset
  const { result, rss } = await server.sampled(() => load(`${server.url}${path.slice(1)}`, seconds));
  const report = await server.timings();
  const times = report.timings[path.split('?')[0]] ?? [];
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(
      `serve: ${path} under load: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`,
    );
  }
  return {
    requests: times.length,
    requestsPerSecond: result.requests.average,
    cpuPerRequestMs: report.cpuMs / Math.max(1, times.length),
    server: { ...stats(times), p99: percentile(times, 99) },
    times,
    client: { p50: result.latency.p50, p99: result.latency.p99 },
    rss: { start: rss[0], peak: Math.max(...rss), end: rss.at(-1) },
  };
}

/** The same request `count` times, one at a time: its server time without queueing behind others. */
async function oneAtATime(server, path, count) {
  await server.timings();
  for (let i = 0; i < count; i++) {
    const response = await fetch(`${server.url}${path.slice(1)}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    if (response.status !== 200) throw new Error(`serve: ${path}: HTTP ${response.status}`);
    await response.arrayBuffer();
  }
  const times = (await server.timings()).timings[path.split('?')[0]] ?? [];
  return { ...stats(times), p99: percentile(times, 99) };
}

async function page(b, server, { warm, cold, db, host }) {
  const get = async () => {
    const response = await fetch(`${server.url}?lang=en`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const text = await response.text();
    if (response.status !== 200 || !text.includes(host))
      throw new Error(`serve: page: HTTP ${response.status}`);
    return Buffer.byteLength(text);
  };
  const bytes = await get();
  await server.timings();
  for (let i = 0; i < warm; i++) await get();
  const warmReport = await server.timings();
  // Cold: a run was just recorded by another process (the real CLI, as cron does).
  for (let i = 0; i < cold; i++) {
    const run = await b.cli(['run', '--type', 'daily', '--script', b.scripts['ok.sh'], '--db', db], {
      extraEnv: { BACKUP_ALERT_HOST: 'host-0001' },
    });
    if (run.code !== 0) throw new Error(`serve: recording a run: exit ${run.code}\n${run.stderr}`);
    await get();
  }
  const coldReport = await server.timings();
  const of = (report) => {
    const times = report.timings['/'] ?? [];
    return times.length ? { ...stats(times), cpuMs: report.cpuMs / times.length, samples: times } : null;
  };
  return { bytes, warm: of(warmReport), cold: of(coldReport) };
}

/**
 * Everything measured on a running server: /healthz and the list under load,
 * then the page. `host` is a host the page must show; `cold` runs recorded into
 * `db` between page loads (0: not measured, as for the centre).
 */
export async function measureServer(b, server, { rows, db, host, cold }) {
  const seconds = b.full ? 10 : 5;
  const rssIdle = server.rssMiB();
  // Warm-up (JIT, page cache, a pool's connections), not counted.
  await load(`${server.url}api/v1/backups?limit=20`, 1);
  const healthz = await round(server, '/healthz', seconds);
  const list = [];
  for (let i = 0; i < (b.full ? 3 : 2); i++)
    list.push(await round(server, '/api/v1/backups?limit=20', seconds));
  const alone = await oneAtATime(server, '/api/v1/backups?limit=20', b.full ? 200 : 100);
  const pageResult = await page(b, server, { warm: b.full ? 30 : 15, cold, db, host });
  const all = list.flatMap((r) => r.times);
  const strip = ({ times: _times, ...rest }) => rest;
  return {
    rows,
    hosts: HOSTS,
    connections: CONNECTIONS,
    seconds,
    rssIdle,
    rssAfter: server.rssMiB(),
    healthz: strip(healthz),
    list: list.map(strip),
    listAll: { ...stats(all), p99: percentile(all, 99) },
    alone,
    page: pageResult,
  };
}

async function run(b) {
  const rows = b.full ? 1_000_000 : 100_000;
  const seeded = await createDb(b, `serve-${rows}`, rows, { hosts: HOSTS });
  const server = await startServe(b, seeded.db, TOKEN);
  try {
    const cold = b.full ? 10 : 5;
    return await measureServer(b, server, { rows: seeded.rows, db: seeded.db, host: 'host-0999', cold });
  } finally {
    await server.stop();
  }
}

export const serve = {
  id: 'serve',
  title: 'serve over the local database: the API under 50 connections, the page, memory',
  run,
  targets: (r) => targets(r, 'local SQLite'),
  tables: (r) => tables(r, 'local SQLite'),
};

// `node bench/lib/serve.js [--full]` (as the README has it) runs this section alone:
// the same as `npm run bench -- --only serve [--full]`, against the dist/ built last.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const run = fileURLToPath(new URL('../run.js', import.meta.url));
  spawn(process.execPath, [run, '--only', 'serve', ...process.argv.slice(2)], { stdio: 'inherit' }).on(
    'exit',
    (code) => process.exit(code ?? 1),
  );
}
