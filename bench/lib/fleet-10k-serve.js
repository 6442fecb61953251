// serve over a large centre (issue 25, item 6): `GET /` (first byte, whole, bytes), the
// page right after a run arrives, and the API under 50 connections round after round with
// the server's RSS. The reader role under row-level security, mapped to every host.
import { Agent, request } from 'node:http';
import pg from 'pg';
import { percentile, stats } from './measure.js';
import { TOKEN } from './serve.js';

const CONNECTIONS = 50;

/**
 * 50 keep-alive connections sending `path` back to back for `seconds`. Two loopback source
 * addresses, 25 connections each: serve cuts a 33rd connection from one address (its
 * per-client cap), which autocannon, connecting from 127.0.0.1 only, runs into.
 */
async function load(url, seconds) {
  const agents = ['127.0.0.1', '127.0.0.2'].map(
    (localAddress) => new Agent({ keepAlive: true, maxSockets: CONNECTIONS / 2, localAddress }),
  );
  const latencies = [];
  let errors = 0;
  let non2xx = 0;
  const until = Date.now() + seconds * 1000;
  const one = (agent) =>
    new Promise((resolve) => {
      const started = process.hrtime.bigint();
      const req = request(url, { agent, headers: { authorization: `Bearer ${TOKEN}` } }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode !== 200) non2xx++;
          latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
          resolve();
        });
      });
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end();
    });
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async (_, i) => {
      const agent = agents[i % 2];
      while (Date.now() < until) await one(agent);
    }),
  );
  for (const agent of agents) agent.destroy();
  return { latencies, errors, non2xx };
}

/** One round of load on `path`: server times (the probe), the client's view, RSS samples. */
async function round(server, path, seconds) {
  await server.timings(); // reset
  const { result, rss } = await server.sampled(() => load(`${server.url}${path.slice(1)}`, seconds));
  const report = await server.timings();
  const times = report.timings[path.split('?')[0]] ?? [];
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`serve: ${path} under load: ${result.non2xx} non-2xx, ${result.errors} errors`);
  }
  return {
    requests: times.length,
    requestsPerSecond: times.length / seconds,
    cpuPerRequestMs: report.cpuMs / Math.max(1, times.length),
    server: { ...stats(times), p99: percentile(times, 99) },
    client: { p50: percentile(result.latencies, 50), p99: percentile(result.latencies, 99) },
    rss: { start: rss[0], peak: Math.max(...rss), end: rss.at(-1) },
    heapUsedMiB: report.heapUsedMiB,
    externalMiB: report.externalMiB,
  };
}

/** One `GET /`: time to the first byte of the body, to its end, and its size. */
async function getPage(url) {
  const started = process.hrtime.bigint();
  const response = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
  const reader = response.body.getReader();
  const first = await reader.read();
  const firstByteMs = Number(process.hrtime.bigint() - started) / 1e6;
  const chunks = [first.value ?? new Uint8Array()];
  for (;;) {
    const next = await reader.read();
    if (next.done) break;
    chunks.push(next.value);
  }
  const totalMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (response.status !== 200) throw new Error(`GET /: HTTP ${response.status}`);
  return { firstByteMs, totalMs, text: Buffer.concat(chunks).toString('utf8') };
}

const summary = (samples, key) => {
  const values = samples.map((s) => s[key]);
  return { ...stats(values), p99: percentile(values, 99) };
};

/** `GET /` on an unchanged centre, `runs` times after a warm-up. */
export async function pageFigures(server, runs) {
  await getPage(`${server.url}?lang=en`);
  const samples = [];
  let bytes = 0;
  for (let i = 0; i < runs; i++) {
    const page = await getPage(`${server.url}?lang=en`);
    bytes = Buffer.byteLength(page.text);
    samples.push(page);
  }
  return { firstByteMs: summary(samples, 'firstByteMs'), totalMs: summary(samples, 'totalMs'), bytes };
}

/**
 * A run arrives for `host` through ship_batch (as a host's sync sends it, in one transaction
 * with its triggers), then `GET /` at once: the page must already show it. Alternately a
 * failure (the host appears among those in trouble) and a success (it leaves them).
 */
export async function afterRunFigures(server, ownerUrl, host, runs) {
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    const [{ instance_id: instance, expectations }] = (
      await client.query('SELECT instance_id, expectations FROM hosts WHERE host = $1', [host])
    ).rows;
    const samples = [];
    for (let i = 0; i < runs * 2; i++) {
      const failed = i % 2 === 0;
      const now = new Date();
      const run = {
        backup_id: `BKP-BENCH-${now.getTime()}-${i}`,
        local_id: 1_000_000 + i,
        revision: 2,
        job: 'daily',
        type: 'daily',
        status: failed ? 'failure' : 'success',
        started_at: new Date(now.getTime() - 60_000).toISOString(),
        finished_at: now.toISOString(),
        duration_ms: 60_000,
        exit_code: failed ? 1 : 0,
        error_message: failed ? `bench failure ${i}` : null,
        script: '/opt/backup.sh',
      };
      const shipStarted = process.hrtime.bigint();
      const shipped = await client.query(
        `SELECT ship_batch($1, $2, 'bench', $3, now(), false, 0, $4, NULL, NULL) AS outcome`,
        [host, instance, JSON.stringify(expectations), JSON.stringify([run])],
      );
      const shipMs = Number(process.hrtime.bigint() - shipStarted) / 1e6;
      if (shipped.rows[0].outcome !== 'ok') throw new Error(`ship_batch: ${shipped.rows[0].outcome}`);
      const page = await getPage(`${server.url}?lang=en`);
      // Its red cell in the grid of hosts in trouble (the latest failures list keeps the run).
      const shown = page.text.includes(`class="cell h-failed" data-host="${host}"`);
      if (shown !== failed)
        throw new Error(`GET / right after the run: failure ${failed ? 'not shown' : 'still shown'}`);
      samples.push({ shipMs, firstByteMs: page.firstByteMs, totalMs: page.totalMs });
    }
    return {
      shipMs: summary(samples, 'shipMs'),
      firstByteMs: summary(samples, 'firstByteMs'),
      totalMs: summary(samples, 'totalMs'),
    };
  } finally {
    await client.end();
  }
}

/** The API under 50 connections, `rounds` times each, with the server's RSS per round. */
export async function loadFigures(server, host, rounds, seconds) {
  const paths = ['/api/v1/backups?limit=20', `/api/v1/status?host=${host}`];
  for (const path of paths) await round(server, path, 1); // warm-up: JIT, the pool's connections
  const out = Object.fromEntries(paths.map((path) => [path, []]));
  const rss = [];
  for (let r = 0; r < rounds; r++) {
    for (const path of paths) {
      out[path].push(await round(server, path, seconds));
    }
    rss.push(server.rssMiB());
  }
  return { byPath: out, rssAfterRound: rss };
}
