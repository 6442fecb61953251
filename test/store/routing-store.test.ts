import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';
import { RUNBOOK_INSERT } from '../helpers/routing.js';
import { tempDir } from '../helpers/tmp.js';

function dbPath(): string {
  const path = join(tempDir(), 'state', 'backup-alert.db');
  Store.open(path).close();
  return path;
}

describe('routing tables', () => {
  it('the runbook §8.1.3 INSERT runs as written (sqlite3-style SQL on the file)', () => {
    const path = dbPath();
    const db = new Database(path);
    db.exec(RUNBOOK_INSERT);
    const row = db.prepare('SELECT * FROM notification_channels').get() as Record<string, unknown>;
    db.close();
    expect(row).toMatchObject({
      channel_name: 'backup-alerts-slack',
      channel_type: 'slack',
      webhook_url: 'https://hooks.slack.com/services/T00000000/B00000000/XXXX',
      is_active: 1,
      notification_types: 'backup_failure',
      backup_types: null,
    });
    expect(row['created_at']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const store = Store.open(path);
    expect(store.channels.list().map((c) => c.channel_name)).toEqual(['backup-alerts-slack']);
    store.close();
  });

  it('a channel name is unique: the INSERT run twice is refused by the database', () => {
    const db = new Database(dbPath());
    db.exec(RUNBOOK_INSERT);
    expect(() => db.exec(RUNBOOK_INSERT)).toThrow(/UNIQUE/);
    db.close();
  });

  it('one open incident per host × type, even for a writer that bypasses the store', () => {
    const path = dbPath();
    const store = Store.open(path);
    const first = store.incidents.recordFailure('h1', 'daily', 'BKP-1', '2026-01-01T00:00:00.000Z');
    const second = store.incidents.recordFailure('h1', 'daily', 'BKP-2', '2026-01-02T00:00:00.000Z');
    expect(first.opened).toBe(true);
    expect(second).toMatchObject({ opened: false, incident: { id: first.incident.id, failed_runs: 2 } });
    expect(store.incidents.recordFailure('h2', 'daily', 'BKP-3', '2026-01-02T00:00:00.000Z').opened).toBe(
      true,
    );
    const raw = new Database(path);
    expect(() =>
      raw
        .prepare(
          "INSERT INTO incidents (host, type, cause, opened_at) VALUES ('h1', 'daily', 'missing', 'x')",
        )
        .run(),
    ).toThrow(/UNIQUE/);
    raw.close();
    // Closed, a new one may open.
    store.incidents.close('h1', 'daily', 'BKP-4', '2026-01-03T00:00:00.000Z');
    expect(store.incidents.recordMissing('h1', 'daily', '2026-01-05T00:00:00.000Z').opened).toBe(true);
    store.close();
  });

  it('a reminder and a missing alert are claimed by exactly one of two processes', () => {
    const path = dbPath();
    const a = Store.open(path);
    const b = Store.open(path);
    const { incident } = a.incidents.recordMissing('h', 'daily', '2026-01-01T00:00:00.000Z');
    // Both saw the same state; only one claim may win.
    const seenByA = a.incidents.get(incident.id)!;
    const seenByB = b.incidents.get(incident.id)!;
    expect(a.incidents.claimMissingAlert(seenByA.id, '2026-01-01T01:00:00.000Z')).toBe(true);
    expect(b.incidents.claimMissingAlert(seenByB.id, '2026-01-01T01:00:00.000Z')).toBe(false);
    expect(b.incidents.claimReminder(seenByB.id, seenByB.reminders_sent, '2026-01-01T05:00:00.000Z')).toBe(
      true,
    );
    expect(a.incidents.claimReminder(seenByA.id, seenByA.reminders_sent, '2026-01-01T05:00:00.000Z')).toBe(
      false,
    );
    expect(a.incidents.get(incident.id)).toMatchObject({ reminders_sent: 1 });
    a.close();
    b.close();
  });

  it('silences: in force until their end, then over by themselves; removed ones too', () => {
    const store = Store.open(dbPath());
    const id = store.silences.add({
      type: 'daily',
      reason: 'maintenance',
      createdBy: 'ops',
      createdAt: '2026-01-01T00:00:00.000Z',
      endsAt: '2026-01-01T04:00:00.000Z',
    });
    expect(store.silences.active('2026-01-01T03:59:59.999Z', 'daily').map((s) => s.id)).toEqual([id]);
    expect(store.silences.active('2026-01-01T03:59:59.999Z', 'weekly')).toEqual([]);
    expect(store.silences.active('2026-01-01T04:00:00.000Z', 'daily')).toEqual([]);
    store.silences.hold(id);
    expect(store.silences.unreported('daily', '2026-01-01T03:00:00.000Z')).toEqual([]);
    expect(store.silences.unreported('daily', '2026-01-01T05:00:00.000Z')).toMatchObject([
      { id, held_count: 1 },
    ]);
    expect(store.silences.remove(id, 'ops', '2026-01-01T05:00:00.000Z')).toBe(false);
    store.close();
  });
});
