import { describe, expect, it } from 'vitest';
import {
  ADAPTIVE_CARD_VERSION,
  adaptiveCardPayload,
  chooseTeamsFormat,
  createTeamsNotifier,
  messageCardPayload,
  teamsBody,
} from '../../src/notify/teams.js';
import { sampleAlert } from '../helpers/alert.js';
import { notifyFixture, scriptedServer } from '../helpers/http.js';

type AdaptiveMessage = {
  type: string;
  attachments: Array<{ contentType: string; content: { version: string; body: Array<{ text?: string }> } }>;
};

describe('chooseTeamsFormat', () => {
  it.each([
    ['https://contoso.webhook.office.com/webhookb2/a@b/IncomingWebhook/c/d', 'messagecard', true],
    ['https://outlook.office.com/webhook/a@b/IncomingWebhook/c/d', 'messagecard', true],
    [
      'https://prod-23.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?sig=x',
      'adaptivecard',
      false,
    ],
    [
      'https://default1234.56.environment.api.powerplatform.com/powerautomate/automations/direct/workflows/x/triggers/manual/paths/invoke',
      'adaptivecard',
      false,
    ],
    ['https://api.powerautomate.com/webhook/x', 'adaptivecard', false],
    ['https://example.com/cu/12345', 'adaptivecard', false],
    ['https://teams-proxy.internal.example/hook', 'adaptivecard', false],
  ] as const)('%s → %s', (url, format, legacy) => {
    const choice = chooseTeamsFormat(url, undefined);
    expect(choice.format).toBe(format);
    expect(choice.legacy).toBe(legacy);
  });

  it('unknown hosts get an Adaptive Card and say why', () => {
    expect(chooseTeamsFormat('https://teams-proxy.internal.example/hook', undefined).reason).toMatch(
      /Workflows assumed/,
    );
  });

  it('TEAMS_WEBHOOK_FORMAT overrides the URL either way', () => {
    expect(chooseTeamsFormat('https://x.webhook.office.com/webhookb2/a', 'adaptivecard').format).toBe(
      'adaptivecard',
    );
    expect(chooseTeamsFormat('https://prod-1.logic.azure.com/workflows/a', 'messagecard').format).toBe(
      'messagecard',
    );
  });
});

describe('teams payloads', () => {
  it('Adaptive Card 1.4 inside a message attachment', () => {
    expect(
      adaptiveCardPayload(sampleAlert(), 'ja', 'https://itsm.example.com', 'pg_dump: error'),
    ).toMatchInlineSnapshot(`
      {
        "attachments": [
          {
            "content": {
              "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
              "actions": [
                {
                  "title": "システムURL",
                  "type": "Action.OpenUrl",
                  "url": "https://itsm.example.com",
                },
              ],
              "body": [
                {
                  "color": "Attention",
                  "size": "Large",
                  "text": "【緊急】バックアップ失敗: daily@db1 BKP-20260102-030405-daily",
                  "type": "TextBlock",
                  "weight": "Bolder",
                  "wrap": true,
                },
                {
                  "text": "【緊急】バックアップ処理が失敗しました: daily@db1",
                  "type": "TextBlock",
                  "wrap": true,
                },
                {
                  "facts": [
                    {
                      "title": "バックアップID",
                      "value": "BKP-20260102-030405-daily",
                    },
                    {
                      "title": "種別",
                      "value": "daily",
                    },
                    {
                      "title": "発生時刻",
                      "value": "2026-01-02T03:04:05.678Z",
                    },
                    {
                      "title": "エラー内容",
                      "value": "Backup script failed with exit code 3: pg_dump: error: connection refused",
                    },
                    {
                      "title": "ジョブ",
                      "value": "daily",
                    },
                    {
                      "title": "ホスト",
                      "value": "db1",
                    },
                    {
                      "title": "終了コード",
                      "value": "3",
                    },
                    {
                      "title": "実行時間",
                      "value": "12s",
                    },
                    {
                      "title": "連続失敗回数",
                      "value": "2",
                    },
                  ],
                  "type": "FactSet",
                },
                {
                  "text": "出力の末尾",
                  "type": "TextBlock",
                  "weight": "Bolder",
                  "wrap": true,
                },
                {
                  "fontType": "Monospace",
                  "size": "Small",
                  "text": "pg_dump: error",
                  "type": "TextBlock",
                  "wrap": true,
                },
                {
                  "text": "速やかに原因を確認し、手動バックアップの実行を検討してください。",
                  "type": "TextBlock",
                  "wrap": true,
                },
              ],
              "msteams": {
                "width": "Full",
              },
              "type": "AdaptiveCard",
              "version": "1.4",
            },
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
          },
        ],
        "type": "message",
      }
    `);
  });

  it('MessageCard for the legacy connector', () => {
    expect(
      messageCardPayload(
        sampleAlert({ lateSince: '2026-01-02T03:04:06.000Z', resentAt: '2026-01-02T05:00:00.000Z' }),
        'en',
        undefined,
        'pg_dump: error',
      ),
    ).toMatchInlineSnapshot(`
      {
        "@context": "https://schema.org/extensions",
        "@type": "MessageCard",
        "sections": [
          {
            "activityTitle": "[URGENT] A backup has failed: daily@db1",
            "facts": [
              {
                "name": "Backup ID",
                "value": "BKP-20260102-030405-daily",
              },
              {
                "name": "Type",
                "value": "daily",
              },
              {
                "name": "Time",
                "value": "2026-01-02T03:04:05.678Z",
              },
              {
                "name": "Error",
                "value": "Backup script failed with exit code 3: pg_dump: error: connection refused",
              },
              {
                "name": "Job",
                "value": "daily",
              },
              {
                "name": "Host",
                "value": "db1",
              },
              {
                "name": "Exit code",
                "value": "3",
              },
              {
                "name": "Duration",
                "value": "12s",
              },
              {
                "name": "Consecutive failures",
                "value": "2",
              },
            ],
            "markdown": false,
          },
          {
            "markdown": false,
            "text": "Late delivery: this alert could not be sent at 2026-01-02T03:04:06.000Z; re-sent at 2026-01-02T05:00:00.000Z",
          },
          {
            "markdown": false,
            "text": "pg_dump: error",
            "title": "End of output",
          },
          {
            "markdown": false,
            "text": "Investigate the cause promptly and consider running a manual backup.",
          },
        ],
        "summary": "[URGENT] Backup failed: daily@db1 BKP-20260102-030405-daily",
        "themeColor": "D70000",
        "title": "[URGENT] Backup failed: daily@db1 BKP-20260102-030405-daily",
      }
    `);
  });

  it.each(['adaptivecard', 'messagecard'] as const)(
    '%s: a huge output is cut from the start to fit 28 KB',
    (format) => {
      const lines = Array.from({ length: 20_000 }, (_, i) => `行 ${i}: "quoted" \\ back\\slash`);
      const body = teamsBody(
        sampleAlert({ outputTail: lines.join('\n') }),
        { lang: 'ja', systemUrl: undefined },
        format,
      );
      expect(Buffer.byteLength(body)).toBeLessThanOrEqual(28_000);
      expect(Buffer.byteLength(body)).toBeGreaterThan(28_000 * 0.6);
      expect(body).toMatch(/\[… [\d,]+ bytes cut …\]/);
      expect(body).toContain('行 19999: \\"quoted\\" \\\\ back\\\\slash');
    },
  );
});

