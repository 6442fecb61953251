import { describe, expect, it } from 'vitest';
import { readNotifications } from '../../helpers/db.js';
import { type ScriptedServer, scriptedServer } from '../../helpers/http.js';
import { routingSetup } from '../../helpers/routing.js';

/** The scripted server as an Apprise target: Apprise's json:// posts a JSON body there. */
const jsonUrl = (server: ScriptedServer) => server.url.replace(/^http:/, 'json:');

interface AppriseBody {
  title: string;
  message: string;
  type: string;
}

describe('the Apprise bridge (the real apprise command)', () => {
  it('hands a failing run to apprise, which posts it to a json:// target; sent, the URL never printed', async () => {
    const target = await scriptedServer([{ status: 200 }], 'apprise/targetSecret55');
    const s = await routingSetup({ BACKUP_ALERT_APPRISE_URLS: jsonUrl(target) });
    const result = await s.run('fail.sh');
    expect(result.exitCode).toBe(3);
    expect(target.requests).toHaveLength(1);
    expect(target.requests[0]!.path).toBe('/services/apprise/targetSecret55');
    const body = target.json() as AppriseBody;
    expect(body.type).toBe('failure');
    expect(body.title).toMatch(/^【緊急】バックアップ失敗: [\w.-]+@[\w.-]+ BKP-\d{8}-\d{6}-daily$/);
    expect(body.message).toContain(
      '【緊急】バックアップ処理が失敗しました: daily@test-host\n\nバックアップID: BKP-',
    );
    expect(body.message).toContain('エラー内容: Backup script failed with exit code 3: disk full\n');
    const row = readNotifications(s.db).find((n) => n.channel === 'apprise');
    expect(row).toMatchObject({
      status: 'sent',
      recipient: expect.stringMatching(/^json:\/\/127\.0\.0\.1:\d+\/…$/),
    });
    expect(result.stderr).toMatch(/Failure alert sent to Apprise \(json:\/\/127\.0\.0\.1:\d+\/…\)/);
    expect(result.stdout + result.stderr + JSON.stringify(readNotifications(s.db))).not.toContain(
      'targetSecret55',
    );
  });

  it('a target that refuses: apprise exits 1, recorded with its reason and kept for retry', async () => {
    const target = await scriptedServer([{ status: 500 }], 'apprise/refusedSecret');
    const s = await routingSetup({ BACKUP_ALERT_APPRISE_URLS: jsonUrl(target) });
    await s.run('fail.sh');
    const row = readNotifications(s.db).find((n) => n.channel === 'apprise');
    expect(row).toMatchObject({ status: 'pending' });
    expect(row!.error_message).toMatch(
      /^apprise exited with status 1: WARNING - Failed to send JSON POST notification/,
    );
    expect(row!.error_message).not.toContain('refusedSecret');
    target.script([{ status: 200 }]);
    expect((await s.cli(['retry'])).exitCode).toBe(0);
    expect((target.json(1) as AppriseBody).message).toContain('遅延送信');
  });

  it('a registered apprise channel (several URLs) and the missing kind as a warning', async () => {
    const a = await scriptedServer([{ status: 200 }], 'a/one');
    const b = await scriptedServer([{ status: 200 }], 'b/two');
    const s = await routingSetup();
    const add = await s.cli([
      'channels',
      'add',
      'phones',
      '--type',
      'apprise',
      '--url',
      `${jsonUrl(a)} ${jsonUrl(b)}`,
    ]);
    expect(add.stdout).toMatch(
      /^Added channel phones \(apprise → json:\/\/127\.0\.0\.1:\d+\/…,json:\/\/127\.0\.0\.1:\d+\/…;/,
    );
    await s.cli(['watch', '--max-age', 'daily=1d']);
    expect((a.json() as AppriseBody).title).toBe('【警告】バックアップ未実行: daily@test-host');
    expect((b.json() as AppriseBody).type).toBe('failure');
  });
});
