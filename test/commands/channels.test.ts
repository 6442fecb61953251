import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNotifications } from '../helpers/db.js';
import { scriptedServer } from '../helpers/http.js';
import { routingSetup, sql } from '../helpers/routing.js';

const TOKEN_URL = 'https://hooks.slack.com/services/T0AAA/B0BBB/addSecretToken99';

async function setup() {
  const s = await routingSetup();
  const count = (table: string) => (sql(s.db, `SELECT COUNT(*) AS n FROM ${table}`)[0] as { n: number }).n;
  return { ...s, count };
}

describe('backup-alert channels', () => {
  it('add, list, disable, enable, remove: targets redacted, every change audited with the user', async () => {
    const s = await setup();
    const add = await s.cli(['channels', 'add', 'ops-slack', '--type', 'slack', '--url', TOKEN_URL]);
    expect(add).toMatchObject({
      exitCode: 0,
      stdout:
        'Added channel ops-slack (slack → https://hooks.slack.com/…; notifications: all; backup types: all)\n',
    });
    const urlFile = join(s.dir, 'mail.url');
    writeFileSync(urlFile, 'mailto:cto@example.com, cfo@example.com\n');
    const mail = await s.cli([
      'channels',
      'add',
      'monthly-mail',
      '--type',
      'email',
      '--url-file',
      urlFile,
      '--backup-types',
      'monthly',
      '--notify',
      'backup_failure,backup_missing',
    ]);
    expect(mail.exitCode).toBe(0);
    expect((await s.cli(['channels', 'disable', 'ops-slack'])).stdout).toBe('Channel ops-slack disabled\n');
    const list = await s.cli(['channels', 'list']);
    expect(list.exitCode).toBe(0);
    expect(list.stdout.replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/g, 'TIME')).toMatchInlineSnapshot(`
      "NAME          TYPE   ACTIVE  NOTIFICATIONS                  BACKUP TYPES  TARGET                           CREATED (UTC)
      ops-slack     slack  no      all                            all           https://hooks.slack.com/…        TIME
      monthly-mail  email  yes     backup_failure,backup_missing  monthly       cto@example.com,cfo@example.com  TIME
      Also configured by the environment: webhook
      "
    `);
    const json = JSON.parse((await s.cli(['channels', 'list', '--json'])).stdout) as Array<{
      name: string;
      target: string;
    }>;
    expect(json.map((c) => [c.name, c.target])).toEqual([
      ['ops-slack', 'https://hooks.slack.com/…'],
      ['monthly-mail', 'cto@example.com,cfo@example.com'],
    ]);
    expect((await s.cli(['channels', 'enable', 'ops-slack'])).exitCode).toBe(0);
    expect((await s.cli(['channels', 'remove', 'ops-slack'])).stdout).toBe('Removed channel ops-slack\n');
    expect(s.count('notification_channels')).toBe(1);
    const audit = sql(
      s.db,
      "SELECT operation, username, details FROM backup_audit_logs WHERE operation LIKE 'channel%' ORDER BY id",
    ) as Array<{
      operation: string;
      username: string;
      details: string;
    }>;
    expect(audit.map((row) => [row.operation, row.username])).toEqual([
      ['channel_add', 'tester'],
      ['channel_add', 'tester'],
      ['channel_disable', 'tester'],
      ['channel_enable', 'tester'],
      ['channel_remove', 'tester'],
    ]);
    // The token is stored (the runbook's design) but printed and audited nowhere.
    const everything = [add, mail, list].map((r) => r.stdout + r.stderr).join('') + JSON.stringify(audit);
    expect(everything).not.toContain('addSecretToken99');
  });

  it('`channels` alone lists', async () => {
    const s = await setup();
    expect((await s.cli(['channels'])).stdout).toContain('No registered channel');
  });

  it.each([
    [
      'an unknown channel type',
      ['add', 'x', '--type', 'discord', '--url', TOKEN_URL],
      /argument 'discord' is invalid/,
    ],
    [
      'a malformed URL',
      ['add', 'x', '--type', 'slack', '--url', 'hooks.slack.com/T0/secretPart'],
      /invalid target for a slack channel: it is not a valid URL/,
    ],
    [
      'a non-http URL',
      ['add', 'x', '--type', 'webhook', '--url', 'ftp://h/secretPart'],
      /must be an http:\/\/ or https:\/\/ URL/,
    ],
    [
      'a bad address',
      ['add', 'x', '--type', 'email', '--url', 'mailto:nobody'],
      /"nobody" is not a valid e-mail address/,
    ],
    [
      'a bad Apprise list',
      ['add', 'x', '--type', 'apprise', '--url', 'ntfy://ok/topic secretPart'],
      /not a list of Apprise URLs/,
    ],
    [
      'an unknown notification type',
      ['add', 'x', '--type', 'slack', '--url', TOKEN_URL, '--notify', 'backup_failur'],
      /invalid --notify: "backup_failur" is not a notification type/,
    ],
    [
      'an unknown backup type',
      ['add', 'x', '--type', 'slack', '--url', TOKEN_URL, '--backup-types', 'hourly'],
      /invalid --backup-types: "hourly" is not a backup type/,
    ],
    ['no target', ['add', 'x', '--type', 'slack'], /exactly one of --url URL or --url-file PATH/],
    [
      'a bad name',
      ['add', 'bad name', '--type', 'slack', '--url', TOKEN_URL],
      /channel name "bad name" must be/,
    ],
    ['removing an unknown channel', ['remove', 'nope'], /no channel named "nope"/],
    ['enabling an unknown channel', ['enable', 'nope'], /no channel named "nope"/],
  ])('%s: one clear line, exit 2, nothing written', async (_what, args, message) => {
    const s = await setup();
    await s.run('ok.sh');
    const auditBefore = s.count('backup_audit_logs');
    const result = await s.cli(['channels', ...args]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.split('\n').filter(Boolean).length).toBeLessThanOrEqual(2);
    expect(result.stderr).not.toContain('secretPart');
    expect(result.stderr).not.toContain('addSecretToken99');
    expect(s.count('notification_channels')).toBe(0);
    expect(s.count('backup_audit_logs')).toBe(auditBefore);
  });

  it('a duplicate name: exit 2, the first channel untouched', async () => {
    const s = await setup();
    expect((await s.cli(['channels', 'add', 'ops', '--type', 'slack', '--url', TOKEN_URL])).exitCode).toBe(0);
    const again = await s.cli([
      'channels',
      'add',
      'ops',
      '--type',
      'webhook',
      '--url',
      'https://example.com/x',
    ]);
    expect(again).toMatchObject({
      exitCode: 2,
      stderr: 'backup-alert: a channel named "ops" already exists\n',
    });
    expect(sql(s.db, 'SELECT channel_type FROM notification_channels')).toEqual([{ channel_type: 'slack' }]);
  });

  it('test sends a marked test through that one channel, records it and audits it', async () => {
    const s = await setup();
    const target = await scriptedServer([{ status: 200, body: 'ok' }], 'T7/B7/testSecret77');
    await s.cli(['channels', 'add', 'ops', '--type', 'slack', '--url', target.url, '--disabled']);
    const result = await s.cli(['channels', 'test', 'ops']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^✔ ops: http:\/\/127\.0\.0\.1:\d+\/…: sent \(1 attempt\)\n$/);
    expect(target.requests[0]!.body).toContain('【テスト】');
    expect(s.hook.requests).toHaveLength(0); // only that channel
    expect(
      readNotifications(s.db).map((row) => [row.notification_type, row.channel_name, row.status]),
    ).toEqual([['backup_test', 'ops', 'sent']]);
    target.script([{ status: 404, body: 'no_service' }]);
    const failed = await s.cli(['channels', 'test', 'ops']);
    expect(failed.exitCode).toBe(1);
    expect(failed.stdout).toMatch(/^✖ ops: .*HTTP 404/);
    expect(failed.stdout + failed.stderr).not.toContain(target.token);
    const audit = sql(
      s.db,
      "SELECT status FROM backup_audit_logs WHERE operation = 'channel_test' ORDER BY id",
    );
    expect(audit).toEqual([{ status: 'success' }, { status: 'failure' }]);
  });
});

