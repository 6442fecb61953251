import { describe, expect, it } from 'vitest';
import { buildEmailContent } from '../../src/notify/email-content.js';
import { alertSubject, plainTextBody } from '../../src/notify/message.js';
import { slackPayload } from '../../src/notify/slack.js';
import { adaptiveCardPayload, messageCardPayload } from '../../src/notify/teams.js';
import type { Alert } from '../../src/notify/types.js';
import { sampleAlert } from '../helpers/alert.js';
import { notifyFixture } from '../helpers/http.js';

/** A success whose artifact is a tenth of its usual size, as the policy hands it over. */
function sizeWarning(overrides: Partial<Alert> = {}): Alert {
  const base = sampleAlert({
    error: '',
    exitCode: 0,
    outputTail: '',
    artifactPath: '/var/backups/<db>.dump',
    artifactBytes: 1_048_576,
    consecutiveFailures: 0,
  });
  return {
    ...base,
    kind: 'suspect',
    run: { ...base.run, status: 'success', errorMessage: null },
    size: {
      direction: 'drop',
      path: '/var/backups/<db>.dump',
      bytes: 1_048_576,
      medianBytes: 10_485_760,
      recentBytes: [10_485_760, 10_485_760, 9_961_472],
      changePercent: -90,
      thresholdPercent: 50,
    },
    ...overrides,
  };
}

const FINDING =
  'Backup artifact much smaller than usual: /var/backups/<db>.dump (1.0 MiB, 90 % below the median of the last 3 successful runs, 10.0 MiB)';

describe('the size warning (backup_suspect) in every channel', () => {
  it('plain text: the §5.2 layout with the finding as エラー内容 and the sizes after it', () => {
    expect(plainTextBody(sizeWarning(), 'ja', undefined)).toBe(
      [
        '【注意】バックアップは成功しましたが、容量が通常より大幅に減少しています: daily@db1',
        '',
        'バックアップID: BKP-20260102-030405-daily',
        '種別: daily',
        '発生時刻: 2026-01-02T03:04:05.678Z',
        `エラー内容: ${FINDING}`,
        'ジョブ: daily',
        'ホスト: db1',
        '終了コード: 0',
        '実行時間: 12s',
        '成果物: /var/backups/<db>.dump (1.0 MiB, 1048576 bytes)',
        '直近3回の成功の中央値: 10.0 MiB',
        '直近の容量: 10.0 MiB, 10.0 MiB, 9.5 MiB',
        '',
        'バックアップの内容（対象のマウント、除外設定、ダンプ対象のデータ）を確認し、必要に応じて手動バックアップを実行してください。',
        '',
        'システムURL: (未設定)',
        '',
        '---',
        'ITSM-Sec Nexus バックアップアラート',
        '',
      ].join('\n'),
    );
  });

  it('HTML: amber heading, every value escaped', async () => {
    const { config, logger } = notifyFixture({});
    const content = await buildEmailContent(sizeWarning(), config, logger);
    expect(content.subject).toBe('【注意】バックアップ容量の急減: daily@db1 BKP-20260102-030405-daily');
    expect(content.html).toContain('background-color:#b45309');
    expect(content.html).toContain('/var/backups/&lt;db&gt;.dump');
    expect(content.html).not.toContain('<db>');
  });

  it('Slack: escaped, the sizes as fields, never more than 10 fields in a section', () => {
    const everything = sizeWarning({
      kind: 'failure',
      consecutiveFailures: 4,
      escalate: true,
      suppressedCount: 2,
      run: {
        ...sizeWarning().run,
        status: 'failure',
        errorMessage: FINDING,
        exitCode: 65,
        signal: 'SIGTERM',
        logPath: '/var/lib/backup-alert/runs/x.log',
      },
    });
    for (const alert of [sizeWarning(), everything]) {
      const payload = slackPayload(alert, 'en', undefined) as {
        text: string;
        blocks: Array<{ fields?: Array<{ text: string }> }>;
      };
      for (const block of payload.blocks) expect(block.fields?.length ?? 0).toBeLessThanOrEqual(10);
      const fields = payload.blocks.flatMap((block) => block.fields ?? []).map((field) => field.text);
      expect(fields).toContain('*Artifact*\n/var/backups/&lt;db&gt;.dump (1.0 MiB, 1048576 bytes)');
      expect(fields).toContain('*Median of the last 3 successes*\n10.0 MiB');
      expect(JSON.stringify(payload)).not.toContain('<db>');
    }
    expect((slackPayload(sizeWarning(), 'en', undefined) as { text: string }).text).toMatch(
      /^\[WARNING\] Backup size dropped sharply: [\w.-]+@[\w.-]+ BKP-20260102-030405-daily: Backup artifact much smaller/,
    );
  });

  it('Teams: a warning colour in both card formats, the sizes among the facts', () => {
    const card = adaptiveCardPayload(sizeWarning(), 'ja', undefined, '') as {
      attachments: Array<{
        content: { body: Array<{ color?: string; facts?: Array<{ title: string; value: string }> }> };
      }>;
    };
    const body = card.attachments[0]!.content.body;
    expect(body[0]!.color).toBe('Warning');
    expect(body.flatMap((item) => item.facts ?? []).map((fact) => fact.title)).toEqual(
      expect.arrayContaining(['成果物', '直近3回の成功の中央値', '直近の容量']),
    );
    expect(messageCardPayload(sizeWarning(), 'ja', undefined, '')).toMatchObject({
      themeColor: 'E8A000',
      title: '【注意】バックアップ容量の急減: daily@db1 BKP-20260102-030405-daily',
    });
  });

  it('growth has its own subject', () => {
    const growth = sizeWarning({ kind: 'suspect-growth' });
    expect(alertSubject(growth, 'ja')).toBe(
      '【注意】バックアップ容量の急増: daily@db1 BKP-20260102-030405-daily',
    );
    expect(alertSubject(growth, 'en')).toBe(
      '[WARNING] Backup size grew sharply: daily@db1 BKP-20260102-030405-daily',
    );
    expect(plainTextBody(growth, 'ja', undefined)).toContain('容量が通常より大幅に増加しています');
  });
});
