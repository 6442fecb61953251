// The earlier round's storage figures (issue 6): database growth per success row
// as the CLI writes them, and log files removed with their rows by `prune` and by
// BACKUP_ALERT_RETENTION.
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { boundRow, checkRow, fmtMs } from './figures.js';
import { growthPerSuccessRow } from './fixtures.js';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function run(b) {
  const run = (name, extraEnv) =>
    b.cli(['run', '--type', 'daily', '--script', b.scripts['ok.sh'], '--db', b.dbPath(name)], { extraEnv });
  for (let i = 0; i < 5; i++) {
    const result = await run('prune');
    if (result.code !== 0) throw new Error(`upkeep: run failed:\n${result.stderr}`);
  }
  // Growth, measured on success rows the CLI itself wrote.
  const copy = join(b.tmp, 'growth.db');
  copyFileSync(b.dbPath('prune'), copy);
  const { bytesPerRow, rows } = growthPerSuccessRow(copy, 10_000);

  const beforePrune = b.logFiles('prune').length;
  await sleep(1_100);
  const prune = await b.cli(['prune', '--older-than', '1s', '--db', b.dbPath('prune')]);
  const pruned = { before: beforePrune, after: b.logFiles('prune').length, code: prune.code, ms: prune.ms };

  for (let i = 0; i < 5; i++) await run('retention');
  const beforeRetention = b.logFiles('retention').length;
  await sleep(1_100);
  const last = await run('retention', { BACKUP_ALERT_RETENTION: '1s' });
  const retained = {
    before: beforeRetention + 1,
    after: b.logFiles('retention').length,
    code: last.code,
    ms: last.ms,
  };
  return { growth: { bytesPerRow, rows }, prune: pruned, retention: retained };
}

function targets({ growth, prune, retention }) {
  return [
    boundRow(
      'DB growth per success row (used pages after VACUUM)',
      {
        median: `${growth.bytesPerRow.toFixed(0)} B`,
        range: `${growth.rows} rows cloned from CLI-written rows`,
      },
      growth.bytesPerRow,
      1024,
      'B',
    ),
    checkRow(
      'log files removed: prune --older-than 1s',
      { median: `${prune.before} → ${prune.after}`, range: fmtMs(prune.ms) },
      prune.code === 0 && prune.after === 0,
      'all removed',
    ),
    checkRow(
      'log files removed: a run with BACKUP_ALERT_RETENTION=1s',
      { median: `${retention.before} → ${retention.after}`, range: fmtMs(retention.ms) },
      retention.code === 0 && retention.after <= 1,
      'all but its own',
    ),
  ].map((row) => ({ issue: '6', ...row }));
}

export const upkeep = { id: 'upkeep', title: 'database growth and log-file retention', run, targets };
