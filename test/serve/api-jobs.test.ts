import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { statusReport } from '../../src/serve/health.js';
import { dashboard } from '../../src/serve/page/dashboard.js';
import { MESSAGES } from '../../src/serve/page/i18n.js';
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
      // The dashboard: pg and files are rows of their own (host × job), under their type.
      const report = statusReport(await model.statusFacts(), { now: at(60), escalateAfter: 3 });
      const page = dashboard(
        { report, failures: [], undelivered: { total: 0, items: [] } },
        { messages: MESSAGES.en, langQuery: '' },
      ).toString();
      const rowHeads = [...page.matchAll(/<th scope="row">([^<]*)<\/th>/g)].map((m) => m[1]);
      expect(rowHeads.sort()).toEqual(['db1', 'db1 · files', 'db1 · pg']);
      expect(page).toContain('data-job="pg" data-type="daily"');
    } finally {
      store.close();
    }
  });
});
