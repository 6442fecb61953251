// node bench/fleet-10k.js [--days N] [--runs N] [--rounds N] [--seconds N] [--centres 1000,10000,10000:7]
//
// Issue 25, item 6, in one run: over a centre of 10,000 hosts × 4 types × N days (default a
// year) beside 1,000 hosts × the same days, through the built CLI and a real `serve` against
// a throwaway PostgreSQL 15 on loopback, and 10,000 hosts × 7 days beside them (the same
// figures over a week: what grows with history and what does not):
// - `status --fleet --nagios` (interleaved with `node -e 0`, the baseline of the same run);
// - `GET /` over the centre: first byte, whole, bytes; and right after a run arrives;
// - the API under 50 connections (server p99 from the probe, client p99 from autocannon) and
//   serve's RSS after each round.
// The sizes measured are printed and written with the figures (bench/results-fleet-10k.json).
// Everything it starts is stopped and removed.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { seedCentre, setUpReader } from './lib/centre-seed.js';
import { createBenchContext, ROOT } from './lib/context.js';
import { afterRunFigures, loadFigures, pageFigures } from './lib/fleet-10k-serve.js';
import { interleave } from './lib/measure.js';
import { startBenchPostgres } from './lib/postgres.js';
import { machine, revision } from './lib/report.js';
import { TOKEN } from './lib/serve.js';
import { startServe } from './lib/serve-process.js';

const argv = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const days = Number(arg('days', 365));
const runs = Number(arg('runs', 7));
const rounds = Number(arg('rounds', 3));
const seconds = Number(arg('seconds', 5));
/** hosts[:days] each; a centre's name in the results is `hosts` or `hosts:days`. */
const centres = String(arg('centres', `1000,10000,10000:7`))
  .split(',')
  .map((spec) => {
    const [hosts, ownDays] = spec.split(':').map(Number);
    return { name: spec, hosts, days: ownDays || days };
  });
const log = (text) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${text}\n`);
const hostName = (hosts, n) => `host-${String(n).padStart(Math.max(4, String(hosts).length), '0')}`;

const b = createBenchContext({ full: false });
const pgc = await startBenchPostgres(b.tmp);
b.onCleanup(() => pgc.stop());
const out = {
  date: new Date().toISOString(),
  revision: revision(),
  machine: machine(),
  days,
  runs,
  centres: {},
};
try {
  const cases = [{ name: 'node -e 0', run: () => b.node(['-e', '0']) }];
  for (const { name, hosts, days } of centres) {
    const database = `fleet_${name.replace(':', '_')}`;
    await pgc.query(`CREATE DATABASE ${database}`);
    const url = pgc.url(database);
    const migrated = await b.cli(['fleet', 'migrate'], { extraEnv: { BACKUP_ALERT_DATABASE_URL: url } });
    if (migrated.code !== 0) throw new Error(`fleet migrate: ${migrated.stderr}`);
    log(`seeding ${hosts} hosts × 4 types × ${days} days…`);
    out.centres[name] = await seedCentre(pgc, database, hosts, days, (done, all) =>
      log(`  ${done} of ${all} days`),
    );
    log(`  ${out.centres[name].rows} rows in ${Math.round(out.centres[name].seedMs / 1000)} s`);
    out.centres[name].readerUrl = await setUpReader(pgc, database);
    out.centres[name].ownerUrl = url;
    cases.push({
      name: `status@${name}`,
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
  for (const { name, hosts } of centres) {
    const centre = out.centres[name];
    const server = await startServe(b, b.dbPath(`serve-${name.replace(':', '-')}`), TOKEN, {
      BACKUP_ALERT_DATABASE_URL: centre.readerUrl,
    });
    try {
      const rssIdleMiB = server.rssMiB();
      log(`serve over ${name}: GET /…`);
      const page = await pageFigures(server, runs * 3);
      log(`serve over ${name}: GET / right after a run arrives…`);
      const afterRun = await afterRunFigures(server, centre.ownerUrl, hostName(hosts, 1), runs);
      log(`serve over ${name}: 50 connections × ${rounds} rounds…`);
      const load = await loadFigures(server, hostName(hosts, 2), rounds, seconds);
      out.serve[name] = { rssIdleMiB, page, afterRun, load };
    } finally {
      await server.stop();
    }
  }
  for (const c of Object.values(out.centres)) {
    delete c.readerUrl;
    delete c.ownerUrl;
  }
  writeFileSync(join(ROOT, 'bench', 'results-fleet-10k.json'), `${JSON.stringify(out, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
} finally {
  b.cleanup();
}
