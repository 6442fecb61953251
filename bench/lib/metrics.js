// Issue 12's figures: what the metrics file and a heartbeat ping add to a run.
// In-process (the run pays exactly these calls, nothing else): the snapshot from a
// database of N runs, the exposition, the atomic write (fsync included), one ping to a
// loopback server, and what the counter triggers add to recording a run. Not wired into
// bench/run.js yet; run it alone with
//   node bench/lib/metrics.js [--full | --rows N]
// Only servers it starts itself on 127.0.0.1; its temp files are removed at the end.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { build } from 'esbuild';
import { fillRuns } from './fixtures.js';
import { stats } from './measure.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Our TypeScript as one ES module. It lives under node_modules/.cache so that the
 * better-sqlite3 the store require()s resolves from the project, as in the real build.
 */
async function loadModules() {
  const dir = join(ROOT, 'node_modules', '.cache', `backup-alert-bench-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const entry = join(dir, 'entry.ts');
  const src = (path) => JSON.stringify(join(ROOT, 'src', path));
  writeFileSync(
    entry,
    [
      `export { metricsSnapshot } from ${src('store/metrics-query.ts')};`,
      `export { renderExposition } from ${src('metrics/exposition.ts')};`,
      `export { writeTextfile } from ${src('metrics/textfile.ts')};`,
      `export { sendPing } from ${src('notify/ping.ts')};`,
      `export { pingPayload } from ${src('notify/ping-payload.ts')};`,
      `export { Store } from ${src('store/store.ts')};`,
    ].join('\n'),
  );
  const outfile = join(dir, 'bundle.mjs');
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    external: ['better-sqlite3'],
    logLevel: 'silent',
  });
  const modules = await import(pathToFileURL(outfile).href);
  return { modules, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Median of `runs` timings of `fn` (after `warmup` untimed calls), in ms. */
async function time(fn, { runs = 31, warmup = 3 } = {}) {
  for (let i = 0; i < warmup; i++) await fn(i);
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    await fn(i);
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return stats(samples);
}

/** A healthchecks-like endpoint on loopback: 200 "OK" with Ping-Body-Limit, body read fully. */
async function startPingSink() {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'text/plain', 'ping-body-limit': '100000' }).end('OK');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/ping/5bf66975-d4c7-4bf5-bcc8-b8d8a82ea278`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  };
}

function newRun(i) {
  const startedAt = new Date(Date.UTC(2030, 0, 1) + i * 1000);
  return {
    run: {
      type: 'daily',
      startedAt: startedAt.toISOString(),
      script: '/b.sh',
      host: 'h',
      pid: 1,
      logPathTemplate: null,
    },
    startedAt,
    outcome: {
      status: 'success',
      finishedAt: new Date(startedAt.getTime() + 500).toISOString(),
      durationMs: 500,
      exitCode: 0,
      signal: null,
      errorMessage: null,
      outputTail: null,
    },
  };
}

