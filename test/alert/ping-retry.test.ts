import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMain } from '../helpers/cli.js';
import { scriptedServer } from '../helpers/http.js';
import { startSilentServer } from '../helpers/net.js';
import { sql } from '../helpers/routing.js';
import { tempDir, writeScript } from '../helpers/tmp.js';

describe('retry of heartbeat pings', () => {
  it('a ping superseded by a newer one is no lost alert: retry exits 0 and no failed ping is counted', async () => {
    const silent = await startSilentServer();
    const dir = tempDir();
    const db = join(dir, 'x.db');
    const script = writeScript(dir, 'ok.sh', 'exit 0');
    const hung = {
      BACKUP_ALERT_PING_URL: `http://127.0.0.1:${silent.port}/ping/abc`,
      BACKUP_ALERT_NOTIFY_TIMEOUT: '1s',
    };
    for (let i = 0; i < 2; i++) {
      const run = await runMain(['run', '--type', 'daily', '--script', script, '--db', db], { env: hung });
      expect(run.exitCode).toBe(0);
    }
    expect(
      sql(db, "SELECT count(*) AS n FROM notification_logs WHERE channel = 'ping' AND status = 'pending'"),
    ).toEqual([{ n: 2 }]);
    const server = await scriptedServer([{ status: 200, body: 'OK' }]);
    const retry = await runMain(['retry', '--silent', '--db', db], {
      env: { BACKUP_ALERT_PING_URL: `${server.url}ping/abc`, BACKUP_ALERT_NOTIFY_TIMEOUT: '5s' },
    });
    expect(retry.exitCode).toBe(0);
    expect(server.requests).toHaveLength(1);
    expect(
      sql(
        db,
        "SELECT status, count(*) AS n FROM notification_logs WHERE channel = 'ping' GROUP BY status ORDER BY status",
      ),
    ).toEqual([
      { status: 'failed', n: 1 },
      { status: 'sent', n: 1 },
    ]);
    // What notifications_total{channel="ping",status="failed"} (BackupAlertsLost) is made of.
    expect(
      sql(db, "SELECT notifications FROM metrics_notifications WHERE channel = 'ping' AND status = 'failed'"),
    ).toEqual([]);
  });
});
