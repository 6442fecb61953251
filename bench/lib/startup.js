// Start-up (issue 15): the success path with no channel, --version and
// `status --type daily --json` against bare Node; the platform's floors; and the
// peers' start-up (chronic, cronic) when they are installed.
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmtMs, infoRow, range, ratioRow, skippedRow } from './figures.js';
import { interleave } from './measure.js';
import { PEER_MISSING, peerPath } from './peers.js';

const FLOOR_RUN = fileURLToPath(new URL('../floors/run.cjs', import.meta.url));
const FLOOR_VERSION = fileURLToPath(new URL('../floors/version.js', import.meta.url));
const SQLITE = createRequire(import.meta.url).resolve('better-sqlite3');

// status exits 1 when a type is unhealthy; both are normal answers here.
const statusOk = (r) => (r.code === 0 || r.code === 1 ? undefined : `exit ${r.code}`);

const NODE = 'node -e 0';
const VERSION = 'backup-alert --version';
const RUN = 'backup-alert run (success, no channel)';
const STATUS = 'backup-alert status --type daily --json';

async function run(b) {
  const db = b.dbPath('startup');
  const runArgs = ['run', '--type', 'daily', '--script', b.scripts['ok.sh'], '--db', db];
  // One run first, so status has a database with a success in it to report.
  const first = await b.cli(runArgs);
  if (first.code !== 0) throw new Error(`run of a no-op script failed:\n${first.stderr}`);
  const floorDir = join(b.tmp, 'floor');
  mkdirSync(floorDir, { recursive: true });
  const cases = [
    { name: NODE, run: () => b.node(['-e', '0']) },
    { name: VERSION, run: () => b.cli(['--version']) },
    { name: RUN, run: () => b.cli(runArgs) },
    { name: STATUS, run: () => b.cli(['status', '--type', 'daily', '--json', '--db', db]), check: statusOk },
    // Not targets: what the platform costs, for reading the ratios above.
    { name: 'floor: ESM file that prints a version', run: () => b.node([FLOOR_VERSION]) },
    {
      name: 'floor: better-sqlite3 open + one read',
      run: () =>
        b.node([
          '-e',
          `new (require(${JSON.stringify(SQLITE)}))(${JSON.stringify(db)}).prepare('SELECT count(*) FROM backup_logs').get()`,
        ]),
    },
    {
      name: 'floor: SQLite insert + spawn + update (floors/run.cjs)',
      run: () => b.node([FLOOR_RUN, join(floorDir, 'floor.db'), b.scripts['ok.sh']]),
    },
  ];
  const peers = {};
  for (const peer of ['chronic', 'cronic']) {
    peers[peer] = peerPath(peer);
    if (peers[peer])
      cases.push({ name: `peer: ${peer} /bin/true`, run: () => b.run(peers[peer], ['/bin/true']) });
  }
  const result = await interleave(cases, { runs: b.full ? 31 : 15, warmup: 2 });
  return { result, peers };
}

function targets({ result }) {
  const node = result[NODE];
  const rows = [
    ratioRow('run, success path, no channel', result[RUN], node, NODE, 3.5),
    ratioRow('--version', result[VERSION], node, NODE, 1.3),
    ratioRow('status --type daily --json', result[STATUS], node, NODE, 2.2),
  ];
  for (const peer of ['chronic', 'cronic']) {
    const s = result[`peer: ${peer} /bin/true`];
    rows.push(
      s
        ? infoRow(`peer: ${peer} /bin/true`, {
            median: fmtMs(s.median),
            range: range(s),
            baseline: `${NODE}: ${fmtMs(node.median)}`,
            ratio: `${(s.median / node.median).toFixed(2)}×`,
          })
        : skippedRow(`peer: ${peer} /bin/true`, PEER_MISSING[peer]),
    );
  }
  return rows.map((row) => ({ issue: '15', ...row }));
}

/** Not targets: the platform's own costs measured in the same group, for reading its ratios. */
function tables({ result }) {
  const node = result[NODE].median;
  const rows = Object.entries(result)
    .filter(([name]) => name.startsWith('floor: '))
    .map(([name, s]) => ({
      floor: name.slice('floor: '.length),
      median: fmtMs(s.median),
      range: range(s),
      ratio: `${(s.median / node).toFixed(2)}×`,
    }));
  return [
    {
      title: `Platform floors (not backup-alert; ratio to ${NODE} of the same group, ${fmtMs(node)})`,
      columns: [
        ['floor', 'floor'],
        ['median', 'median'],
        ['range', 'min–max'],
        ['ratio', 'ratio'],
      ],
      rows,
    },
  ];
}

export const startup = {
  id: 'startup',
  title: 'start-up: run, --version, status vs node -e 0',
  run,
  targets,
  tables,
};
