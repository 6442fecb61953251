import { createHmac, timingSafeEqual } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createWebhookNotifier, signBody, webhookPayload } from '../../src/notify/webhook.js';
import { sampleAlert } from '../helpers/alert.js';
import { notifyFixture, scriptedServer } from '../helpers/http.js';

const fixedNow = () => new Date('2026-01-02T03:05:00.000Z');

describe('webhook payload', () => {
  it('is a versioned, documented JSON object', () => {
    expect(
      webhookPayload(sampleAlert(), { lang: 'en', systemUrl: 'https://itsm.example.com' }, fixedNow()),
    ).toMatchInlineSnapshot(`
      {
        "artifactBytes": null,
        "artifactPath": null,
        "backupId": "BKP-20260102-030405-daily",
        "consecutiveFailures": 2,
        "durationMs": 12345,
        "error": "Backup script failed with exit code 3: pg_dump: error: connection refused",
        "escalate": false,
        "event": "backup_failure",
        "exitCode": 3,
        "host": "db1",
        "id": "BKP-20260102-030405-daily:backup_failure",
        "job": "daily",
        "late": false,
        "lateSince": null,
        "outputTail": "starting dump
      pg_dump: error: connection refused
      ",
        "sentAt": "2026-01-02T03:05:00.000Z",
        "signal": null,
        "size": null,
        "subject": "[URGENT] Backup failed: daily@db1 BKP-20260102-030405-daily",
        "suppressedCount": 0,
        "systemUrl": "https://itsm.example.com",
        "timestamp": "2026-01-02T03:04:05.678Z",
        "type": "daily",
        "version": 1,
      }
    `);
  });

  it('says when it is late', () => {
    const payload = webhookPayload(
      sampleAlert({ lateSince: '2026-01-02T03:04:06.000Z', resentAt: '2026-01-02T05:00:00.000Z' }),
      { lang: 'ja', systemUrl: undefined },
      fixedNow(),
    );
    expect(payload).toMatchObject({ late: true, lateSince: '2026-01-02T03:04:06.000Z', systemUrl: null });
  });
});

describe('webhook delivery', () => {
  it('signs the exact body with HMAC-SHA256; a receiver can verify it', async () => {
    const server = await scriptedServer([{ status: 204 }]);
    const secret = 'shared-secret-value';
    const { config } = notifyFixture({
      BACKUP_ALERT_WEBHOOK_URL: server.url,
      BACKUP_ALERT_WEBHOOK_SECRET: secret,
    });
    const nasty = 'quote " newline \n backslash \\ tab \t unicode 日本語 \u2028';
    await createWebhookNotifier(config, fixedNow)!.send(
      sampleAlert({ outputTail: nasty }),
      AbortSignal.timeout(5000),
    );

    const request = server.requests[0]!;
    const header = String(request.headers['x-backup-alert-signature']);
    const expected = `sha256=${createHmac('sha256', secret).update(request.body).digest('hex')}`;
    expect(timingSafeEqual(Buffer.from(header), Buffer.from(expected))).toBe(true);
    expect(header).toBe(signBody(request.body, secret));
    expect(request.headers['x-backup-alert-event']).toBe('backup_failure');
    const body = JSON.parse(request.body) as { outputTail: string; event: string; version: number };
    expect(body.outputTail).toBe(nasty);
    expect(body).toMatchObject({ version: 1, event: 'backup_failure' });
    // A tampered body no longer verifies.
    expect(signBody(request.body.replace('db1', 'db2'), secret)).not.toBe(header);
  });

  it('sends no signature header without a secret', async () => {
    const server = await scriptedServer([{ status: 200 }]);
    const { config } = notifyFixture({ BACKUP_ALERT_WEBHOOK_URL: server.url });
    await createWebhookNotifier(config, fixedNow)!.send(
      sampleAlert({ kind: 'test' }),
      AbortSignal.timeout(5000),
    );
    expect(server.requests[0]!.headers['x-backup-alert-signature']).toBeUndefined();
    expect((server.json() as { event: string }).event).toBe('backup_test');
  });
});

describe('webhook redirects', () => {
  it('are not followed (a signed body goes only where configured): permanent, with a hint', async () => {
    const server = await scriptedServer([{ status: 308, headers: { location: 'http://example.invalid/' } }]);
    const { config } = notifyFixture({ BACKUP_ALERT_WEBHOOK_URL: server.url });
    const error = await createWebhookNotifier(config, fixedNow)!
      .send(sampleAlert(), AbortSignal.timeout(5000))
      .then(
        () => undefined,
        (e: unknown) => e as Error & { permanent: boolean },
      );
    expect(error?.permanent).toBe(true);
    expect(error?.message).toMatch(
      /^HTTP 308 from http:\/\/127\.0\.0\.1:\d+\/… \(redirects are not followed/,
    );
    expect(server.requests).toHaveLength(1);
  });
});
