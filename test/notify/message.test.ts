import { describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { templateData } from '../../src/notify/email-content.js';
import { PLAIN_TAIL_LIMIT, plainTextBody } from '../../src/notify/message.js';
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

describe('the output tail in a message', () => {
  it("says how much was cut in grouped digits without ICU's number formatting (~7 MiB of RSS on first use)", () => {
    // Issue 22, item 9: toLocaleString('en-US') in the cut notice mapped ICU's locale data
    // into every failing run whose output passed 4 KiB and had a channel configured.
    const toLocale = vi.spyOn(Number.prototype, 'toLocaleString');
    const numberFormat = vi.spyOn(Intl, 'NumberFormat');
    const outputTail = `${'0123456789'.repeat(9)}ok\n`.repeat(700);
    const alert = runbookAlert({ outputTail });
    const body = plainTextBody(alert, 'en', undefined);
    const html = templateData(
      alert,
      loadConfig({ BACKUP_ALERT_DB: '/tmp/x/backup-alert.db' }, {}, { cwd: '/srv', defaultTemplateDir: '/t' })
        .config,
    );
    const notice = /\[… ([\d,]+) bytes cut …\]\n/.exec(body);
    expect(notice?.[1]).toMatch(/^\d{1,3}(,\d{3})+$/);
    const kept = body.slice(body.indexOf(notice![0]) + notice![0].length).split('\n\n')[0]!;
    expect(kept.length).toBeLessThanOrEqual(PLAIN_TAIL_LIMIT);
    expect(Number(notice![1]!.replaceAll(',', ''))).toBe(outputTail.trimEnd().length - kept.length);
    expect(JSON.stringify(html)).toMatch(/\[… \d{1,3}(,\d{3})+ bytes cut …\]/);
    expect(toLocale).not.toHaveBeenCalled();
    expect(numberFormat).not.toHaveBeenCalled();
  });
});
