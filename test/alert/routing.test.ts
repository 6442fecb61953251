import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { logLines } from '../helpers/cli.js';
import { readNotifications } from '../helpers/db.js';
import { scriptedServer } from '../helpers/http.js';
import { RUNBOOK_INSERT, routingSetup, sql } from '../helpers/routing.js';
import { startSmtpSink } from '../helpers/smtp.js';

/** The runbook's INSERT with its URL swapped for a live one (the only change). */
function runbookInsertFor(url: string, name = 'backup-alerts-slack'): string {
  return RUNBOOK_INSERT.replace('https://hooks.slack.com/services/T00000000/B00000000/XXXX', url).replace(
    "'backup-alerts-slack'",
    `'${name}'`,
  );
}

describe('registered channels (notification_channels, runbook §8.1.3)', () => {
  it('a channel registered with the runbook INSERT receives a failing run; the log row names it', async () => {
    const setup = await routingSetup();
    await setup.run('ok.sh'); // creates the database
    const slack = await scriptedServer([{ status: 200, body: 'ok' }], 'T0RUNBOOK/B0RUNBOOK/runbookSecret42');
    sql(setup.db, runbookInsertFor(slack.url));
    const result = await setup.run('fail.sh');
    expect(result.exitCode).toBe(3);
    expect(slack.requests).toHaveLength(1);
    const body = slack.json() as { text: string };
    expect(body.text).toMatch(/^【緊急】バックアップ失敗: [\w.-]+@[\w.-]+ BKP-\d{8}-\d{6}-daily/);
    // The env webhook still gets it too: registered channels are used beside the env ones.
    expect(setup.events().map((e) => e.event)).toEqual(['backup_failure']);
    const rows = readNotifications(setup.db);
    expect(rows.map((row) => [row.channel, row.channel_name, row.status])).toEqual([
      ['webhook', null, 'sent'],
      ['slack', 'backup-alerts-slack', 'sent'],
    ]);
    expect(rows[1]!.recipient).toMatch(/^backup-alerts-slack: http:\/\/127\.0\.0\.1:\d+\/…$/);
    expect(result.stderr).toMatch(
      /Failure alert sent to Slack \(backup-alerts-slack: http:\/\/127\.0\.0\.1:\d+\/…\)/,
    );
    // The registered URL is a secret: in no output, in no other table.
    expect(result.stdout + result.stderr).not.toContain(slack.token);
    const dump = JSON.stringify([
      sql(setup.db, 'SELECT * FROM notification_logs'),
      sql(setup.db, 'SELECT * FROM backup_audit_logs'),
      sql(setup.db, 'SELECT * FROM backup_logs'),
    ]);
    expect(dump).not.toContain(slack.token);
  });

  it('routes by notification type and backup type: several Slack channels, monthly to e-mail only', async () => {
    const smtp = await startSmtpSink();
    const setup = await routingSetup({
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(smtp.port),
      BACKUP_ALERT_NOTIFY_RECOVERY: 'true',
    });
    await setup.run('ok.sh');
    const failures = await scriptedServer([{ status: 200 }], 'T1/B1/failuresOnly');
    const everything = await scriptedServer([{ status: 200 }], 'T2/B2/everything');
    sql(setup.db, runbookInsertFor(failures.url, 'failures-only'));
    sql(
      setup.db,
      `INSERT INTO notification_channels (channel_name, channel_type, webhook_url, is_active)
       VALUES ('everything', 'slack', ?, 1)`,
      everything.url,
    );
    sql(
      setup.db,
      `INSERT INTO notification_channels (channel_name, channel_type, webhook_url, is_active, backup_types)
       VALUES ('monthly-mail', 'email', 'mailto:cto@example.com', 1, 'monthly')`,
    );
    await setup.run('fail.sh'); // daily failure: both Slack channels, not the monthly mail
    await setup.run('ok.sh'); // daily recovery: only the channel that takes every type
    await setup.run('fail.sh', { type: 'monthly' }); // monthly failure: all three
    const texts = (server: typeof failures) =>
      server.requests.map((r) => (JSON.parse(r.body) as { text: string }).text);
    expect(texts(failures)).toEqual([
      expect.stringMatching(/^【緊急】バックアップ失敗: .*-daily/),
      expect.stringMatching(/^【緊急】バックアップ失敗: .*-monthly/),
    ]);
    expect(texts(everything)).toEqual([
      expect.stringMatching(/-daily/),
      expect.stringMatching(/^【復旧】/),
      expect.stringMatching(/-monthly/),
    ]);
    const mails = await smtp.waitForMails(1);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.rcptTo).toEqual(['cto@example.com']);
    expect(mails[0]!.parsed.subject).toMatch(/-monthly$/);
  });

  it('a broken row is skipped with a [WARN] naming it; every other channel still sends', async () => {
    const setup = await routingSetup();
    await setup.run('ok.sh');
    const good = await scriptedServer([{ status: 200 }]);
    sql(setup.db, runbookInsertFor('not a url at all brokenSECRET', 'hand-made'));
    sql(setup.db, runbookInsertFor(good.url, 'good-one'));
    sql(
      setup.db,
      `INSERT INTO notification_channels (channel_name, channel_type, webhook_url, is_active, notification_types)
       VALUES ('typo', 'slack', ?, 1, 'backup_failur')`,
      good.url,
    );
    sql(
      setup.db,
      `INSERT INTO notification_channels (channel_name, channel_type, webhook_url, is_active)
       VALUES ('pager', 'discord', 'https://discord.example/hook', 1)`,
    );
    const result = await setup.run('fail.sh');
    expect(result.exitCode).toBe(3);
    const warnings = logLines(result.stderr).filter((line) => line.startsWith('[WARN] [Routing]'));
    expect(warnings).toEqual([
      '[WARN] [Routing] Registered channel "hand-made" (notification_channels id 1) is skipped: webhook_url is not a valid URL',
      expect.stringContaining(
        '"typo" (notification_channels id 3) is skipped: notification_types: "backup_failur" is not a notification type',
      ),
      expect.stringContaining(
        '"pager" (notification_channels id 4) is skipped: unknown channel_type "discord"',
      ),
    ]);
    expect(result.stderr).not.toContain('brokenSECRET');
    expect(good.requests).toHaveLength(1);
    expect(setup.events()).toHaveLength(1);
  });

  it('a disabled channel is not used; retry re-sends a registered channel through that same channel', async () => {
    const envSlack = await scriptedServer([{ status: 200, body: 'ok' }], 'T6/B6/envSlack');
    const setup = await routingSetup({ SLACK_WEBHOOK_URL: envSlack.url });
    await setup.run('ok.sh');
    const flaky = await scriptedServer([{ status: 503 }], 'T9/B9/flakyToken');
    const off = await scriptedServer([{ status: 200 }], 'T8/B8/offToken');
    sql(setup.db, runbookInsertFor(flaky.url, 'flaky'));
    sql(
      setup.db,
      `${runbookInsertFor(off.url, 'off').replace(/1,\n {2}'backup_failure'/, "0,\n  'backup_failure'")}`,
    );
    const result = await setup.run('fail.sh', { env: { BACKUP_ALERT_NOTIFY_TIMEOUT: '2s' } });
    expect(result.exitCode).toBe(3);
    expect(off.requests).toHaveLength(0);
    const pending = readNotifications(setup.db).find((row) => row.channel_name === 'flaky');
    expect(pending).toMatchObject({ status: 'pending', channel: 'slack' });
    flaky.script([{ status: 200, body: 'ok' }]);
    const before = setup.hook.requests.length;
    const retry = await setup.cli(['retry']);
    expect(retry.exitCode).toBe(0);
    expect(retry.stdout).toMatch(/✔ BKP-\S+ slack \(flaky: http:\/\/127\.0\.0\.1:\d+\/…\): sent/);
    // Sent through the registered channel, not the env webhook nor the env Slack.
    expect(setup.hook.requests.length).toBe(before);
    expect(envSlack.requests).toHaveLength(1); // the failure itself; the re-send did not come here
    expect(flaky.requests.at(-1)?.body).toContain('遅延送信');
    expect(readNotifications(setup.db).find((row) => row.id === pending!.id)?.status).toBe('sent');
    expect(readFileSync(setup.db).includes(Buffer.from('flakyToken'))).toBe(true); // at rest, by the runbook's design
  });
});

