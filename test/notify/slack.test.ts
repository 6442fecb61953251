import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from '../../src/notify/http-post.js';
import {
  createSlackNotifier,
  SLACK_HEADER_MAX,
  SLACK_SECTION_MAX,
  slackPayload,
} from '../../src/notify/slack.js';
import { DeliveryError } from '../../src/notify/types.js';
import { sampleAlert } from '../helpers/alert.js';
import { notifyFixture, scriptedServer } from '../helpers/http.js';
import { closedPort } from '../helpers/net.js';

type SlackBody = { text: string; blocks: Array<{ type: string; text?: { text: string } }> };

async function slackTo(replies: Parameters<typeof scriptedServer>[0]) {
  const server = await scriptedServer(replies);
  const fixture = notifyFixture({ SLACK_WEBHOOK_URL: server.url, SYSTEM_URL: 'https://itsm.example.com' });
  const notifier = createSlackNotifier(fixture.config)!;
  return { server, notifier, ...fixture };
}

async function rejection(promise: Promise<unknown>): Promise<DeliveryError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DeliveryError);
  return error as DeliveryError;
}

describe('slack payload', () => {
  it('carries the same facts as the e-mail: text fallback plus blocks', () => {
    expect(slackPayload(sampleAlert(), 'ja', 'https://itsm.example.com')).toMatchInlineSnapshot(`
      {
        "blocks": [
          {
            "text": {
              "emoji": true,
              "text": "【緊急】バックアップ失敗: daily@db1 BKP-20260102-030405-daily",
              "type": "plain_text",
            },
            "type": "header",
          },
          {
            "text": {
              "text": "*【緊急】バックアップ処理が失敗しました: daily@db1*",
              "type": "mrkdwn",
            },
            "type": "section",
          },
          {
            "fields": [
              {
                "text": "*バックアップID*
      BKP-20260102-030405-daily",
                "type": "mrkdwn",
              },
              {
                "text": "*種別*
      daily",
                "type": "mrkdwn",
              },
              {
                "text": "*発生時刻*
      2026-01-02T03:04:05.678Z",
                "type": "mrkdwn",
              },
            ],
            "type": "section",
          },
          {
            "text": {
              "text": "*エラー内容*
      Backup script failed with exit code 3: pg_dump: error: connection refused",
              "type": "mrkdwn",
            },
            "type": "section",
          },
          {
            "fields": [
              {
                "text": "*ジョブ*
      daily",
                "type": "mrkdwn",
              },
              {
                "text": "*ホスト*
      db1",
                "type": "mrkdwn",
              },
              {
                "text": "*終了コード*
      3",
                "type": "mrkdwn",
              },
              {
                "text": "*実行時間*
      12s",
                "type": "mrkdwn",
              },
              {
                "text": "*連続失敗回数*
      2",
                "type": "mrkdwn",
              },
            ],
            "type": "section",
          },
          {
            "text": {
              "text": "*出力の末尾*",
              "type": "mrkdwn",
            },
            "type": "section",
          },
          {
            "text": {
              "text": "\`\`\`
      starting dump
      pg_dump: error: connection refused
      \`\`\`",
              "type": "mrkdwn",
            },
            "type": "section",
          },
          {
            "text": {
              "text": "速やかに原因を確認し、手動バックアップの実行を検討してください。",
              "type": "mrkdwn",
            },
            "type": "section",
          },
          {
            "elements": [
              {
                "text": "システムURL: <https://itsm.example.com|https://itsm.example.com> · ITSM-Sec Nexus バックアップアラート",
                "type": "mrkdwn",
              },
            ],
            "type": "context",
          },
        ],
        "text": "【緊急】バックアップ失敗: daily@db1 BKP-20260102-030405-daily: Backup script failed with exit code 3: pg_dump: error: connection refused",
      }
    `);
  });

  it('keeps the end of a long output within the section limit and says how much was cut', () => {
    const lines = Array.from({ length: 2000 }, (_, i) => `line ${i} & <stuff>`);
    const payload = slackPayload(
      sampleAlert({ outputTail: lines.join('\n'), backupId: `BKP-${'x'.repeat(300)}` }),
      'en',
      undefined,
    ) as SlackBody;
    const header = payload.blocks[0]!.text!.text;
    expect(header.length).toBeLessThanOrEqual(SLACK_HEADER_MAX);
    for (const block of payload.blocks) {
      if (block.text) expect(block.text.text.length).toBeLessThanOrEqual(SLACK_SECTION_MAX);
    }
    const code = payload.blocks.find((b) => b.text?.text.startsWith('```'))!.text!.text;
    expect(code).toMatch(/\[… [\d,]+ bytes cut …\]/);
    expect(code).toContain('line 1999 &amp; &lt;stuff&gt;\n```');
  });
});

