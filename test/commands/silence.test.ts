import { describe, expect, it } from 'vitest';
import { readRuns } from '../helpers/db.js';
import { scriptedServer } from '../helpers/http.js';
import { HOUR, routingSetup, sql } from '../helpers/routing.js';
import { startSmtpSink } from '../helpers/smtp.js';

const T0 = Date.parse('2026-05-01T03:00:00.000Z');
const at = (hours: number) => T0 + hours * HOUR;

describe('backup-alert silence', () => {
  it('failures during a silence are recorded and counted, not sent; the first alert after says how many', async () => {
    const smtp = await startSmtpSink();
    const s = await routingSetup({
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(smtp.port),
      BACKUP_ALERT_EMAIL: 'ops@example.com',
    });
    await s.run('ok.sh', { at: at(0) });
    const add = await s.cli(
      ['silence', 'add', '--type', 'daily', '--for', '4h', '--reason', 'storage migration'],
      {
        at: at(1),
      },
    );
    expect(add).toMatchObject({
      exitCode: 0,
      stdout: 'Silence #1: daily alerts held until 2026-05-01T08:00:00.000Z (4h): storage migration\n',
    });
    const held = await s.run('fail.sh', { at: at(2) });
    expect(held.exitCode).toBe(3); // the run's outcome is untouched
    expect(held.stderr).toContain(
      '[INFO] [Silence] Failure alert for BKP-20260501-050000-daily (daily) held: daily is silenced until 2026-05-01T08:00:00.000Z (silence #1: storage migration)',
    );
    await s.run('fail.sh', { at: at(3) });
    // Another type is not silenced.
    await s.run('fail.sh', { at: at(3), type: 'weekly' });
    expect(s.events().map((e) => `${e.event}:${e.type}`)).toEqual(['backup_failure:weekly']);
    expect(readRuns(s.db).filter((r) => r.status === 'failure')).toHaveLength(3);
    const list = await s.cli(['silence', 'list'], { at: at(3) });
    expect(list.stdout).toContain(
      '1   daily  active  2026-05-01 08:00:00  2h    2     tester  storage migration',
    );
    // The silence ends by itself at 08:00; the next failure goes out, saying 2 were held.
    await s.run('fail.sh', { at: at(6) });
    const daily = s.events().filter((e) => e.type === 'daily');
    expect(daily).toHaveLength(1);
    expect(daily[0]).toMatchObject({
      event: 'backup_failure',
      heldBySilence: 2,
      incident: { failedRuns: 3 },
    });
    const mails = await smtp.waitForMails(2);
    expect(mails[1]!.parsed.text).toContain('サイレンス中に保留された通知: 2\n');
    // Said once: the next alert does not repeat it.
    await s.run('fail.sh', { at: at(7) });
    expect(
      s
        .events()
        .filter((e) => e.type === 'daily')
        .at(-1)?.heldBySilence,
    ).toBeUndefined();
  });

  it('after a silence ends, two failing runs at once: only one of them says how many were held', async () => {
    // A slow receiver keeps each run's delivery in flight while the other decides.
    const hook = await scriptedServer([{ status: 200, delayMs: 400 }]);
    const s = await routingSetup({ BACKUP_ALERT_WEBHOOK_URL: hook.url });
    await s.run('ok.sh', { at: at(0) });
    const add = await s.cli(['silence', 'add', '--type', 'daily', '--for', '1h', '--reason', 'window'], {
      at: at(0.1),
    });
    expect(add.exitCode).toBe(0);
    await s.run('fail.sh', { at: at(0.5) });
    expect(hook.requests.map((r) => r.body)).toEqual([]);
    await Promise.all([s.run('fail.sh', { at: at(2) }), s.run('fail.sh', { at: at(2) })]);
    const events = hook.requests.map((request) => JSON.parse(request.body) as { heldBySilence?: number });
    expect(events).toHaveLength(2);
    expect(events.filter((event) => event.heldBySilence !== undefined)).toEqual([
      { ...events.find((e) => e.heldBySilence), heldBySilence: 1 },
    ]);
  });

  it('remove ends it now (audited with the user); list --all shows it; reminders wait for the end', async () => {
    const s = await routingSetup({ BACKUP_ALERT_REMIND: '1h' });
    await s.run('fail.sh', { at: at(0) });
    await s.cli(['silence', 'add', '--type', 'daily', '--for', '1d', '--reason', 'vendor window'], {
      at: at(0.5),
    });
    await s.cli(['watch'], { at: at(2) }); // reminder due, but silenced: deferred, not counted
    expect(s.events().map((e) => e.event)).toEqual(['backup_failure']);
    const removed = await s.cli(['silence', 'remove', '1'], { at: at(3) });
    expect(removed).toMatchObject({
      exitCode: 0,
      stdout: 'Silence #1 (daily) ended; 0 alert(s) were held (the next daily alert says so)\n',
    });
    expect((await s.cli(['silence', 'list'], { at: at(3) })).stdout).toBe('No silence in force.\n');
    expect((await s.cli(['silence', 'list', '--all'], { at: at(3) })).stdout).toContain('removed');
    await s.cli(['watch'], { at: at(3) });
    expect(s.events().map((e) => e.event)).toEqual(['backup_failure', 'backup_reminder']);
    const audit = sql(
      s.db,
      "SELECT operation, username, status FROM backup_audit_logs WHERE operation LIKE 'silence%' ORDER BY id",
    );
    expect(audit).toEqual([
      { operation: 'silence_add', username: 'tester', status: 'success' },
      { operation: 'silence_remove', username: 'tester', status: 'success' },
    ]);
  });

  it('a missing backup during a silence: counted once, then alerted when the silence ends', async () => {
    const s = await routingSetup({ BACKUP_ALERT_EXPECT: 'daily=26h' });
    await s.run('ok.sh', { at: at(0) });
    await s.cli(['silence', 'add', '--type', 'daily', '--for', '10h', '--reason', 'host move'], {
      at: at(20),
    });
    for (const hours of [27, 28, 29]) expect((await s.cli(['watch'], { at: at(hours) })).exitCode).toBe(1);
    expect(s.events()).toEqual([]);
    await s.cli(['watch'], { at: at(31) });
    expect(s.events()).toMatchObject([{ event: 'backup_missing', heldBySilence: 1 }]);
  });

  it.each([
    [['--type', 'daily', '--for', '0', '--reason', 'x'], /invalid --for "0"/],
    [['--type', 'daily', '--for', 'soon', '--reason', 'x'], /invalid --for "soon"/],
    [['--type', 'daily', '--for', '31d', '--reason', 'x'], /at most 30d/],
    [['--type', 'daily', '--for', '1h', '--reason', '  '], /--reason must say why/],
    [['--type', 'yearly', '--for', '1h', '--reason', 'x'], /argument 'yearly' is invalid/],
    [['--type', 'monthly', '--for', '1h', '--reason', 'x'], /no monthly backup has ever run here/],
  ])('bad input %j: one clear line, exit 2, nothing written', async (args, message) => {
    const s = await routingSetup();
    await s.run('ok.sh', { at: at(0) });
    const result = await s.cli(['silence', 'add', ...args], { at: at(1) });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(sql(s.db, 'SELECT COUNT(*) AS n FROM silences')).toEqual([{ n: 0 }]);
    expect(sql(s.db, "SELECT COUNT(*) AS n FROM backup_audit_logs WHERE operation LIKE 'silence%'")).toEqual([
      { n: 0 },
    ]);
  });

  it('a type BACKUP_ALERT_EXPECT expects may be silenced before its first run; remove of an unknown ID is exit 2', async () => {
    const s = await routingSetup({ BACKUP_ALERT_EXPECT: 'monthly=32d' });
    expect(
      (await s.cli(['silence', 'add', '--type', 'monthly', '--for', '2h', '--reason', 'x'])).exitCode,
    ).toBe(0);
    const unknown = await s.cli(['silence', 'remove', '9']);
    expect(unknown).toMatchObject({ exitCode: 2, stderr: expect.stringMatching(/no silence #9 in force/) });
    expect((await s.cli(['silence', 'remove', 'abc'])).exitCode).toBe(2);
  });

  it('a known secret in the reason is masked in the table, the audit row and the output', async () => {
    const s = await routingSetup({ BACKUP_ALERT_EXPECT: 'daily=26h', SMTP_PASSWORD: 'Pw-hunter-2026' });
    const add = await s.cli([
      'silence',
      'add',
      '--type',
      'daily',
      '--for',
      '1h',
      '--reason',
      'rotating Pw-hunter-2026 now',
    ]);
    expect(add.exitCode).toBe(0);
    const list = await s.cli(['silence', 'list']);
    const stored = JSON.stringify([
      sql(s.db, 'SELECT * FROM silences'),
      sql(s.db, 'SELECT * FROM backup_audit_logs'),
    ]);
    for (const text of [add.stdout, add.stderr, list.stdout, stored])
      expect(text).not.toContain('Pw-hunter-2026');
    expect(list.stdout).toContain('rotating *** now');
  });

  it('the reason is kept on one line (it goes into log lines and tables)', async () => {
    const s = await routingSetup({ BACKUP_ALERT_EXPECT: 'daily=26h' });
    await s.cli([
      'silence',
      'add',
      '--type',
      'daily',
      '--for',
      '1h',
      '--reason',
      'disk swap\n[ERROR] [Backup] forged',
    ]);
    expect(sql(s.db, 'SELECT reason FROM silences')).toEqual([
      { reason: 'disk swap [ERROR] [Backup] forged' },
    ]);
  });
});
