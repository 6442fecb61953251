import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/store/schema.js';
import { Store } from '../../src/store/store.js';
import { ROOT, runCli } from '../helpers/cli.js';
import { readRuns } from '../helpers/db.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * Another process migrating the same new database: it takes the write lock, creates the
 * schema, says so, holds the transaction open for `holdMs`, then commits.
 */
function concurrentMigrator(path: string, holdMs: number) {
  const program = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1]);
    db.pragma('journal_mode = WAL');
    db.exec('BEGIN IMMEDIATE');
    for (const sql of JSON.parse(process.argv[2])) db.exec(sql);
    db.pragma('user_version = ' + JSON.parse(process.argv[2]).length);
    process.stdout.write('holding\\n');
    setTimeout(() => { db.exec('COMMIT'); db.close(); }, Number(process.argv[3]));
  `;
  return execa('node', ['-e', program, path, JSON.stringify(MIGRATIONS), String(holdMs)], {
    cwd: ROOT,
    reject: false,
  });
}

describe('the first open of a new database', () => {
  it('waits for a migration another process is committing instead of replaying it', async () => {
    const path = join(tempDir(), 'backup-alert.db');
    const other = concurrentMigrator(path, 400);
    await new Promise<void>((resolve) => {
      other.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('holding')) resolve();
      });
    });
    // Before the fix: user_version read as 0 outside the transaction, then
    // "table backup_logs already exists" once the other process committed.
    const store = Store.open(path);
    try {
      expect(store.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      store.runs.insert(
        {
          type: 'daily',
          startedAt: '2026-03-04T05:06:07.890Z',
          script: '/opt/backup/backup.sh',
          host: 'db1',
          pid: 1,
          logPathTemplate: null,
        },
        new Date('2026-03-04T05:06:07.890Z'),
      );
      expect(store.runs.count()).toBe(1);
    } finally {
      store.close();
    }
    expect((await other).exitCode).toBe(0);
  });

  it('30 runs started at once against a database that does not exist yet are all recorded', async () => {
    const db = join(tempDir(), 'state', 'backup-alert.db');
    const ok = join(ROOT, 'test', 'fixtures', 'ok.sh');
    // --no-lock: the runs overlap on purpose; the race is in creating the schema.
    const results = await Promise.all(
      Array.from({ length: 30 }, () =>
        runCli(['run', '--type', 'manual', '--no-lock', '--quiet', '--script', ok, '--db', db], {
          timeout: 120_000,
        }),
      ),
    );
    expect(results.filter((result) => result.exitCode !== 0 || result.stderr !== '')).toEqual([]);
    const rows = readRuns(db);
    expect(rows).toHaveLength(30);
    expect(rows.every((row) => row.status === 'success')).toBe(true);
  });
});
