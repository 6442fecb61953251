import { describe, expect, it } from 'vitest';
import { plainTextBody } from '../../src/notify/message.js';
import { runbookAlert } from '../helpers/alert.js';

describe('plain-text body (runbook §5.2)', () => {
  it('has the runbook lines verbatim and in order; our facts only after エラー内容', () => {
    const body = plainTextBody(runbookAlert(), 'ja', 'https://192.168.0.187:5050');
    const lines = body.split('\n');
    // The runbook's example, line for line (§5.2), with the lines we add removed.
    const runbook = [
      '【緊急】バックアップ処理が失敗しました',
      '',
      'バックアップID: BKP-20260215-030000-daily',
      '種別: daily',
      '発生時刻: 2026-02-15T03:00:15.123Z',
      'エラー内容: Backup script failed with exit code 1: disk full',
      '',
      '速やかに原因を確認し、手動バックアップの実行を検討してください。',
      '',
      'システムURL: https://192.168.0.187:5050',
      '',
      '---',
      'ITSM-Sec Nexus バックアップアラート',
      '',
    ];
    // The first line is the runbook's, then which backup (issue 21: job@host, here the
    // job of a run that named none, its type); the next five are the runbook's, unchanged.
    expect(lines[0]).toBe(`${runbook[0]}: daily@db01`);
    expect(lines.slice(1, 6)).toEqual(runbook.slice(1, 6));
    // The last seven too (the closing advice, the URL, the footer).
    expect(lines.slice(-7)).toEqual(runbook.slice(-7));
    // What comes between is ours: label lines (and the output block), never a runbook line moved.
    const between = lines.slice(6, -7);
    expect(between.slice(0, 2)).toEqual(['ジョブ: daily', 'ホスト: db01']);
    for (const line of runbook.filter(Boolean)) expect(between).not.toContain(line);
  });
});