describe('doctor and the registry', () => {
  it('a registered channel counts as a channel; a broken row is a warning naming it', async () => {
    const s = await routingSetup();
    const env = { BACKUP_ALERT_WEBHOOK_URL: '' };
    await s.cli(['channels', 'add', 'ops', '--type', 'slack', '--url', TOKEN_URL], { env });
    const ok = await s.cli(['doctor', '--json'], { env });
    const channels = (JSON.parse(ok.stdout) as Array<{ id: string; status: string; detail: string }>).find(
      (check) => check.id === 'channels',
    );
    expect(channels).toMatchObject({ status: 'ok', detail: 'registered ops (slack)' });
    sql(
      s.db,
      "INSERT INTO notification_channels (channel_name, channel_type, webhook_url, is_active) VALUES ('bad', 'slack', 'nope', 1)",
    );
    const warned = await s.cli(['doctor', '--json'], { env });
    const check = (JSON.parse(warned.stdout) as Array<{ id: string; status: string; detail: string }>).find(
      (c) => c.id === 'channels',
    );
    expect(check).toMatchObject({ status: 'warn' });
    expect(check!.detail).toContain(
      'broken registered channel(s), skipped: bad (webhook_url is not a valid URL)',
    );
    expect(warned.stdout).not.toContain('addSecretToken99');
  });
});
