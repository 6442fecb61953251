// Start-up cost: the success path, --version and status --json against bare Node.
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { interleave } from './measure.js';

const FLOOR_RUN = fileURLToPath(new URL('../floor-run.cjs', import.meta.url));
const FLOOR_VERSION = fileURLToPath(new URL('../floor-version.js', import.meta.url));
const SQLITE = createRequire(import.meta.url).resolve('better-sqlite3');

const exitOk = (r) => (r.code === 0 ? undefined : `exit ${r.code}`);
// status exits 1 when a type is unhealthy; both are normal answers here.
const statusOk = (r) => (r.code === 0 || r.code === 1 ? undefined : `exit ${r.code}`);

export async function benchStartup(b) {
  const db = b.dbPath('startup');
  const runArgs = ['run', '--type', 'daily', '--script', b.scripts['ok.sh'], '--db', db];
  // One run first, so status has a database with a success in it to report.
  const first = await b.cli(runArgs);
  if (first.code !== 0) throw new Error(`run of a no-op script failed:\n${first.stderr}`);
  const floorDir = join(b.tmp, 'floor');
  mkdirSync(floorDir, { recursive: true });
  const floorArgs = [FLOOR_RUN, join(floorDir, 'floor.db'), b.scripts['ok.sh']];
  const runs = b.full ? 31 : 15;
  const result = await interleave(
    [
      { name: 'node -e 0', run: () => b.node(['-e', '0']), check: exitOk },
      { name: 'backup-alert --version', run: () => b.cli(['--version']), check: exitOk },
      {
        name: 'backup-alert status --json',
        run: () => b.cli(['status', '--json', '--db', db]),
        check: statusOk,
      },
      { name: 'backup-alert run (no-op, success)', run: () => b.cli(runArgs), check: exitOk },
      // Not targets: what the platform costs, for reading the ratios above.
      { name: 'floor: ESM file that prints a version', run: () => b.node([FLOOR_VERSION]), check: exitOk },
      {
        name: 'floor: better-sqlite3 open + one read',
        run: () =>
          b.node([
            '-e',
            `new (require(${JSON.stringify(SQLITE)}))(${JSON.stringify(db)}).prepare('SELECT count(*) FROM backup_logs').get()`,
          ]),
        check: exitOk,
      },
      {
        name: 'floor: SQLite insert + spawn + update (floor-run.cjs)',
        run: () => b.node(floorArgs),
        check: exitOk,
      },
    ],
    { runs, warmup: 2 },
  );
  return { db, result };
}
