// Databases the sections share: made by the CLI itself (one real run, so the
// schema, indexes and triggers are the real ones), then filled with runs.
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fillRuns, usedBytes } from './fixtures.js';

/** The history sizes of the row-scaling table; the last is "the big database". */
export const ROWS = { quick: [1_000, 100_000], full: [1_000, 10_000, 100_000, 1_000_000] };

export const bigRows = (b) => (b.full ? ROWS.full : ROWS.quick).at(-1);

/**
 * A database with `rows` runs under `<tmp>/<name>/`: one `run` of a no-op script,
 * then `rows - 1` more. `hosts` spreads them over that many hosts × 4 types.
 */
export async function createDb(b, name, rows, { hosts } = {}) {
  const db = b.dbPath(name);
  const first = await b.cli(['run', '--type', 'daily', '--script', b.scripts['ok.sh'], '--db', db]);
  if (first.code !== 0) throw new Error(`could not create ${db}:\n${first.stderr}`);
  const started = process.hrtime.bigint();
  if (rows > 1) {
    fillRuns(db, rows - 1, {
      script: b.scripts['ok.sh'],
      host: hostname(),
      hosts,
      logDir: join(dirname(db), 'runs'),
    });
  }
  const fillMs = Number(process.hrtime.bigint() - started) / 1e6;
  return { name, db, fillMs, ...usedBytes(db) };
}

/**
 * The history of `bigRows` runs (1 M in full mode) that `history` is timed on and
 * that the success-path features (metrics file, ping, --artifact) run against.
 * Made once per bench run, by whichever section needs it first.
 */
export function bigDb(b) {
  return b.once('big-db', () => createDb(b, `history-${bigRows(b)}`, bigRows(b)));
}