describe('slack delivery', () => {
  it('the text fallback (what notifications and mentions read) is mrkdwn-escaped like the blocks', async () => {
    const { server, notifier } = await slackTo([{ status: 200, body: 'ok' }]);
    const error =
      'Backup script failed with exit code 1: <!channel> <https://evil.example|click here> & <@U123>';
    await notifier.send(sampleAlert({ error }), AbortSignal.timeout(5000));
    const body = server.json() as SlackBody;
    expect(body.text).toBe(
      '【緊急】バックアップ失敗: daily@db1 BKP-20260102-030405-daily: Backup script failed with exit code 1: ' +
        '&lt;!channel&gt; &lt;https://evil.example|click here&gt; &amp; &lt;@U123&gt;',
    );
    // Nowhere in the message is the script's text live Slack syntax.
    const raw = server.requests[0]!.body;
    for (const live of ['<!channel>', '<https://evil.example|', '<@U123>']) expect(raw).not.toContain(live);
  });

  it('200: sent in one attempt; quotes, newlines and backslashes arrive intact', async () => {
    const { server, notifier } = await slackTo([{ status: 200, body: 'ok' }]);
    const nasty = 'said "no"\n\tC:\\backup\\dir ```fence``` \u0000 end';
    const report = await notifier.send(sampleAlert({ outputTail: nasty }), AbortSignal.timeout(5000));
    expect(report.attempts).toBe(1);
    expect(server.requests[0]!.headers['content-type']).toMatch(/application\/json/);
    const body = server.json() as SlackBody;
    const code = body.blocks.find((b) => b.text?.text.startsWith('```'))!.text!.text;
    expect(code).toContain('said "no"\n\tC:\\backup\\dir');
    expect(code).not.toContain('```fence');
  });

  it('400: permanent, not retried, the reason without the token', async () => {
    const { server, notifier } = await slackTo([{ status: 400, body: 'invalid_payload' }]);
    const error = await rejection(notifier.send(sampleAlert(), AbortSignal.timeout(5000)));
    expect(error.permanent).toBe(true);
    expect(error.attempts).toBe(1);
    expect(server.requests).toHaveLength(1);
    expect(error.message).toBe(
      'HTTP 400 from http://127.0.0.1:' + new URL(server.url).port + '/…: invalid_payload',
    );
    expect(error.message).not.toContain(server.token);
  });

  it('429 with Retry-After: waits that long, then delivers', async () => {
    const { server, notifier } = await slackTo([
      { status: 429, body: 'rate_limited', headers: { 'retry-after': '1' } },
      { status: 200, body: 'ok' },
    ]);
    const started = Date.now();
    const report = await notifier.send(sampleAlert(), AbortSignal.timeout(5000));
    expect(report.attempts).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(server.requests).toHaveLength(2);
  });

  it('429 with a Retry-After beyond the bound: gives up at the bound, transient', async () => {
    const { notifier } = await slackTo([{ status: 429, headers: { 'retry-after': '120' } }]);
    const started = Date.now();
    const error = await rejection(notifier.send(sampleAlert(), AbortSignal.timeout(800)));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(error.permanent).toBe(false);
    expect(error.message).toMatch(/rate limited .*HTTP 429, Retry-After 60s|Retry-After 120s/);
  });

  it('500 then 200: retried with backoff and delivered', async () => {
    const { server, notifier } = await slackTo([
      { status: 500, body: 'oops' },
      { status: 200, body: 'ok' },
    ]);
    const report = await notifier.send(sampleAlert(), AbortSignal.timeout(5000));
    expect(report.attempts).toBe(2);
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]!.body).toBe(server.requests[0]!.body);
  });

  it('never answers: aborted at the bound, transient ETIMEDOUT', async () => {
    const { notifier } = await slackTo(['hang']);
    const started = Date.now();
    const error = await rejection(notifier.send(sampleAlert(), AbortSignal.timeout(700)));
    expect(Date.now() - started).toBeLessThan(2700);
    expect(error.permanent).toBe(false);
    expect(error.code).toBe('ETIMEDOUT');
    expect(error.message).toMatch(/^no answer from http:\/\/127\.0\.0\.1:\d+\/… within the notify timeout$/);
  });

  it('connection refused: retried inside the bound, transient, names the code', async () => {
    const port = await closedPort();
    const url = `http://127.0.0.1:${port}/services/T0SECRET/B0SECRET/XyZsecretToken123`;
    const { config } = notifyFixture({ SLACK_WEBHOOK_URL: url });
    const error = await rejection(
      createSlackNotifier(config)!.send(sampleAlert(), AbortSignal.timeout(5000)),
    );
    expect(error.permanent).toBe(false);
    expect(error.attempts).toBe(4);
    expect(error.message).toBe(`cannot reach http://127.0.0.1:${port}/…: ECONNREFUSED`);
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe('slack escaping: what a script printed is text, never mrkdwn control', () => {
  const hostile = '<!channel> <https://evil.example|click here> & <@U123>';
  const alert = sampleAlert({
    error: `Backup script failed with exit code 1: ${hostile}`,
    host: `db1 ${hostile}`,
    logPath: `/var/log/${hostile}`,
    outputTail: `${hostile}\n`,
  });
  const payload = slackPayload(alert, 'ja', undefined) as {
    text: string;
    blocks: Array<{ text?: { text: string }; fields?: Array<{ text: string }> }>;
  };

  it('the top-level text fallback (notifications, mentions) is escaped', () => {
    expect(payload.text).toBe(
      // The host in the subject is reduced to a plain word (issue 21: job@host in every subject).
      '【緊急】バックアップ失敗: daily@db1___channel___https:__evil.example_click_here_____@U123_ BKP-20260102-030405-daily: Backup script failed with exit code 1: &lt;!channel&gt; &lt;https://evil.example|click here&gt; &amp; &lt;@U123&gt;',
    );
  });

  it('the error section and every field are escaped', () => {
    const error = payload.blocks.find((block) => block.text?.text.startsWith('*エラー内容*'));
    expect(error?.text?.text).toBe(
      '*エラー内容*\nBackup script failed with exit code 1: &lt;!channel&gt; &lt;https://evil.example|click here&gt; &amp; &lt;@U123&gt;',
    );
    const fields = payload.blocks.flatMap((block) => block.fields ?? []).map((field) => field.text);
    expect(fields.find((text) => text.startsWith('*ホスト*'))).toBe(
      '*ホスト*\ndb1 &lt;!channel&gt; &lt;https://evil.example|click here&gt; &amp; &lt;@U123&gt;',
    );
    expect(fields.find((text) => text.startsWith('*ログファイル*'))).toContain('/var/log/&lt;!channel&gt;');
  });

  it('nowhere in the whole body does a raw `<!` or `<http` survive', () => {
    const body = JSON.stringify(payload);
    expect(body).not.toMatch(/<!|<http|<@/);
  });
});

describe('slack text fallback clipping', () => {
  const lone = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

  it('cuts before escaping: no half entity like `&l` at the end, still within the limit', () => {
    // Each `<` becomes four characters: cut after escaping, the limit lands inside `&lt;`.
    for (const pad of [0, 1, 2, 3]) {
      const alert = sampleAlert({ error: `${'x'.repeat(pad)}${'<'.repeat(3000)}` });
      const payload = slackPayload(alert, 'en', undefined) as { text: string };
      expect(payload.text.length).toBeLessThanOrEqual(SLACK_SECTION_MAX);
      expect(payload.text).toMatch(/(&lt;)+…$/);
      expect(payload.text).toMatch(/^\[URGENT\] Backup failed: daily@db1 BKP-/);
    }
  });

  it('cuts on grapheme boundaries: no lone surrogate, no family emoji split', () => {
    for (const pad of [0, 1]) {
      const alert = sampleAlert({ error: `${'y'.repeat(pad)}${'👨‍👩‍👧'.repeat(600)}` });
      const text = (slackPayload(alert, 'en', undefined) as { text: string }).text;
      expect(text.length).toBeLessThanOrEqual(SLACK_SECTION_MAX);
      expect(lone.test(text)).toBe(false);
      expect(text).toMatch(/(👨‍👩‍👧)+…$/u);
    }
  });
});
