// `serve` under load (issue 14): GET /api/v1/backups?limit=20 at 1 M rows with 50
// concurrent connections (autocannon, loopback, bounded in time), the time to render
// `/` for 1,000 hosts × 4 types, and the server's memory through it all.
// Standalone: node bench/lib/serve.js [--full]   (quick: 100k rows; --full: 1 M rows)
// The server runs in a child process built from the sources (serve-child.ts), so its
// RSS is its own and the load generator's work is not counted as server time.
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { build } from 'esbuild';
import { createBenchContext, ROOT } from './context.js';
import { stats } from './measure.js';

export const TOKEN = 'bench-read-token-0123456789abcdef';
const HOSTS = 1_000;
const TYPES = ['daily', 'weekly', 'monthly', 'manual'];

/** p-th percentile (0-100) of unsorted values. */
export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * `rows` runs over 1,000 hosts × 4 types, one a minute going back in time, one in 20 a
 * failure with an error and a ~1 KiB tail, into a database the CLI created (real schema,
 * indexes and triggers).
 */
async function seed(b, rows) {
  const db = b.dbPath(`serve-${rows}`);
  const first = await b.cli(['run', '--type', 'daily', '--script', b.scripts['ok.sh'], '--db', db]);
  if (first.code !== 0) throw new Error(`could not create ${db}:\n${first.stderr}`);
  const sqlite = new Database(db);
  sqlite.pragma('synchronous = OFF');
  const insert = sqlite.prepare(
    `INSERT OR IGNORE INTO backup_logs (backup_id, type, status, started_at, finished_at, duration_ms,
       exit_code, error_message, output_tail, script, host, log_path, pid)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '/opt/backup/backup.sh', ?, NULL, 4242)`,
  );
  const tail = 'rsync: send_files failed to open "/srv/data/locked.db": Permission denied (13)\n'.repeat(12);
  const start = Date.now() - 3600_000;
  const started = process.hrtime.bigint();
  sqlite.transaction(() => {
    for (let i = 0; i < rows; i++) {
      const at = new Date(start - i * 60_000);
      const host = `host-${String(i % HOSTS).padStart(4, '0')}`;
      const type = TYPES[Math.floor(i / HOSTS) % TYPES.length];
      const failed = i % 20 === 7;
      const iso = at.toISOString();
      const id = `BKP-${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}-${type}`;
      insert.run(
        id, // one run a minute: every ID is unique
        type,
        failed ? 'failure' : 'success',
        iso,
        new Date(at.getTime() + 60_000).toISOString(),
        60_000,
        failed ? 23 : 0,
        failed
          ? 'Backup script failed with exit code 23: rsync error: some files could not be transferred'
          : null,
        failed ? tail : null,
        host,
      );
    }
  })();
  sqlite.pragma('wal_checkpoint(TRUNCATE)');
  const count = sqlite.prepare('SELECT count(*) FROM backup_logs').pluck().get();
  sqlite.close();
  return { db, rows: count, fillMs: Number(process.hrtime.bigint() - started) / 1e6 };
}

export async function bundleChild(b) {
  const outfile = join(b.tmp, 'serve-child.mjs');
  await build({
    entryPoints: [fileURLToPath(new URL('./serve-child.ts', import.meta.url))],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: ['better-sqlite3'],
    // CommonJS dependencies (dotenv) call require() for builtins, as in scripts/build.js.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
  return outfile;
}

/** The server in its own process; resolves once it listens. */
export function startChild(script, db, extraArgs = []) {
  // NODE_PATH: the bundle lives in the temp dir, better-sqlite3 (native) in ours.
  const child = fork(script, [db, TOKEN, ...extraArgs], {
    env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules') },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ask = (message) =>
    new Promise((resolve) => {
      child.once('message', resolve);
      child.send(message);
    });
  const rssMiB = () => {
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) / 1024;
  };
  const stop = () =>
    new Promise((resolve) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.send('stop');
    });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`serve child exited with ${code} before listening`)));
    child.once('message', (message) => resolve({ url: message.url, ask, rssMiB, stop }));
  });
}

/** Samples the server's RSS every 100 ms while `work` runs. */
export async function sampled(server, work) {
  const samples = [server.rssMiB()];
  const timer = setInterval(() => samples.push(server.rssMiB()), 100);
  try {
    const result = await work();
    return { result, rss: samples };
  } finally {
    clearInterval(timer);
    samples.push(server.rssMiB());
  }
}

export function load(url, seconds) {
  return autocannon({
    url,
    connections: 50,
    duration: seconds,
    headers: { authorization: `Bearer ${TOKEN}` },
    timeout: 10,
  });
}

