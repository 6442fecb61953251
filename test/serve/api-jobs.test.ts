import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBackupQuery, parseStatusQuery } from '../../src/serve/query.js';
import { SqliteReadModel } from '../../src/store/read-model.js';
import { Store } from '../../src/store/store.js';
import { tempDir } from '../helpers/tmp.js';

// Issue 21: the API's `job=` filter, and `job` in every item (local store).

describe('API by job', () => {
  it('job= filters the backups and the status facts; every item carries its job', async () => {
    const store = Store.open(join(tempDir(), 'api.db'));
    try {
      const at = (minute: number) => new Date(Date.parse('2026-03-10T03:00:00.000Z') + minute * 60_000);
      for (const [minute, job] of [
        [0, 'pg'],
        [1, 'files'],
        [2, 'pg'],
        [3, 'daily'],
      ] as const) {
        store.runs.insert(
          {
            job,
            type: 'daily',
            startedAt: at(minute).toISOString(),
            script: '/x.sh',
            host: 'db1',
            pid: 1,
            logPathTemplate: null,
          },
          at(minute),
        );
      }
      const model = new SqliteReadModel(store);
      const pg = await model.backups(parseBackupQuery(new URLSearchParams('job=pg')));
      expect(pg.total).toBe(2);
      expect(pg.items.map((item) => item.job)).toEqual(['pg', 'pg']);
      const all = await model.backups(parseBackupQuery(new URLSearchParams('')));
      expect(all.items.map((item) => item.job)).toEqual(['daily', 'pg', 'files', 'pg']);
      const facts = await model.statusFacts(parseStatusQuery(new URLSearchParams('job=files')));
      expect(facts.map((f) => [f.host, f.job, f.type])).toEqual([['db1', 'files', 'daily']]);
      // Rows are host × job: three jobs of one type are three rows.
      expect((await model.statusFacts()).map((f) => f.job)).toEqual(['daily', 'files', 'pg']);
      expect(() => parseBackupQuery(new URLSearchParams('job=Bad Job'))).toThrow(/job must be a job name/);
    } finally {
      store.close();
    }
  });
});