describe('registered targets are secrets of the redactor', () => {
  it('once the registry is read, a registered URL is masked in any log line', async () => {
    const { registeredChannels } = await import('../../src/alert/routing.js');
    const { notifyFixture } = await import('../helpers/http.js');
    const fixture = notifyFixture({});
    const url = 'https://hooks.slack.com/services/T0/B0/maskMeToken123';
    const rows = [
      {
        id: 1,
        channel_name: 'ops',
        channel_type: 'slack',
        webhook_url: url,
        is_active: 1,
        notification_types: null,
        backup_types: null,
        created_at: 'x',
      },
      {
        id: 2,
        channel_name: 'phones',
        channel_type: 'apprise',
        webhook_url: 'ntfy://ntfy.example.com/topicSecret9 tgram://bot123:tokenSecret8/chat',
        is_active: 1,
        notification_types: null,
        backup_types: null,
        created_at: 'x',
      },
    ];
    registeredChannels({ ...fixture, journal: { channels: { list: () => rows } } });
    fixture.logger.error(
      'Test',
      `failed: ${url} and ntfy://ntfy.example.com/topicSecret9 and tgram://bot123:tokenSecret8/chat`,
    );
    const line = fixture.log.join('');
    expect(line).toBe('[ERROR] [Test] failed: *** and *** and ***\n');
  });
});