export async function benchServe(b) {
  const rows = b.full ? 1_000_000 : 100_000;
  const seconds = b.full ? 10 : 5;
  const seeded = await seed(b, rows);
  const server = await startChild(await bundleChild(b), seeded.db);
  try {
    const list = `${server.url}api/v1/backups?limit=20`;
    const rssIdle = server.rssMiB();
    // Warm-up: JIT, page cache.
    await load(list, 1);
    await server.ask('timings');
    const rounds = [];
    for (let round = 0; round < (b.full ? 3 : 2); round++) {
      const { result, rss } = await sampled(server, () => load(list, seconds));
      const { timings, cpuMs } = await server.ask('timings');
      const times = timings['/api/v1/backups'] ?? [];
      if (result.non2xx > 0 || result.errors > 0) {
        throw new Error(`list under load: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
      }
      rounds.push({
        requests: times.length,
        requestsPerSecond: result.requests.average,
        cpuPerRequestMs: cpuMs / times.length,
        serverMedianMs: stats(times).median,
        serverP99Ms: percentile(times, 99),
        clientP50Ms: result.latency.p50,
        clientP99Ms: result.latency.p99,
        rssStartMiB: rss[0],
        rssPeakMiB: Math.max(...rss),
        rssEndMiB: rss[rss.length - 1],
      });
    }
    // `/` for every host × type, one load at a time as people load it: warm (nothing
    // changed since the last load: the host × type facts come from the server's cache)
    // and cold (a run was just recorded by another process, as `run` does).
    const getPage = async () => {
      const response = await fetch(`${server.url}?lang=en`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      const text = await response.text();
      if (response.status !== 200 || !text.includes('host-0999'))
        throw new Error(`page: HTTP ${response.status}`);
      return Buffer.byteLength(text);
    };
    const bytes = await getPage();
    await server.ask('timings');
    for (let i = 0; i < (b.full ? 30 : 15); i++) await getPage();
    const warmReport = await server.ask('timings');
    const warm = warmReport.timings['/'] ?? [];
    const writer = new Database(seeded.db);
    const record = writer.prepare(
      `INSERT INTO backup_logs (backup_id, type, status, started_at, host) VALUES (?, 'daily', 'running', ?, 'host-0001')`,
    );
    for (let i = 0; i < (b.full ? 10 : 5); i++) {
      record.run(`BKP-bench-${i}`, new Date().toISOString());
      await getPage();
    }
    writer.close();
    const coldReport = await server.ask('timings');
    const cold = coldReport.timings['/'] ?? [];
    return {
      rows: seeded.rows,
      fillMs: seeded.fillMs,
      hosts: HOSTS,
      types: TYPES.length,
      connections: 50,
      secondsPerRound: seconds,
      rssIdleMiB: rssIdle,
      list: rounds,
      page: {
        bytes,
        warmMedianMs: stats(warm).median,
        warmMaxMs: stats(warm).max,
        coldMedianMs: stats(cold).median,
        coldMaxMs: stats(cold).max,
        warmCpuMs: warmReport.cpuMs / warm.length,
        coldCpuMs: coldReport.cpuMs / cold.length,
      },
      rssAfterMiB: server.rssMiB(),
    };
  } finally {
    await server.stop();
  }
}

const f1 = (n) => n.toFixed(1);

export function serveRows(r) {
  const rows = r.list.map((round, i) => ({
    figure: `GET /api/v1/backups?limit=20, round ${i + 1} (${r.connections} conns, ${r.secondsPerRound} s)`,
    value: `server median ${f1(round.serverMedianMs)} ms, p99 ${f1(round.serverP99Ms)} ms; client p50 ${f1(round.clientP50Ms)} ms, p99 ${f1(round.clientP99Ms)} ms; ${Math.round(round.requestsPerSecond)} req/s; server CPU ${round.cpuPerRequestMs.toFixed(2)} ms/request`,
    memory: `RSS ${f1(round.rssStartMiB)} → peak ${f1(round.rssPeakMiB)} → ${f1(round.rssEndMiB)} MiB`,
  }));
  rows.push({
    figure: `GET / (${r.hosts} hosts × ${r.types} types, ${Math.round(r.page.bytes / 1024)} KiB of HTML)`,
    value: `server median ${f1(r.page.warmMedianMs)} ms (max ${f1(r.page.warmMaxMs)}, CPU ${f1(r.page.warmCpuMs)} ms) unchanged database; ${f1(r.page.coldMedianMs)} ms (max ${f1(r.page.coldMaxMs)}, CPU ${f1(r.page.coldCpuMs)} ms) right after a run was recorded`,
    memory: `RSS idle ${f1(r.rssIdleMiB)} MiB, after everything ${f1(r.rssAfterMiB)} MiB`,
  });
  return rows;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const full = process.argv.includes('--full');
  const b = createBenchContext({ full });
  const bound = setTimeout(
    () => {
      process.stderr.write(`bench serve: took too long; cleaning up ${b.tmp}\n`);
      b.cleanup();
      process.exit(1);
    },
    (full ? 20 : 5) * 60_000,
  );
  try {
    const r = await benchServe(b);
    process.stdout.write(
      `serve bench (${full ? 'full' : 'quick'}): ${r.rows} rows, filled in ${f1(r.fillMs / 1000)} s\n`,
    );
    for (const row of serveRows(r))
      process.stdout.write(`- ${row.figure}\n    ${row.value}\n    ${row.memory}\n`);
    process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  } finally {
    clearTimeout(bound);
    b.cleanup();
  }
}
