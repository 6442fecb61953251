// node bench/fleet-10k.js [--days N] [--runs N]
//
// Issue 25, item 6: `status --fleet --nagios` and serve's `GET /` over a centre of
// 10,000 hosts × 4 types × N days (default 7), beside 1,000 hosts × the same days,
// through the built CLI against a throwaway PostgreSQL 15 on loopback. A year of
// 10,000 hosts (14.6 M rows) does not fit a shared 2-core machine in a working
// session: the size measured is printed and written with the figures
// (bench/results-fleet-10k.json). Everything it starts is stopped and removed.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { seedCentre, setUpReader } from './lib/centre-seed.js';
import { createBenchContext, ROOT } from './lib/context.js';
import { interleave, percentile } from './lib/measure.js';
import { startBenchPostgres } from './lib/postgres.js';
import { machine, revision } from './lib/report.js';
import { startServe } from './lib/serve-process.js';

const argv = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const days = arg('days', 7);
const runs = arg('runs', 7);
const log = (text) => process.stderr.write(`${text}\n`);
const TOKEN = 'bench-fleet-10k-token-0123456789';

const b = createBenchContext({ full: false });
const pgc = await startBenchPostgres(b.tmp);
b.onCleanup(() => pgc.stop());
const out = { date: new Date().toISOString(), revision: revision(), machine: machine(), days, centres: {} };
try {
  const cases = [{ name: 'node -e 0', run: () => b.node(['-e', '0']) }];
  for (const hosts of [1000, 10_000]) {
    const database = `fleet_${hosts}`;
    await pgc.query(`CREATE DATABASE ${database}`);
    const url = pgc.url(database);
    const migrated = await b.cli(['fleet', 'migrate'], { extraEnv: { BACKUP_ALERT_DATABASE_URL: url } });
    if (migrated.code !== 0) throw new Error(`fleet migrate: ${migrated.stderr}`);
    log(`seeding ${hosts} hosts × 4 types × ${days} days…`);
    out.centres[hosts] = await seedCentre(pgc, database, hosts, days);
    log(`  ${out.centres[hosts].rows} rows in ${Math.round(out.centres[hosts].seedMs / 1000)} s`);
    out.centres[hosts].readerUrl = await setUpReader(pgc, database);
    cases.push({
      name: `status@${hosts}`,
      run: () =>
        b.cli(['status', '--fleet', '--nagios'], {
          extraEnv: { BACKUP_ALERT_DATABASE_URL: url },
          stdout: 'capture',
        }),
      check: (r) =>
        /^(OK|WARNING|CRITICAL) - /.test(r.stdout ?? '') ? undefined : `exit ${r.code}: ${r.stdout}`,
    });
  }
  log('status --fleet --nagios, interleaved…');
  const status = await interleave(cases, { runs, warmup: 1 });
  out.status = Object.fromEntries(
    Object.entries(status).map(([name, x]) => [name, { median: x.median, min: x.min, max: x.max }]),
  );
  out.serve = {};
  for (const hosts of [1000, 10_000]) {
    const server = await startServe(b, b.dbPath(`serve-${hosts}`), TOKEN, {
      BACKUP_ALERT_DATABASE_URL: out.centres[hosts].readerUrl,
    });
    try {
      const samples = [];
      let bytes = 0;
      for (let i = 0; i < runs + 1; i++) {
        const started = process.hrtime.bigint();
        const response = await fetch(`${server.url}?lang=en`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        const reader = response.body.getReader();
        const first = await reader.read();
        const firstByteMs = Number(process.hrtime.bigint() - started) / 1e6;
        bytes = first.value?.length ?? 0;
        for (;;) {
          const next = await reader.read();
          if (next.done) break;
          bytes += next.value.length;
        }
        const totalMs = Number(process.hrtime.bigint() - started) / 1e6;
        if (i > 0) samples.push({ firstByteMs, totalMs });
      }
      const median = (key) =>
        percentile(
          samples.map((s) => s[key]),
          50,
        );
      out.serve[hosts] = { firstByteMs: median('firstByteMs'), totalMs: median('totalMs'), bytes };
    } finally {
      await server.stop();
    }
  }
  for (const c of Object.values(out.centres)) delete c.readerUrl;
  writeFileSync(join(ROOT, 'bench', 'results-fleet-10k.json'), `${JSON.stringify(out, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
} finally {
  b.cleanup();
}
