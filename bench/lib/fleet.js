// The fleet (issue 11), through the real CLI against a throwaway PostgreSQL 15 on
// loopback: `status --fleet --nagios` over 10 and 1,000 hosts × 4 types × a year
// of daily runs (a month in quick mode), the per-run cost of the end-of-run ship,
// a 10,000-row backlog through `sync`, 50 hosts running `sync` at once, and
// `serve` over the largest centre (issue 14) when the build can.
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { seedCentre, setUpReader } from './centre-seed.js';
import { createDb } from './databases.js';
import { HOSTS, NODE, tables, targets } from './fleet-report.js';
import { interleave, stats } from './measure.js';
import { PG_BIN, startBenchPostgres } from './postgres.js';
import { measureServer, TOKEN } from './serve.js';
import { startServe } from './serve-process.js';

const nagiosOk = (r) =>
  r.code <= 2 && /^(OK|WARNING|CRITICAL) - /.test(r.stdout ?? '') ? undefined : `exit ${r.code}: ${r.stdout}`;

async function migrated(b, pgc, database) {
  await pgc.query(`CREATE DATABASE ${database}`);
  const url = pgc.url(database);
  const result = await b.cli(['fleet', 'migrate'], { extraEnv: { BACKUP_ALERT_DATABASE_URL: url } });
  if (result.code !== 0)
    throw new Error(`fleet migrate of ${database}: exit ${result.code}\n${result.stderr}`);
  return url;
}

async function statusGroup(b, pgc, days) {
  const centres = {};
  const cases = [{ name: NODE, run: () => b.node(['-e', '0']) }];
  const status = (url) => () =>
    b.cli(['status', '--fleet', '--nagios'], {
      extraEnv: { BACKUP_ALERT_DATABASE_URL: url },
      stdout: 'capture',
    });
  for (const hosts of HOSTS) {
    const url = await migrated(b, pgc, `fleet_${hosts}`);
    centres[hosts] = await seedCentre(pgc, `fleet_${hosts}`, hosts, days);
    cases.push({ name: `status@${hosts}`, run: status(url), check: nagiosOk });
  }
  const largest = HOSTS.at(-1);
  const reader = await setUpReader(pgc, `fleet_${largest}`);
  cases.push({ name: `status@${largest} as reader`, run: status(reader), check: nagiosOk });
  const result = await interleave(cases, { runs: b.full ? 11 : 7, warmup: 1 });
  return { centres, result, readerUrl: reader };
}

async function perRun(b, pgc, url) {
  const args = (name) => ['run', '--type', 'daily', '--script', b.scripts['ok.sh'], '--db', b.dbPath(name)];
  const runs = b.full ? 21 : 11;
  const warmup = 2;
  const result = await interleave(
    [
      { name: 'run, no centre', run: () => b.cliUsage(args('ship-none')) },
      {
        name: 'run, centre on loopback',
        run: () =>
          b.cliUsage(args('ship-centre'), {
            extraEnv: { BACKUP_ALERT_DATABASE_URL: url, BACKUP_ALERT_HOST: 'bench-run' },
          }),
      },
    ],
    { runs, warmup },
  );
  const [{ n }] = await pgc.query(
    "SELECT count(*)::int AS n FROM backup_logs WHERE host = 'bench-run'",
    [],
    'fleet_ship',
  );
  if (n < runs + warmup)
    throw new Error(`per-run ship: ${n} runs reached the centre, expected ${runs + warmup}`);
  return { ...result, shipped: n };
}

/** A fresh copy of `template` (its instance id is made on first sync, so each copy is a new host). */
function copyDb(b, template, name) {
  const target = b.dbPath(name);
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(template, target);
  return target;
}

const sync = (b, db, url, host) =>
  b.cli(['sync', '--db', db], { extraEnv: { BACKUP_ALERT_DATABASE_URL: url, BACKUP_ALERT_HOST: host } });

async function count(pgc, pattern) {
  const [{ n }] = await pgc.query(
    'SELECT count(*)::int AS n FROM backup_logs WHERE host LIKE $1',
    [pattern],
    'fleet_ship',
  );
  return n;
}

async function backlog(b, pgc, url) {
  const template = (await createDb(b, 'backlog-template', 10_000)).db;
  const samples = [];
  for (let round = 0; round < (b.full ? 5 : 2); round++) {
    const db = copyDb(b, template, `backlog-${round}`);
    const result = await sync(b, db, url, `backlog-${round}`);
    if (result.code !== 0) throw new Error(`backlog sync: exit ${result.code}\n${result.stderr}`);
    const n = await count(pgc, `backlog-${round}`);
    if (n !== 10_000) throw new Error(`backlog sync: ${n} rows at the centre, expected 10000`);
    samples.push(result.ms);
  }
  return { ...stats(samples), samples };
}

async function concurrent(b, pgc, url) {
  const template = (await createDb(b, 'hosts-template', 200)).db;
  const samples = [];
  for (let round = 0; round < (b.full ? 3 : 1); round++) {
    const dbs = Array.from({ length: 50 }, (_, i) => copyDb(b, template, `c${round}-h${i}`));
    const started = process.hrtime.bigint();
    const results = await Promise.all(dbs.map((db, i) => sync(b, db, url, `c${round}-h${i}`)));
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
    const failed = results.find((r) => r.code !== 0);
    if (failed) throw new Error(`50 hosts at once: a sync exited ${failed.code}\n${failed.stderr}`);
    const n = await count(pgc, `c${round}-h%`);
    if (n !== 50 * 200) throw new Error(`50 hosts at once: ${n} rows at the centre, expected ${50 * 200}`);
  }
  return { ...stats(samples), samples, rowsPerRound: 50 * 200 };
}

/**
 * `serve` over the centre (issue 14), reading as the reader role: the same
 * figures as over the local database, on the largest centre. A build whose serve
 * reads only the local database shows none of the centre's hosts: then skipped.
 */
async function serveOverCentre(b, readerUrl, rows) {
  let server;
  try {
    server = await startServe(b, b.dbPath('serve-centre'), TOKEN, { BACKUP_ALERT_DATABASE_URL: readerUrl });
  } catch (error) {
    return { skipped: `serve did not start over the centre: ${String(error.message).split('\n')[0]}` };
  }
  try {
    const response = await fetch(`${server.url}?lang=en`, { headers: { authorization: `Bearer ${TOKEN}` } });
    if (!(await response.text()).includes('host-1000')) {
      return { skipped: "this build's serve does not read the centre (no host of it on the page)" };
    }
    return await measureServer(b, server, { rows, db: null, host: 'host-1000', cold: 0 });
  } finally {
    await server.stop();
  }
}

async function run(b) {
  if (!existsSync(`${PG_BIN}/initdb`)) return { skipped: `PostgreSQL 15 is not installed (${PG_BIN})` };
  const pgc = await startBenchPostgres(b.tmp);
  const stop = b.onCleanup(() => pgc.stop());
  try {
    const days = b.full ? 365 : 30;
    const status = await statusGroup(b, pgc, days);
    const largest = HOSTS.at(-1);
    const serveCentre = await serveOverCentre(b, status.readerUrl, status.centres[largest].rows);
    const url = await migrated(b, pgc, 'fleet_ship');
    return {
      days,
      ...status,
      serveCentre,
      perRun: await perRun(b, pgc, url),
      backlog: await backlog(b, pgc, url),
      concurrent: await concurrent(b, pgc, url),
    };
  } finally {
    stop();
  }
}

export const fleet = {
  id: 'fleet',
  title: 'the fleet: status --fleet, ship, backlog, 50 hosts, serve over the centre',
  run,
  targets,
  tables,
};
