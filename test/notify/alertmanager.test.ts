import { describe, expect, it } from 'vitest';
import { alertmanagerBody } from '../../src/alert/alertmanager-alert.js';
import { envAlertmanager } from '../../src/alert/routing.js';
import { deliverAll } from '../../src/notify/fanout.js';
import { sampleAlert } from '../helpers/alert.js';
import { notifyFixture, scriptedServer } from '../helpers/http.js';

/** The channel's delivery: every member of an HA pair, auth, and nothing secret in errors. */

async function fixture(env: Record<string, string>) {
  const fx = notifyFixture(env);
  const [notifier] = envAlertmanager(fx);
  return { ...fx, notifier: notifier! };
}

describe('alertmanager channel delivery', () => {
  it('posts the policy body to /api/v2/alerts of every member, with the bearer token', async () => {
    const a = await scriptedServer([{ status: 200 }]);
    const b = await scriptedServer([{ status: 200 }]);
    const base = (url: string) => new URL(url).origin;
    const fx = await fixture({
      BACKUP_ALERT_ALERTMANAGER_URL: `${base(a.url)}, ${base(b.url)}/`,
      BACKUP_ALERT_ALERTMANAGER_TOKEN: 'bearer-s3cret-xyz',
    });
    const [result] = await deliverAll([fx.notifier], sampleAlert(), fx, 5000);
    expect(result!.status).toBe('sent');
    for (const server of [a, b]) {
      expect(server.requests).toHaveLength(1);
      expect(server.requests[0]!.path).toBe('/api/v2/alerts');
      expect(server.requests[0]!.headers.authorization).toBe('Bearer bearer-s3cret-xyz');
      expect(server.json()).toEqual(alertmanagerBody(sampleAlert(), fx.config, fx.now()).alerts);
    }
  });

  it('is delivered when one member accepts, pending when none does; errors never hold the password', async () => {
    const up = await scriptedServer([{ status: 200 }]);
    const down = await scriptedServer([{ status: 503 }]);
    const both = `${new URL(up.url).origin},${new URL(down.url).origin}`;
    const env = {
      BACKUP_ALERT_ALERTMANAGER_USER: 'backup',
      BACKUP_ALERT_ALERTMANAGER_PASSWORD: 'pa55-s3cret-word',
    };
    const one = await fixture({ ...env, BACKUP_ALERT_ALERTMANAGER_URL: both });
    expect((await deliverAll([one.notifier], sampleAlert(), one, 5000))[0]!.status).toBe('sent');
    expect(up.requests[0]!.headers.authorization).toBe(
      `Basic ${Buffer.from('backup:pa55-s3cret-word').toString('base64')}`,
    );

    const none = await fixture({
      ...env,
      BACKUP_ALERT_ALERTMANAGER_URL: `http://backup:pa55-s3cret-word@${new URL(down.url).host}`,
    });
    const [failed] = await deliverAll([none.notifier], sampleAlert(), none, 5000);
    expect(failed!.status).toBe('pending');
    expect(failed!.error).toContain('HTTP 503');
    const everything = JSON.stringify(failed) + none.log.join('\n');
    expect(everything).not.toContain('pa55-s3cret-word');
    expect(everything).not.toContain(Buffer.from('backup:pa55-s3cret-word').toString('base64'));
  });

  it('a recovery ends both severities of both alertnames at the close', () => {
    const fx = notifyFixture({ BACKUP_ALERT_ALERTMANAGER_URL: 'http://127.0.0.1:9' });
    const closedAt = '2026-01-02T04:00:00.000Z';
    const alert = {
      ...sampleAlert(),
      kind: 'recovery' as const,
      incident: {
        id: 1,
        cause: 'failure' as const,
        openedAt: '2026-01-02T03:04:05.678Z',
        failedRuns: 1,
        closedAt,
      },
    };
    const body = alertmanagerBody(alert, fx.config, fx.now());
    expect(body.alerts.map((a) => `${a.labels['alertname']}/${a.labels['severity']}@${a.endsAt}`)).toEqual([
      `BackupFailed/error@${closedAt}`,
      `BackupFailed/critical@${closedAt}`,
      `BackupMissing/error@${closedAt}`,
      `BackupMissing/critical@${closedAt}`,
    ]);
  });
});
