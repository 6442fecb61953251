import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';
import { runCli } from '../helpers/cli.js';
import { readNotifications } from '../helpers/db.js';
import { HOUR, routingSetup, sql } from '../helpers/routing.js';
import { startSmtpSink } from '../helpers/smtp.js';
import { tempDir } from '../helpers/tmp.js';

const T0 = Date.parse('2026-03-01T03:00:00.000Z');

describe('backup-alert watch (the local dead man’s switch)', () => {
  it('a type that never ran is missing: one 【警告】 alert per incident, exit 1 each time', async () => {
    const s = await routingSetup();
    const first = await s.cli(['watch', '--max-age', 'daily=26h'], { at: T0 });
    expect(first.exitCode).toBe(1);
    expect(first.stdout).toBe(
      '✖ No successful daily backup recorded on this host (max age 1d 2h) [incident #1: sent]\n',
    );
    const second = await s.cli(['watch', '--max-age', 'daily=26h'], { at: T0 + HOUR });
    expect(second.exitCode).toBe(1);
    expect(second.stdout).toContain('[incident #1: already alerted]');
    expect(s.events()).toHaveLength(1);
    expect(s.events()[0]).toMatchObject({
      event: 'backup_missing',
      id: 'incident-1:backup_missing',
      subject: '【警告】バックアップ未実行: daily@test-host',
      backupId: '-',
      type: 'daily',
      missing: { lastSuccessAt: null, overdueMs: null, maxAgeMs: 26 * HOUR },
      incident: { id: 1, cause: 'missing', failedRuns: 0 },
    });
    const [row] = readNotifications(s.db);
    expect(row).toMatchObject({ notification_type: 'backup_missing', backup_id: null, incident_id: 1 });
  });

  it('overdue: the mail says the last success, the max age and how overdue (ja), in local time too', async () => {
    const smtp = await startSmtpSink();
    const s = await routingSetup({
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(smtp.port),
      BACKUP_ALERT_EMAIL: 'ops@example.com',
      BACKUP_ALERT_EXPECT: 'daily=26h',
      BACKUP_ALERT_TIMEZONE: 'Asia/Tokyo',
    });
    expect((await s.run('ok.sh', { at: T0 })).exitCode).toBe(0);
    expect((await s.cli(['watch'], { at: T0 + 25 * HOUR })).exitCode).toBe(0);
    const late = await s.cli(['watch'], { at: T0 + 27 * HOUR });
    expect(late.exitCode).toBe(1);
    const [mail] = await smtp.waitForMails(1);
    expect(mail!.parsed.subject).toBe('【警告】バックアップ未実行: daily@test-host');
    const text = mail!.parsed.text ?? '';
    expect(text).toContain(
      '【警告】バックアップが予定どおり実行されていません: daily@test-host\n\nバックアップID: -\n種別: daily\n',
    );
    expect(text).toContain(
      '発生時刻: 2026-03-02T06:00:00.000Z\n現地時刻: 2026-03-02 15:00:00 +09:00 (Asia/Tokyo)\nエラー内容: No successful daily backup for 1d 3h (max age 1d 2h); last success 2026-03-01T03:00:00.000Z\n',
    );
    expect(text).toContain(
      '最終成功: 2026-03-01T03:00:00.000Z (2026-03-01 12:00:00 +09:00 (Asia/Tokyo))\n許容間隔: 1d 2h\n超過時間: 1h\n',
    );
    expect(mail!.parsed.html).toContain('現地時刻');
    expect(s.events()[0]).toMatchObject({
      event: 'backup_missing',
      missing: { overdueMs: HOUR },
      localTimestamp: '2026-03-02T15:00:00.000+09:00',
      timeZone: 'Asia/Tokyo',
    });
  });

  it('a run in progress is not missing', async () => {
    const s = await routingSetup();
    await s.run('ok.sh', { at: T0 });
    const store = Store.open(s.db);
    // A run started by a live wrapper (this very process) and still going.
    store.runs.insert(
      {
        type: 'daily',
        startedAt: new Date(T0 + 30 * HOUR).toISOString(),
        script: '/x.sh',
        host: 'test-host',
        pid: process.pid,
        logPathTemplate: null,
      },
      new Date(T0 + 30 * HOUR),
    );
    store.close();
    const result = await s.cli(['watch', '--max-age', 'daily=26h', '--verbose'], { at: T0 + 31 * HOUR });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/\[DEBUG\] \[Watch\] daily: running now \(BKP-\S+-daily\); not missing/);
    expect(s.events()).toEqual([]);
  });

  it('recovered: the next success closes the incident (the recovery says since when); watch is healthy again', async () => {
    const s = await routingSetup({ BACKUP_ALERT_NOTIFY_RECOVERY: 'true', BACKUP_ALERT_EXPECT: 'daily=26h' });
    await s.run('ok.sh', { at: T0 });
    expect((await s.cli(['watch'], { at: T0 + 27 * HOUR })).exitCode).toBe(1);
    expect((await s.run('fail.sh', { at: T0 + 28 * HOUR })).exitCode).toBe(3);
    expect((await s.run('ok.sh', { at: T0 + 29 * HOUR })).exitCode).toBe(0);
    const healthy = await s.cli(['watch'], { at: T0 + 30 * HOUR });
    expect(healthy).toMatchObject({ exitCode: 0, stdout: '' });
    expect(s.events().map((e) => e.event)).toEqual(['backup_missing', 'backup_failure', 'backup_recovery']);
    const recovery = s.events()[2]!;
    expect(recovery.incident).toMatchObject({
      id: 1,
      cause: 'missing',
      openedAt: new Date(T0 + 27 * HOUR).toISOString(),
      failedRuns: 1,
      closedAt: new Date(T0 + 29 * HOUR).toISOString(),
    });
    expect(sql(s.db, 'SELECT closed_by IS NOT NULL AS closed FROM incidents')).toEqual([{ closed: 1 }]);
  });

  it('once per incident: no missing alert when its failure was alerted; one when that failure was held', async () => {
    const s = await routingSetup({ BACKUP_ALERT_EXPECT: 'daily=26h,weekly=8d' });
    await s.run('ok.sh', { at: T0 });
    await s.run('ok.sh', { at: T0, type: 'weekly' });
    await s.run('fail.sh', { at: T0 + HOUR }); // alerted: the incident's news is out
    const first = await s.cli(['watch'], { at: T0 + 27 * HOUR });
    expect(first.stdout).toContain('No successful daily backup for 1d 3h');
    expect(first.stdout).toContain('[incident #1: already alerted]');
    await s.cli(['silence', 'add', '--type', 'weekly', '--for', '2h', '--reason', 'x'], { at: T0 + HOUR });
    await s.run('fail.sh', { at: T0 + 2 * HOUR, type: 'weekly' }); // held: nobody was told
    await s.cli(['watch'], { at: T0 + 9 * 24 * HOUR });
    expect(s.events().map((e) => `${e.event}:${e.type}`)).toEqual([
      'backup_failure:daily',
      'backup_missing:weekly',
    ]);
    expect(s.events()[1]).toMatchObject({ heldBySilence: 1, incident: { cause: 'failure', failedRuns: 1 } });
  });

  it('a type outside BACKUP_ALERT_TYPES is reported missing but not alerted', async () => {
    const s = await routingSetup({ BACKUP_ALERT_TYPES: 'daily' });
    const result = await s.cli(['watch', '--max-age', 'weekly=8d'], { at: T0 });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('type does not alert');
    expect(s.events()).toEqual([]);
  });

  it.each([
    [['watch', '--max-age', 'daily'], /invalid --max-age: "daily" is not type=duration/],
    [
      ['watch', '--max-age', 'Yearly=1d'],
      /invalid --max-age: "Yearly=1d": "Yearly" is neither a backup type .* nor a job name/,
    ],
    [['watch', '--max-age', 'daily=0'], /invalid --max-age: "daily=0" is not type=duration/],
    [['watch'], /nothing to watch: give --max-age/],
  ])('bad input %j: one line, exit 2, nothing written', async (args, message) => {
    const s = await routingSetup();
    const result = await s.cli(args);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(s.events()).toEqual([]);
  });

  it('spawned as cron runs it: exit 1 and the line on stdout when missing', async () => {
    const db = join(tempDir(), 'state', 'w.db');
    const result = await runCli(['watch', '--max-age', 'weekly=8d', '--db', db]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('✖ No successful weekly backup recorded on this host (max age 8d)');
    expect(result.stderr).toContain('[WARN] [Backup] No notification channel is configured');
  });
});
