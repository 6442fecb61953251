import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { BackupType, FinishedStatus } from '../../src/shared/run-result.js';
import { ARTIFACT_SIZES_SQL } from '../../src/store/runs.js';
import { migrate, SCHEMA_VERSION, versionBefore } from '../../src/store/schema.js';
import { Store } from '../../src/store/store.js';
import { tempDir } from '../helpers/tmp.js';

const T0 = Date.parse('2026-03-01T03:00:00.000Z');
const HOUR = 3_600_000;

function record(
  store: Store,
  hours: number,
  status: FinishedStatus,
  bytes: number | null,
  type: BackupType = 'daily',
): string {
  const started = new Date(T0 + hours * HOUR);
  const { backupId } = store.runs.insert(
    { type, startedAt: started.toISOString(), script: '/x.sh', host: 'h', pid: 1, logPathTemplate: null },
    started,
  );
  store.runs.finish({
    backupId,
    type,
    job: type,
    host: 'h',
    script: '/x.sh',
    logPath: null,
    status,
    startedAt: started.toISOString(),
    finishedAt: new Date(started.getTime() + 1000).toISOString(),
    durationMs: 1000,
    exitCode: status === 'success' ? 0 : 65,
    signal: null,
    errorMessage: status === 'success' ? null : 'Backup artifact missing: /x',
    outputTail: '',
    artifactPath: bytes === null ? null : `/backups/${hours}.dump`,
    artifactBytes: bytes,
  });
  return backupId;
}

describe('backup_logs artifact columns and the last sizes', () => {
  it('finish() writes artifact_path and artifact_bytes; the result reads them back', () => {
    const store = Store.open(join(tempDir(), 'db'));
    try {
      const id = record(store, 0, 'success', 123_456_789_012);
      expect(store.runs.get(id)).toMatchObject({
        artifact_path: '/backups/0.dump',
        artifact_bytes: 123_456_789_012,
      });
    } finally {
      store.close();
    }
  });

  it('the last sizes: successes with a size only, of that type, newest first, without the run itself', () => {
    const store = Store.open(join(tempDir(), 'db'));
    try {
      for (let hour = 0; hour < 10; hour++) record(store, hour, 'success', 1000 + hour);
      record(store, 10, 'failure', 5);
      record(store, 11, 'success', null);
      record(store, 12, 'success', 99, 'weekly');
      const current = record(store, 13, 'success', 7);
      expect(store.runs.recentArtifactSizes('daily', current, 7)).toEqual([
        1009, 1008, 1007, 1006, 1005, 1004, 1003,
      ]);
      expect(store.runs.recentArtifactSizes('weekly', current, 7)).toEqual([99]);
      expect(store.runs.recentArtifactSizes('monthly', current, 7)).toEqual([]);
    } finally {
      store.close();
    }
  });

  it('reads the partial index in order: no scan of backup_logs, no sort, at any history size', () => {
    const store = Store.open(join(tempDir(), 'db'));
    try {
      const plan = (
        store.db.prepare(`EXPLAIN QUERY PLAN ${ARTIFACT_SIZES_SQL}`).all('daily', 'x', 7) as Array<{
          detail: string;
        }>
      )
        .map((row) => row.detail)
        .join('\n');
      expect(plan).toMatch(/SEARCH backup_logs USING INDEX backup_logs_job_artifact_sizes \(job=\?\)/);
      expect(plan).not.toMatch(/SCAN|TEMP B-TREE/);
    } finally {
      store.close();
    }
  });

  it('a database from before the columns is migrated in place: old runs have no size', () => {
    const path = join(tempDir(), 'db');
    // A database as an older backup-alert left it: the schema before this migration, one run.
    const raw = new Database(path);
    migrate(raw, versionBefore('artifact_bytes'));
    raw.exec(`INSERT INTO backup_logs (backup_id, type, status, started_at, finished_at, host)
      VALUES ('BKP-OLD-daily', 'daily', 'success', '2020-01-01T00:00:00.000Z', '2020-01-01T00:01:00.000Z', 'h')`);
    raw.close();
    const id = 'BKP-OLD-daily';

    const again = Store.open(path);
    try {
      expect(again.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(again.runs.get(id)).toMatchObject({
        status: 'success',
        artifact_path: null,
        artifact_bytes: null,
      });
      record(again, 1, 'success', 10);
      expect(again.runs.recentArtifactSizes('daily', 'none', 7)).toEqual([10]);
    } finally {
      again.close();
    }
  });
});
