// The database (issue 15): `history` with and without a filter and `status` on
// histories of 1 k to 1 M runs, each against the same command at 1 k rows.

import { bigDb, createDb, ROWS } from './databases.js';
import { fmtMs, ratioRow } from './figures.js';
import { interleave } from './measure.js';

const statusOk = (r) => (r.code === 0 || r.code === 1 ? undefined : `exit ${r.code}`);

const COMMANDS = {
  history: ['history', '--limit', '20'],
  failures: ['history', '--status', 'failure', '--limit', '10'],
  status: ['status', '--json'],
};

async function run(b) {
  const sizes = b.full ? ROWS.full : ROWS.quick;
  const dbs = [];
  for (const rows of sizes.slice(0, -1)) dbs.push(await createDb(b, `history-${rows}`, rows));
  dbs.push(await bigDb(b));
  const cases = [{ name: 'node -e 0', run: () => b.node(['-e', '0']) }];
  for (const { rows, db } of dbs) {
    for (const [key, args] of Object.entries(COMMANDS)) {
      cases.push({
        name: `${key}@${rows}`,
        run: () => b.cli([...args, '--db', db]),
        ...(key === 'status' ? { check: statusOk } : {}),
      });
    }
  }
  const result = await interleave(cases, { runs: b.full ? 11 : 7, warmup: 1 });
  return { dbs: dbs.map(({ db: _db, ...rest }) => rest), result };
}

function targets({ dbs, result }) {
  const small = dbs[0].rows;
  const big = dbs.at(-1).rows;
  const n = (rows) => rows.toLocaleString('en');
  return [
    ratioRow(
      `history --limit 20 (no filter), ${n(big)} runs`,
      result[`history@${big}`],
      result[`history@${small}`],
      `same at ${n(small)}`,
      1.3,
    ),
    ratioRow(
      `history --status failure --limit 10, ${n(big)} runs`,
      result[`failures@${big}`],
      result[`failures@${small}`],
      `same at ${n(small)}`,
      1.3,
    ),
  ].map((row) => ({ issue: '15', ...row }));
}

function tables({ dbs, result }) {
  const node = result['node -e 0'].median;
  const cell = (key, rows) => {
    const s = result[`${key}@${rows}`];
    return `${fmtMs(s.median)} (${(s.median / node).toFixed(2)}×)`;
  };
  return [
    {
      title: `Row scaling (median; ratio to node -e 0 of the same group, ${fmtMs(node)})`,
      columns: [
        ['rows', 'runs in DB'],
        ['history', 'history --limit 20'],
        ['failures', 'history --status failure --limit 10'],
        ['status', 'status --json'],
        ['size', 'DB size'],
      ],
      rows: dbs.map((d) => ({
        rows: d.rows.toLocaleString('en'),
        history: cell('history', d.rows),
        failures: cell('failures', d.rows),
        status: cell('status', d.rows),
        size: `${(d.bytes / 1048576).toFixed(1)} MiB`,
      })),
    },
  ];
}

export const storage = {
  id: 'history',
  title: 'history and status on histories of 1 k to 1 M runs',
  run,
  targets,
  tables,
};
