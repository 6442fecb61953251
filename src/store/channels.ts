import type Database from 'better-sqlite3';
import type { ChannelRow, NewChannel } from './routing-rows.js';

/** notification_channels: the runbook §8.1.3 registry of extra channels. */
export class ChannelTable {
  constructor(private readonly db: Database.Database) {}

  /** Every row, as stored (validation is the caller's: a hand-made row may be broken). */
  list(): ChannelRow[] {
    return this.db.prepare('SELECT * FROM notification_channels ORDER BY id').all() as ChannelRow[];
  }

  get(name: string): ChannelRow | undefined {
    return this.db.prepare('SELECT * FROM notification_channels WHERE channel_name = ?').get(name) as
      | ChannelRow
      | undefined;
  }

  insert(channel: NewChannel): number {
    const result = this.db
      .prepare(
        `INSERT INTO notification_channels
           (channel_name, channel_type, webhook_url, is_active, notification_types, backup_types, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        channel.name,
        channel.type,
        channel.url,
        channel.active ? 1 : 0,
        channel.notificationTypes,
        channel.backupTypes,
        channel.createdAt,
      );
    return Number(result.lastInsertRowid);
  }

  /** true when a row was removed. */
  remove(name: string): boolean {
    return (
      this.db.prepare('DELETE FROM notification_channels WHERE channel_name = ?').run(name).changes === 1
    );
  }

  /** true when the row exists (whether or not it changed). */
  setActive(name: string, active: boolean): boolean {
    return (
      this.db
        .prepare('UPDATE notification_channels SET is_active = ? WHERE channel_name = ?')
        .run(active ? 1 : 0, name).changes === 1
    );
  }
}
