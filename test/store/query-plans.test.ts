import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKUP_TYPES } from '../../src/shared/run-result.js';
import { Store } from '../../src/store/store.js';
import { runMain } from '../helpers/cli.js';
import { scriptedServer } from '../helpers/http.js';
import { tempDir, writeScript } from '../helpers/tmp.js';

// Issue 15: no path that run, status, history, metrics or watch take reads the whole of
// backup_logs or notification_logs. Every statement those commands execute is recorded
// (better-sqlite3's Statement methods, patched for the test) and explained against a
// history with realistic statistics.

interface Executed {
  sql: string;
  args: unknown[];
}

const executed: Executed[] = [];
const statement = Object.getPrototypeOf(new Database(':memory:').prepare('SELECT 1')) as Record<
  string,
  (...args: unknown[]) => unknown
>;
const originals = new Map<string, (...args: unknown[]) => unknown>();

beforeAll(() => {
  for (const method of ['run', 'get', 'all', 'iterate']) {
    const original = statement[method]!;
    originals.set(method, original);
    statement[method] = function (this: { source: string }, ...args: unknown[]) {
      executed.push({ sql: this.source, args });
      return original.apply(this, args);
    };
  }
});
afterAll(() => {
  for (const [method, original] of originals) statement[method] = original;
});

/** A year of history for four types and a few hosts, and the statistics ANALYZE keeps. */
function seed(path: string): void {
  const store = Store.open(path);
  const insert = store.db.prepare(
    `INSERT INTO backup_logs (backup_id, type, status, started_at, finished_at, duration_ms, exit_code, host, pid)
     VALUES (?, ?, ?, ?, ?, 1000, ?, ?, 1)`,
  );
  const notify = store.db.prepare(
    `INSERT INTO notification_logs (notification_type, channel, subject, status, attempts, backup_id, created_at)
     VALUES ('backup_failure', 'webhook', 's', ?, 1, ?, ?)`,
  );
  store.db.transaction(() => {
    const start = Date.parse('2025-01-01T03:00:00.000Z');
    for (let day = 0; day < 365; day++) {
      for (const [index, type] of BACKUP_TYPES.entries()) {
        for (const host of ['db1', 'db2', 'web1']) {
          const at = new Date(start + day * 86_400_000 + index * 60_000).toISOString();
          const failed = (day + index) % 17 === 0;
          const id = `BKP-${day}-${type}-${host}`;
          insert.run(id, type, failed ? 'failure' : 'success', at, at, failed ? 1 : 0, host);
          if (failed) notify.run('sent', id, at);
        }
      }
    }
  })();
  store.db.exec('ANALYZE');
  store.close();
}

/**
 * The plan lines that read a whole table, or sort what they read. A scan in index order is
 * a full read too unless a LIMIT stops it (`SELECT COUNT(*)` walks a whole index: 16,000
 * page reads at 1 M runs, 40 ms on every `history` until issue 15 found it).
 */
function fullReads(db: Database.Database, { sql, args }: Executed): string[] {
  const plan = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...(args as never[])) as Array<{ detail: string }>;
  const limited = /\bLIMIT\b/i.test(sql);
  return plan
    .map((row) => row.detail)
    .filter(
      (detail) =>
        /^SCAN (backup_logs|notification_logs)( AS \w+)?$/.test(detail) ||
        (!limited && /^SCAN (backup_logs|notification_logs)( AS \w+)? USING /.test(detail)) ||
        (/TEMP B-TREE/.test(detail) && /backup_logs|notification_logs/.test(sql)),
    );
}

describe('query plans of the everyday commands (EXPLAIN QUERY PLAN)', () => {
  it('run, status, history, metrics and watch never scan backup_logs or notification_logs', async () => {
    const dir = tempDir();
    const db = join(dir, 'state', 'backup-alert.db');
    seed(db);
    const webhook = await scriptedServer([{ status: 500 }, { status: 200 }]);
    const ok = writeScript(dir, 'ok.sh', 'echo ok');
    const fail = writeScript(dir, 'fail.sh', 'echo broken >&2; exit 2');
    const env = {
      BACKUP_ALERT_WEBHOOK_URL: webhook.url,
      BACKUP_ALERT_NOTIFY_TIMEOUT: '2s',
      BACKUP_ALERT_NOTIFY_RECOVERY: 'true',
      BACKUP_ALERT_REPEAT_INTERVAL: '1h',
      BACKUP_ALERT_METRICS_FILE: join(dir, 'backup-alert.prom'),
      BACKUP_ALERT_EXPECT: 'daily=26h,weekly=8d',
    };
    const commands = [
      ['run', '--type', 'daily', '--script', fail],
      ['run', '--type', 'daily', '--script', ok],
      ['status', '--json'],
      ['status', '--type', 'daily', '--nagios'],
      ['status', '--max-age', '26h'],
      ['history'],
      ['history', '--limit', '20', '--json'],
      ['history', '--status', 'failure', '--limit', '10'],
      ['history', '--type', 'weekly'],
      ['metrics'],
      ['watch'],
    ];
    const problems: string[] = [];
    for (const command of commands) {
      executed.length = 0;
      await runMain([...command, '--db', db], { env });
      const reader = new Database(db, { readonly: true });
      try {
        const statements = [...new Map(executed.map((e) => [e.sql, e])).values()].filter(
          (e) =>
            /\b(backup_logs|notification_logs)\b/.test(e.sql) && !/^\s*(INSERT|CREATE|PRAGMA)/i.test(e.sql),
        );
        expect(statements.length, command.join(' ')).toBeGreaterThan(0);
        for (const e of statements) {
          for (const line of fullReads(reader, e)) {
            problems.push(`${command[0]}: ${line} :: ${e.sql.replace(/\s+/g, ' ')}`);
          }
        }
      } finally {
        reader.close();
      }
    }
    expect([...new Set(problems)]).toEqual([]);
  }, 60_000);
});
