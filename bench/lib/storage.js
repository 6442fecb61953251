// The database: reading commands on large histories, growth per run, and log
// files removed by retention.
import { copyFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fillRuns, growthPerSuccessRow, usedBytes } from './fixtures.js';
import { interleave } from './measure.js';

export const ROWS = { quick: [1_000, 10_000, 100_000], full: [1_000, 10_000, 100_000, 1_000_000] };

const exitOk = (r) => (r.code === 0 ? undefined : `exit ${r.code}`);
const statusOk = (r) => (r.code === 0 || r.code === 1 ? undefined : `exit ${r.code}`);

/** A database made by the CLI (real schema, one real row), then filled to `rows` runs. */
async function historyDb(b, rows) {
  const name = `history-${rows}`;
  const db = b.dbPath(name);
  const first = await b.cli(['run', '--type', 'daily', '--script', b.scripts['ok.sh'], '--db', db]);
  if (first.code !== 0) throw new Error(`could not create ${db}:\n${first.stderr}`);
  const started = process.hrtime.bigint();
  fillRuns(db, rows - 1, { script: b.scripts['ok.sh'], host: hostname(), logDir: join(dirname(db), 'runs') });
  const fillMs = Number(process.hrtime.bigint() - started) / 1e6;
  return { rows, db, fillMs, ...usedBytes(db) };
}

export async function benchHistory(b) {
  const sizes = b.full ? ROWS.full : ROWS.quick;
  const dbs = [];
  for (const rows of sizes) dbs.push(await historyDb(b, rows));
  const cases = [{ name: 'node -e 0', run: () => b.node(['-e', '0']), check: exitOk }];
  for (const { rows, db } of dbs) {
    cases.push({
      name: `history@${rows}`,
      run: () => b.cli(['history', '--status', 'failure', '--limit', '10', '--db', db]),
      check: exitOk,
    });
    cases.push({
      name: `status@${rows}`,
      run: () => b.cli(['status', '--json', '--db', db]),
      check: statusOk,
    });
  }
  const result = await interleave(cases, { runs: b.full ? 11 : 7, warmup: 1 });
  return { dbs: dbs.map(({ db: _db, ...rest }) => rest), result };
}

/** Growth per success row, measured on rows the CLI itself wrote (the start-up bench's database). */
export function benchGrowth(b, sourceDb) {
  const copy = join(b.tmp, 'growth.db');
  copyFileSync(sourceDb, copy);
  return growthPerSuccessRow(copy, 10_000);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Log files of old runs go with their rows: by `prune --older-than` and by
 * BACKUP_ALERT_RETENTION applied after a run.
 */
export async function benchRetention(b) {
  const run = (name, extraEnv) =>
    b.cli(['run', '--type', 'daily', '--script', b.scripts['ok.sh'], '--db', b.dbPath(name)], { extraEnv });
  const out = {};

  for (let i = 0; i < 5; i++) await run('prune');
  const beforePrune = b.logFiles('prune').length;
  await sleep(1_100);
  const prune = await b.cli(['prune', '--older-than', '1s', '--db', b.dbPath('prune')]);
  out.prune = {
    logFilesBefore: beforePrune,
    logFilesAfter: b.logFiles('prune').length,
    exitCode: prune.code,
    ms: prune.ms,
  };

  for (let i = 0; i < 5; i++) await run('retention');
  const beforeRetention = b.logFiles('retention').length;
  await sleep(1_100);
  const last = await run('retention', { BACKUP_ALERT_RETENTION: '1s' });
  out.retention = {
    logFilesBefore: beforeRetention + 1,
    logFilesAfter: b.logFiles('retention').length,
    exitCode: last.code,
    ms: last.ms,
  };
  return out;
}
