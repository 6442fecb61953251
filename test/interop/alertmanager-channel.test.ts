import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALERTMANAGER, activeAlerts, startAlertmanager, waitFor } from '../helpers/alertmanager.js';
import { runMain } from '../helpers/cli.js';
import { scriptedServer } from '../helpers/http.js';
import { closedPort } from '../helpers/net.js';
import { tempDir, writeScript } from '../helpers/tmp.js';

/**
 * The `alertmanager` channel against Debian's real Alertmanager 0.25: what a failure becomes
 * there, that `retry` keeps it alive, that a success ends it and nothing re-opens it after.
 */

interface WebhookMessage {
  status: string;
  alerts: Array<{ status: string; labels: Record<string, string> }>;
}

async function setUp() {
  expect(existsSync(ALERTMANAGER), 'sudo apt-get install prometheus-alertmanager').toBe(true);
  const dir = tempDir();
  const hook = await scriptedServer([{ status: 200 }]);
  const am = await startAlertmanager(dir, hook.url, { groupWait: '1s', groupInterval: '1s' });
  const down = await closedPort();
  const env = {
    NODE_ENV: 'test',
    BACKUP_ALERT_DB: join(dir, 'state.db'),
    // An HA pair whose second member is down: delivered as long as one accepts.
    BACKUP_ALERT_ALERTMANAGER_URL: `${am.url},http://127.0.0.1:${down}`,
    BACKUP_ALERT_ALERTMANAGER_TOKEN: 'am-bearer-s3cret-token',
    BACKUP_ALERT_TARGET: 'nfs1',
    BACKUP_ALERT_RUNBOOK_URL: 'https://wiki.example.com/OP-BKP-ALT-001',
    BACKUP_ALERT_ESCALATE_AFTER: '2',
    BACKUP_ALERT_NOTIFY_TIMEOUT: '5s',
    SYSTEM_URL: 'https://backup.example.com',
  };
  const fail = writeScript(
    dir,
    'fail.sh',
    'for i in $(seq 1 15); do echo "line $i"; done\necho "mount: nfs1:/backup: Connection timed out" >&2\nexit 32',
  );
  const ok = writeScript(dir, 'ok.sh', 'exit 0');
  const messages = () => hook.requests.map((request) => JSON.parse(request.body) as WebhookMessage);
  return { am, env, fail, ok, messages };
}

describe('alertmanager channel (real Alertmanager)', () => {
  it('a failure fires BackupFailed with its labels and annotations; retry keeps it alive; a success resolves it', async () => {
    const { am, env, fail, ok, messages } = await setUp();
    const first = await runMain(['run', '--type', 'daily', '--script', fail], { env });
    expect(first.exitCode).toBe(32);
    expect(first.stderr).toContain('Failure alert sent to Alertmanager');
    expect(first.stderr + first.stdout).not.toContain('am-bearer-s3cret-token');

    const [alert] = await waitFor(
      async () => {
        const alerts = await activeAlerts(am.url);
        return alerts.length > 0 ? alerts : undefined;
      },
      5000,
      'the alert at Alertmanager',
    );
    expect(alert!.labels).toEqual({
      alertname: 'BackupFailed',
      host: 'test-host',
      job: 'daily',
      type: 'daily',
      severity: 'error',
      target: 'nfs1',
    });
    const backupId = alert!.annotations['backup_id']!;
    expect(backupId).toMatch(/^BKP-\d{8}-\d{6}-daily$/);
    expect(alert!.annotations['summary']).toBe(`【緊急】バックアップ失敗: daily@test-host ${backupId}`);
    expect(alert!.annotations['runbook_url']).toBe('https://wiki.example.com/OP-BKP-ALT-001');
    const description = alert!.annotations['description']!;
    expect(description).toContain('Backup script failed with exit code 32');
    // The tail's last lines, not all of them.
    expect(description).toContain('line 15');
    expect(description).not.toMatch(/line 1\n/);
    expect(alert!.generatorURL).toBe(`https://backup.example.com/backups/${backupId}`);
    const firstEnd = Date.parse(alert!.endsAt);
    expect(firstEnd - Date.now()).toBeGreaterThan(50 * 60_000);

    // The webhook receiver (Alertmanager's notification) hears of it once.
    await waitFor(async () => (messages().length > 0 ? true : undefined), 10_000, 'a notification');
    expect(messages()[0]!.status).toBe('firing');

    // `retry` half an hour later re-sends the open incident: its end moves on.
    const later = new Date(Date.now() + 30 * 60_000);
    await runMain(['retry'], { env, now: () => later });
    const refreshed = await activeAlerts(am.url);
    expect(refreshed).toHaveLength(1);
    expect(Date.parse(refreshed[0]!.endsAt)).toBeGreaterThan(firstEnd + 20 * 60_000);

    const good = await runMain(['run', '--type', 'daily', '--script', ok], { env });
    expect(good.exitCode).toBe(0);
    await waitFor(
      async () => ((await activeAlerts(am.url)).length === 0 ? true : undefined),
      5000,
      '0 active',
    );
    await waitFor(
      async () => (messages().some((message) => message.status === 'resolved') ? true : undefined),
      10_000,
      'the resolved notification',
    );

    // Never after it closed: retry and watch re-send nothing.
    await runMain(['retry'], { env });
    await runMain(['watch', '--max-age', 'daily=26h'], { env });
    expect(await activeAlerts(am.url)).toHaveLength(0);
  });

  it('escalation raises the severity to critical and ends the error-level alert', async () => {
    const { am, env, fail } = await setUp();
    await runMain(['run', '--type', 'daily', '--script', fail], { env });
    await runMain(['run', '--type', 'daily', '--script', fail], { env });
    const alerts = await waitFor(
      async () => {
        const found = await activeAlerts(am.url);
        return found.length === 1 && found[0]!.labels['severity'] === 'critical' ? found : undefined;
      },
      5000,
      'only the critical alert',
    );
    expect(alerts[0]!.labels['alertname']).toBe('BackupFailed');
  });
});