export async function benchMetrics({ rows, tmp }) {
  const { modules: m, cleanup } = await loadModules();
  const sink = await startPingSink();
  try {
    const db = join(tmp, 'metrics.db');
    m.Store.open(db).close();
    const filled = process.hrtime.bigint();
    fillRuns(db, rows, { script: '/opt/backup.sh', host: 'bench', logDir: join(tmp, 'runs') });
    const fillMs = Number(process.hrtime.bigint() - filled) / 1e6;
    const store = m.Store.open(db);
    const options = {
      version: '0.1.0',
      types: ['daily', 'weekly', 'monthly'],
      channels: ['email', 'slack', 'ping'],
    };
    const file = join(tmp, 'textfile', 'backup-alert.prom');
    mkdirSync(join(tmp, 'textfile'));
    const snapshot = m.metricsSnapshot(store.db, options);
    const text = m.renderExposition(snapshot);
    const r = { rows, fillMs, bytes: Buffer.byteLength(text) };
    r.snapshot = await time(() => m.metricsSnapshot(store.db, options));
    r.render = await time(() => m.renderExposition(snapshot));
    r.write = await time(async () => {
      const result = await m.writeTextfile(file, text);
      if (!result.ok) throw new Error(result.error);
    });
    r.total = await time(async () => {
      const result = await m.writeTextfile(file, m.renderExposition(m.metricsSnapshot(store.db, options)));
      if (!result.ok) throw new Error(result.error);
    });

    const settings = { url: sink.url, format: 'healthchecks' };
    const tail = 'rsync: copied /srv/data/chunk.bin ok\n'.repeat(1800); // ~64 KiB, the runner's tail
    const ping = (payload) => async () => {
      const result = await m.sendPing(settings, payload, AbortSignal.timeout(10_000));
      if (!result.ok) throw new Error(result.error);
    };
    // Pings are the noisiest figure on a shared machine: more samples.
    r.pingSuccess = await time(
      ping(m.pingPayload({ event: 'success', rid: crypto.randomUUID(), message: 'ok' })),
      { runs: 101, warmup: 5 },
    );
    r.pingFailure64k = await time(
      ping(
        m.pingPayload({
          event: 'failure',
          rid: crypto.randomUUID(),
          exitCode: 1,
          message: 'failed',
          outputTail: tail,
        }),
      ),
      { runs: 101, warmup: 5 },
    );

    // What the triggers add to recording a run (insert `running`, then finish), on this history.
    const bare = join(tmp, 'bare.db');
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    copyFileSync(db, bare);
    const withoutTriggers = m.Store.open(bare);
    for (const name of [
      'metrics_types_insert',
      'metrics_types_update',
      'metrics_notifications_insert',
      'metrics_notifications_update',
    ]) {
      withoutTriggers.db.exec(`DROP TRIGGER ${name}`);
    }
    const record = (s, offset) => (i) => {
      const { run, startedAt, outcome } = newRun(offset + i);
      const { backupId } = s.insertRun(run, startedAt);
      s.finishRun(backupId, outcome);
    };
    r.recordWithTriggers = await time(record(store, 0), { runs: 101, warmup: 5 });
    r.recordWithoutTriggers = await time(record(withoutTriggers, 0), { runs: 101, warmup: 5 });
    withoutTriggers.close();

    // The one-time cost of the migration on an existing history of this size.
    store.db.exec(`DROP TRIGGER metrics_types_insert; DROP TRIGGER metrics_types_update;
      DROP TRIGGER metrics_notifications_insert; DROP TRIGGER metrics_notifications_update;
      DROP TABLE metrics_types; DROP TABLE metrics_notifications;`);
    const version = store.db.pragma('user_version', { simple: true });
    store.db.pragma(`user_version = ${version - 1}`);
    store.close();
    const migrated = process.hrtime.bigint();
    m.Store.open(db).close();
    r.migrationMs = Number(process.hrtime.bigint() - migrated) / 1e6;
    const check = new Database(db, { readonly: true });
    r.migratedRuns = check
      .prepare('SELECT sum(runs_success + runs_failure + runs_abandoned) FROM metrics_types')
      .pluck()
      .get();
    check.close();
    return r;
  } finally {
    await sink.close();
    cleanup();
  }
}

const f = (s) => `${s.median.toFixed(3)} ms (${s.min.toFixed(3)}–${s.max.toFixed(3)}, n=${s.n})`;

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const index = process.argv.indexOf('--rows');
  const rows =
    index > 0 ? Number(process.argv[index + 1]) : process.argv.includes('--full') ? 1_000_000 : 100_000;
  const tmp = mkdtempSync(join(tmpdir(), 'backup-alert-bench-metrics-'));
  try {
    const r = await benchMetrics({ rows, tmp });
    const out = process.stdout;
    out.write(
      `metrics bench: ${r.rows} runs of history (filled in ${(r.fillMs / 1000).toFixed(1)} s), exposition ${r.bytes} bytes\n`,
    );
    out.write(`  snapshot (SQLite)          ${f(r.snapshot)}\n`);
    out.write(`  render exposition          ${f(r.render)}\n`);
    out.write(`  atomic write (fsync)       ${f(r.write)}\n`);
    out.write(`  snapshot+render+write      ${f(r.total)}   target ≤ 5 ms\n`);
    out.write(`  ping, success (no body)    ${f(r.pingSuccess)}   target ≤ 10 ms\n`);
    out.write(`  ping, failure (64 KiB)     ${f(r.pingFailure64k)}\n`);
    out.write(`  record a run, triggers     ${f(r.recordWithTriggers)}\n`);
    out.write(`  record a run, no triggers  ${f(r.recordWithoutTriggers)}\n`);
    out.write(
      `  migration on this history  ${r.migrationMs.toFixed(0)} ms once (counted ${r.migratedRuns} runs)\n`,
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
