import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import {
  backlogSize,
  instanceId,
  markAcknowledged,
  OUTBOX_TABLES,
  unsentBatch,
} from '../../src/store/outbox.js';
import { migrate, SCHEMA_VERSION, versionBefore } from '../../src/store/schema.js';
import { Store } from '../../src/store/store.js';
import { tempDir } from '../helpers/tmp.js';

function openTemp(): Store {
  const store = Store.open(join(tempDir(), 'backup-alert.db'));
  return store;
}

function addRun(store: Store, iso = '2026-03-04T05:06:07.890Z'): string {
  const { backupId } = store.runs.insert(
    { type: 'daily', startedAt: iso, script: '/bin/true', host: 'db1', pid: 1, logPathTemplate: null },
    new Date(iso),
  );
  return backupId;
}

function finish(store: Store, backupId: string, iso = '2026-03-04T05:06:07.890Z'): void {
  store.runs.finish({
    backupId,
    type: 'daily',
    job: 'daily',
    host: 'db1',
    script: '/bin/true',
    logPath: null,
    status: 'success',
    startedAt: iso,
    finishedAt: '2026-03-04T05:07:00.000Z',
    durationMs: 52_110,
    exitCode: 0,
    signal: null,
    errorMessage: null,
    outputTail: '',
    artifactPath: null,
    artifactBytes: null,
  });
}

describe('outbox', () => {
  it('a new row is unsent at revision 1; every update bumps the revision', () => {
    const store = openTemp();
    try {
      const id = addRun(store);
      const [item] = unsentBatch(store.db, 'backup_logs', 10);
      expect(item).toMatchObject({ revision: 1, row: { backup_id: id, status: 'running' } });
      finish(store, id);
      expect(unsentBatch(store.db, 'backup_logs', 10)[0]).toMatchObject({
        revision: 2,
        row: { status: 'success' },
      });
    } finally {
      store.close();
    }
  });

  it('acknowledging the shipped revision empties the backlog; a later update puts the row back', () => {
    const store = openTemp();
    try {
      const nid = store.notifications.insert({
        notificationType: 'backup_failure',
        channel: 'email',
        recipient: 'ops@example.com',
        subject: 's',
        status: 'pending',
        errorMessage: 'timeout',
        sentAt: '2026-03-04T05:07:00.000Z',
        attempts: 1,
        payload: null,
        backupId: null,
      });
      const batch = unsentBatch(store.db, 'notification_logs', 10);
      expect(markAcknowledged(store.db, 'notification_logs', batch)).toBe(1);
      expect(backlogSize(store.db).byTable.notification_logs).toBe(0);
      // retry claims the row: its new state must reach the centre too.
      expect(
        store.notifications.claim(nid, {
          token: 'retry-1',
          now: '2026-03-04T05:08:00.000Z',
          leaseUntil: '2026-03-04T05:09:00.000Z',
          from: 'pending',
          countRound: true,
        }),
      ).toBe(true);
      expect(unsentBatch(store.db, 'notification_logs', 10)).toMatchObject([{ id: nid, revision: 2 }]);
    } finally {
      store.close();
    }
  });

  it('a row updated while it was being shipped stays unsent (the ack names the older revision)', () => {
    const store = openTemp();
    try {
      const id = addRun(store);
      const shipped = unsentBatch(store.db, 'backup_logs', 10);
      finish(store, id); // revision 2 written while revision 1 was on its way
      markAcknowledged(store.db, 'backup_logs', shipped);
      expect(unsentBatch(store.db, 'backup_logs', 10)).toMatchObject([{ revision: 2 }]);
      // An old ack arriving late never lowers what was acknowledged.
      markAcknowledged(store.db, 'backup_logs', [{ id: shipped[0]!.id, revision: 2 }]);
      markAcknowledged(store.db, 'backup_logs', shipped);
      expect(store.db.prepare('SELECT acked_revision FROM backup_logs').pluck().get()).toBe(2);
      expect(backlogSize(store.db).total).toBe(0);
    } finally {
      store.close();
    }
  });

  it('pages by id and counts every table', () => {
    const store = openTemp();
    try {
      for (let i = 0; i < 5; i++) addRun(store, `2026-03-0${i + 1}T05:06:07.890Z`);
      store.audit.write({
        operation: 'run',
        backupId: null,
        username: 'root',
        host: 'db1',
        status: 'success',
        details: { a: 1 },
        createdAt: '2026-03-04T05:06:07.890Z',
      });
      const first = unsentBatch(store.db, 'backup_logs', 2);
      const next = unsentBatch(store.db, 'backup_logs', 2, first[1]!.id);
      expect(next.map((item) => item.id)).toEqual([first[1]!.id + 1, first[1]!.id + 2]);
      expect(backlogSize(store.db)).toEqual({
        total: 6,
        byTable: { backup_logs: 5, notification_logs: 0, backup_audit_logs: 1 },
      });
    } finally {
      store.close();
    }
  });

  it('finds the backlog through the partial indexes, never by scanning the tables', () => {
    const store = openTemp();
    try {
      for (const table of OUTBOX_TABLES) {
        const plans = [
          `SELECT * FROM ${table} WHERE revision > acked_revision AND id > 0 ORDER BY id LIMIT 10`,
          `SELECT count(*) FROM ${table} WHERE revision > acked_revision`,
        ].map((sql) =>
          (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>)
            .map((row) => row.detail)
            .join('; '),
        );
        for (const plan of plans) expect(plan).toContain(`${table}_unsent`);
      }
    } finally {
      store.close();
    }
  });

  it('rows written before the migration ship too', () => {
    // A database as the backup-alert before the outbox left it, with one finished run.
    const path = join(tempDir(), 'old.db');
    const old = new Database(path);
    migrate(old, versionBefore('acked_revision'));
    old
      .prepare(
        `INSERT INTO backup_logs (backup_id, type, status, started_at, finished_at)
         VALUES ('BKP-20260101-030000-daily', 'daily', 'success', '2026-01-01T03:00:00.000Z', '2026-01-01T03:01:00.000Z')`,
      )
      .run();
    old.close();
    const reopened = Store.open(path);
    try {
      expect(reopened.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(unsentBatch(reopened.db, 'backup_logs', 10)).toMatchObject([
        { revision: 1, row: { backup_id: 'BKP-20260101-030000-daily' } },
      ]);
    } finally {
      reopened.close();
    }
  });

  it('keeps one instance id for the life of the database', () => {
    const path = join(tempDir(), 'id.db');
    const store = Store.open(path);
    const first = instanceId(store.db);
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect(instanceId(store.db)).toBe(first);
    store.close();
    const again = Store.open(path);
    try {
      expect(instanceId(again.db, () => 'other')).toBe(first);
    } finally {
      again.close();
    }
  });
});