describe('teams delivery', () => {
  it('picks the Adaptive Card for an unknown host and posts valid JSON', async () => {
    const server = await scriptedServer([{ status: 202 }]);
    const { config } = notifyFixture({ TEAMS_WEBHOOK_URL: server.url });
    const report = await createTeamsNotifier(config, notifyFixture({}).logger)!.send(
      sampleAlert({ outputTail: 'a "b"\n\\c' }),
      AbortSignal.timeout(5000),
    );
    expect(report.attempts).toBe(1);
    const body = server.json() as AdaptiveMessage;
    expect(body.type).toBe('message');
    expect(body.attachments[0]!.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(body.attachments[0]!.content.version).toBe(ADAPTIVE_CARD_VERSION);
    expect(body.attachments[0]!.content.body.some((b) => b.text === 'a "b"\n\\c')).toBe(true);
  });

  it("sends a MessageCard when TEAMS_WEBHOOK_FORMAT=messagecard, retrying the connector's 200-with-error", async () => {
    const server = await scriptedServer([
      {
        status: 200,
        body: 'Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 429',
      },
      { status: 200, body: '1' },
    ]);
    const fixture = notifyFixture({ TEAMS_WEBHOOK_URL: server.url, TEAMS_WEBHOOK_FORMAT: 'messagecard' });
    const report = await createTeamsNotifier(fixture.config, fixture.logger)!.send(
      sampleAlert(),
      AbortSignal.timeout(5000),
    );
    expect(report.attempts).toBe(2);
    expect((server.json(1) as Record<string, unknown>)['@type']).toBe('MessageCard');
  });

  it('warns about the legacy connector, without the URL token', () => {
    const fixture = notifyFixture({
      TEAMS_WEBHOOK_URL: 'https://contoso.webhook.office.com/webhookb2/SECRET-GUID/IncomingWebhook/TOKEN/x',
    });
    const notifier = createTeamsNotifier(fixture.config, fixture.logger)!;
    expect(notifier.recipient).toBe('https://contoso.webhook.office.com/…');
    const text = fixture.log.join('');
    expect(text).toMatch(/\[WARN\] \[Teams\] TEAMS_WEBHOOK_URL is a legacy Office 365 connector .*Workflows/);
    expect(text).not.toContain('SECRET-GUID');
    expect(text).not.toContain('TOKEN');
  });
});
