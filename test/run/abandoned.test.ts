import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';
import { runMain } from '../helpers/cli.js';
import { readRuns } from '../helpers/db.js';
import { tempDir, writeScript } from '../helpers/tmp.js';

describe('run: reaping abandoned runs', () => {
  it("marks this host's dead wrapper's row abandoned and leaves another host's row alone, even with the same PID", async () => {
    const dir = tempDir();
    const db = join(dir, 'x.db');
    const dead = spawnSync('true');
    expect(dead.status).toBe(0);
    const store = Store.open(db);
    const seed = (host: string) =>
      store.runs.insert(
        {
          type: 'weekly',
          startedAt: new Date(Date.now() - 3_600_000).toISOString(),
          script: '/opt/backup.sh',
          host,
          pid: dead.pid,
          logPathTemplate: null,
        },
        new Date(Date.now() - 3_600_000),
      ).backupId;
    // A database shared by two hosts (an NFS mount): the other host's PID means nothing here.
    const theirs = seed('other-host');
    const ours = seed('test-host');
    store.close();
    const script = writeScript(dir, 'ok.sh', 'exit 0');
    const result = await runMain(['run', '--type', 'daily', '--script', script, '--db', db]);
    expect(result.exitCode).toBe(0);
    const status = Object.fromEntries(readRuns(db).map((row) => [row.backup_id, row.status]));
    expect(status[ours]).toBe('abandoned');
    expect(status[theirs]).toBe('running');
  });
});
