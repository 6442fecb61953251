import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, runMain } from '../helpers/cli.js';
import { readNotifications } from '../helpers/db.js';
import { samples } from '../helpers/exposition-samples.js';
import { startHealthchecks } from '../helpers/healthchecks.js';
import { closedPort } from '../helpers/net.js';
import { tempDir, writeScript } from '../helpers/tmp.js';

describe('run: metrics and heartbeat around the backup', () => {
  it('rewrites the metrics file after a success and after a failure', async () => {
    const dir = tempDir();
    const db = join(dir, 'x.db');
    const file = join(dir, 'backup-alert.prom');
    const ok = writeScript(dir, 'ok.sh', 'echo ok');
    const fail = writeScript(dir, 'fail.sh', 'exit 5');
    const env = { BACKUP_ALERT_METRICS_FILE: file };
    expect((await runMain(['run', '--type', 'daily', '--script', ok, '--db', db], { env })).exitCode).toBe(0);
    expect(samples(readFileSync(file, 'utf8'), 'backup_alert_last_run_success')).toEqual([
      { labels: { backup_job: 'daily', type: 'daily' }, value: 1 },
    ]);
    expect((await runMain(['run', '--type', 'daily', '--script', fail, '--db', db], { env })).exitCode).toBe(
      5,
    );
    const text = readFileSync(file, 'utf8');
    expect(samples(text, 'backup_alert_last_run_exit_code')).toEqual([
      { labels: { backup_job: 'daily', type: 'daily' }, value: 5 },
    ]);
    expect(samples(text, 'backup_alert_consecutive_failures')).toEqual([
      { labels: { backup_job: 'daily', type: 'daily' }, value: 1 },
    ]);
  });

  it('pings /start and /<exit code> with one rid (spawned as cron would), recorded as channel ping', async () => {
    const hc = await startHealthchecks();
    const dir = tempDir();
    const db = join(dir, 'x.db');
    const fail = writeScript(dir, 'fail.sh', 'echo "disk full" >&2; exit 3');
    const result = await runCli(['run', '--type', 'daily', '--script', fail, '--db', db], {
      env: { BACKUP_ALERT_PING_URL: `${hc.base}/ping/${hc.uuid}` },
    });
    expect(result.exitCode).toBe(3);
    expect(hc.pings.map((ping) => ping.action)).toEqual(['/start', '/3']);
    const rids = new Set(hc.pings.map((ping) => ping.query.get('rid')));
    expect(rids.size).toBe(1);
    expect(hc.pings[1]!.body).toContain('disk full');
    expect(readNotifications(db).find((row) => row.channel === 'ping')).toMatchObject({ status: 'sent' });
    expect(result.stderr + JSON.stringify(readNotifications(db))).not.toContain(hc.uuid);
  });

  it('a ping service that is down is one [WARN]; the exit code and the record are untouched', async () => {
    const dir = tempDir();
    const db = join(dir, 'x.db');
    const ok = writeScript(dir, 'ok.sh', 'echo ok');
    const url = `http://127.0.0.1:${await closedPort()}/ping/secret-uuid-123`;
    const result = await runMain(['run', '--type', 'daily', '--script', ok, '--db', db], {
      env: { BACKUP_ALERT_PING_URL: url, BACKUP_ALERT_NOTIFY_TIMEOUT: '2s' },
    });
    expect(result.exitCode).toBe(0);
    expect(result.stderr.match(/\[WARN\]/g)).toHaveLength(1);
    expect(result.stderr).not.toContain('secret-uuid-123');
    expect(readNotifications(db).find((row) => row.channel === 'ping')).toMatchObject({ status: 'pending' });
  });
});
