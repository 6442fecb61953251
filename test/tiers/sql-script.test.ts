import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PgCluster, startPostgres } from '../helpers/postgres.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * The npm tier's psql-subset runner (PgCluster.runSqlFile): what psql does with the parts of a
 * script our examples use. The interop tier checks it against psql itself on the real files.
 */
let cluster: PgCluster;
beforeAll(async () => {
  cluster = await startPostgres();
  await cluster.createDatabase('scripts');
}, 120_000);
afterAll(async () => {
  await cluster?.destroy();
});

function script(text: string): string {
  const file = join(tempDir(), 'script.sql');
  writeFileSync(file, text);
  return file;
}

describe('runSqlFile (psql without psql)', () => {
  it('interpolates :\'literal\', :"identifier" and :plain outside quotes and comments, leaves :: casts', async () => {
    const file = script(`\\set ON_ERROR_STOP on
-- a comment with a ; and :'name' in it
CREATE TABLE :"table" (label text, n int);
INSERT INTO :"table" VALUES (:'name', :count::int), (':''name''; kept', 2);
`);
    await cluster.runSqlFile('scripts', file, { table: 'we"ird', name: "o'brien; DROP", count: '41' });
    const rows = await cluster.query('SELECT label, n FROM "we""ird" ORDER BY n', [], 'scripts');
    expect(rows).toEqual([
      { label: ":'name'; kept", n: 2 },
      { label: "o'brien; DROP", n: 41 },
    ]);
  });

  it('runs each statement on its own (CREATE DATABASE), and \\connect switches database', async () => {
    const file = script(`CREATE DATABASE second_db;
\\connect second_db
CREATE TABLE here (x int);
`);
    await cluster.runSqlFile('scripts', file);
    expect(await cluster.query("SELECT to_regclass('here') AS t", [], 'second_db')).toEqual([{ t: 'here' }]);
  });

  it('stops at the first error (ON_ERROR_STOP)', async () => {
    const file = script(
      'CREATE TABLE first_one (x int);\nSELECT no_such_column FROM first_one;\nCREATE TABLE never (x int);\n',
    );
    await expect(cluster.runSqlFile('scripts', file)).rejects.toThrow(/no_such_column/);
    expect(await cluster.query("SELECT to_regclass('never') AS t", [], 'scripts')).toEqual([{ t: null }]);
  });

  it('refuses what it does not understand instead of skipping it', async () => {
    await expect(cluster.runSqlFile('scripts', script('\\copy t FROM stdin\n'))).rejects.toThrow(
      /psql's \\copy is not supported/,
    );
    await expect(cluster.runSqlFile('scripts', script('DO $$ BEGIN END $$;\n'))).rejects.toThrow(
      /dollar quoting/,
    );
    await expect(cluster.runSqlFile('scripts', script('SELECT 1'))).rejects.toThrow(
      /ends inside a statement/,
    );
  });
});
