import { describe, expect, it } from 'vitest';
import { deliveredAt, reminderDue } from '../../src/alert/incidents.js';
import type { IncidentRow } from '../../src/store/routing-rows.js';
import { HOUR, routingSetup } from '../helpers/routing.js';
import { startSmtpSink } from '../helpers/smtp.js';

const T0 = Date.parse('2026-04-01T03:00:00.000Z');
const at = (hours: number) => T0 + hours * HOUR;

describe('reminders (BACKUP_ALERT_REMIND, injected clock)', () => {
  it('4h,24h: due 4h after the alert, then every 24h (the last gap repeats); each says since when and how many failed', async () => {
    const s = await routingSetup({ BACKUP_ALERT_REMIND: '4h,24h' });
    await s.run('fail.sh', { at: at(0) });
    await s.run('fail.sh', { at: at(1) });
    const watch = (hours: number) => s.cli(['watch'], { at: at(hours) });
    await watch(4.9); // 3.9h after the second failure alert: not due
    expect(s.events().map((e) => e.event)).toEqual(['backup_failure', 'backup_failure']);
    await watch(5); // 4h after the latest alert
    await watch(6);
    await watch(28.9);
    await watch(29); // 24h after the first reminder
    await watch(53); // and again: the last gap repeats
    const reminders = s.events().filter((e) => e.event === 'backup_reminder');
    expect(reminders.map((e) => e.incident?.reminder)).toEqual([1, 2, 3]);
    expect(reminders[0]).toMatchObject({
      id: 'incident-1:backup_reminder:1',
      subject: '【再通知】バックアップ障害継続中: daily@test-host',
      type: 'daily',
      error: 'Backup script failed with exit code 3: disk full',
      incident: { id: 1, cause: 'failure', openedAt: new Date(at(0)).toISOString(), failedRuns: 2 },
    });
  });

  it('run sends due reminders too, and a success ends them', async () => {
    const s = await routingSetup({ BACKUP_ALERT_REMIND: '4h' });
    await s.run('fail.sh', { at: at(0) });
    await s.run('fail.sh', { at: at(5), type: 'weekly' }); // another type's run: daily's reminder is due
    expect(s.events().map((e) => `${e.event}:${e.type}`)).toEqual([
      'backup_failure:daily',
      'backup_failure:weekly',
      'backup_reminder:daily',
    ]);
    await s.run('ok.sh', { at: at(6) });
    await s.cli(['watch'], { at: at(20) });
    expect(s.events().filter((e) => e.event === 'backup_reminder' && e.type === 'daily')).toHaveLength(1);
  });

  it('none by default', async () => {
    const s = await routingSetup({ BACKUP_ALERT_EXPECT: 'weekly=8d' });
    await s.run('fail.sh', { at: at(0) });
    await s.cli(['watch'], { at: at(100) });
    expect(s.events().map((e) => e.event)).toEqual(['backup_failure', 'backup_missing']);
  });

  it('due again only after the previous one was delivered: a pending reminder holds the next back', async () => {
    const s = await routingSetup({ BACKUP_ALERT_REMIND: '4h', BACKUP_ALERT_NOTIFY_TIMEOUT: '2s' });
    await s.run('fail.sh', { at: at(0) });
    s.hook.script([{ status: 503 }]);
    await s.cli(['watch'], { at: at(4) }); // reminder 1: not delivered, kept pending
    await s.cli(['watch'], { at: at(9) }); // 5h later: still pending, so no reminder 2
    const tries = () => s.hook.requests.map((r) => (JSON.parse(r.body) as { event: string }).event);
    expect(tries().filter((event) => event === 'backup_reminder').length).toBeGreaterThan(0);
    const reminderTries = tries().filter((event) => event === 'backup_reminder').length;
    s.hook.script([{ status: 200 }]);
    await s.cli(['retry'], { at: at(10) }); // delivered at 10h
    await s.cli(['watch'], { at: at(13.9) }); // 3.9h after delivery: not due
    const reminders = () => s.events().filter((e) => e.event === 'backup_reminder');
    expect(reminders().length).toBe(reminderTries + 1);
    await s.cli(['watch'], { at: at(14) }); // 4h after delivery
    expect(
      reminders()
        .map((e) => e.incident?.reminder)
        .at(-1),
    ).toBe(2);
  });

  it('in English too, by e-mail', async () => {
    const smtp = await startSmtpSink();
    const s = await routingSetup({
      BACKUP_ALERT_REMIND: '1h',
      BACKUP_ALERT_LANG: 'en',
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(smtp.port),
      BACKUP_ALERT_EMAIL: 'ops@example.com',
    });
    await s.run('fail.sh', { at: at(0) });
    await s.cli(['watch'], { at: at(1) });
    const mails = await smtp.waitForMails(2);
    expect(mails[1]!.parsed.subject).toBe('[REMINDER] Backup still failing: daily@test-host');
    expect(mails[1]!.parsed.text).toContain(
      `Incident open since: ${new Date(at(0)).toISOString()}\nFailed runs in this incident: 1\nReminder: #1\n`,
    );
  });
});

describe('reminder clock (pure)', () => {
  const row = (patch: Partial<IncidentRow>): IncidentRow => ({
    id: 1,
    host: 'h',
    job: 'daily',
    type: 'daily',
    cause: 'failure',
    opened_at: '2026-01-01T00:00:00.000Z',
    first_backup_id: null,
    last_backup_id: null,
    failed_runs: 1,
    missing_alerted_at: null,
    reminders_sent: 0,
    last_alert_at: '2026-01-01T00:00:00.000Z',
    closed_at: null,
    closed_by: null,
    storm_id: null,
    ...patch,
  });
  const deliveries = (list: Array<{ status: 'sent' | 'failed' | 'pending'; sent_at: string | null }>) => ({
    latestAlertDeliveries: () => list,
  });

  it('counts from the latest delivery; pending means not yet; failed for good counts from the try', () => {
    expect(deliveredAt(row({}), deliveries([{ status: 'sent', sent_at: '2026-01-01T02:00:00.000Z' }]))).toBe(
      '2026-01-01T02:00:00.000Z',
    );
    expect(deliveredAt(row({}), deliveries([{ status: 'pending', sent_at: 'x' }]))).toBeUndefined();
    expect(deliveredAt(row({}), deliveries([{ status: 'failed', sent_at: 'x' }]))).toBe(
      '2026-01-01T00:00:00.000Z',
    );
    expect(deliveredAt(row({ last_alert_at: null }), deliveries([]))).toBe('2026-01-01T00:00:00.000Z');
  });

  it('the n-th gap, then the last one again', () => {
    const since = '2026-01-01T00:00:00.000Z';
    const gaps = [4 * HOUR, 24 * HOUR];
    const due = (sent: number, hours: number) =>
      reminderDue({ reminders_sent: sent }, gaps, since, new Date(Date.parse(since) + hours * HOUR));
    expect([due(0, 3.99), due(0, 4), due(1, 23.9), due(1, 24), due(5, 24)]).toEqual([
      false,
      true,
      false,
      true,
      true,
    ]);
    expect(reminderDue({ reminders_sent: 0 }, [], since, new Date(Date.parse(since) + 1e9))).toBe(false);
  });
});
