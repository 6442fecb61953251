import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { falseSuccessSetup, seedSizes } from '../helpers/artifact.js';
import { runMain } from '../helpers/cli.js';
import { readNotifications } from '../helpers/db.js';
import { scriptedServer } from '../helpers/http.js';

/** Five earlier daily successes around 1000 bytes: median 1000. */
const HISTORY = [1000, 1100, 900, 1000, 1050];
/** Newest first, as the message lists them. */
const RECENT = '1.0 KiB, 1000 B, 900 B, 1.1 KiB, 1000 B';

/** A run writing `bytes` bytes to `<dir>/db.dump`, checked with --artifact, plus `args`. */
async function sizedRun(extraEnv: Record<string, string> = {}, history: readonly number[] = HISTORY) {
  const setup = await falseSuccessSetup(extraEnv);
  seedSizes(setup.db, history);
  const out = join(setup.dir, 'db.dump');
  const write = (bytes: number, args: string[] = [], env: Record<string, string> = {}) =>
    setup.run(`head -c ${bytes} /dev/zero > '${out}'`, ['--artifact', out, ...args], env);
  return { ...setup, out, write };
}

describe('artifact size against the last 7 successes of the type', () => {
  it('a drop of more than 50 % stays a success and sends a backup_suspect warning (e-mail, webhook)', async () => {
    const hook = await scriptedServer([{ status: 200 }]);
    const { sink, db, out, write, lastRun } = await sizedRun({ BACKUP_ALERT_WEBHOOK_URL: hook.url });
    const result = await write(100);
    expect(result.exitCode).toBe(0);
    const run = lastRun();
    expect(run).toMatchObject({ status: 'success', exit_code: 0, error_message: null, artifact_bytes: 100 });
    const finding = `Backup artifact much smaller than usual: ${out} (100 B, 90 % below the median of the last 5 successful runs, 1000 B)`;
    expect(result.stderr).toContain(
      `[WARN] [Backup] Backup ${run.backup_id} (daily) succeeded, but: ${finding}`,
    );

    const [mail] = await sink.waitForMails(1);
    expect(mail!.parsed.subject).toBe(`【注意】バックアップ容量の急減: daily@test-host ${run.backup_id}`);
    const text = mail!.parsed.text!;
    expect(text).toContain(`\nエラー内容: ${finding}\n`);
    expect(text).toContain(`\n成果物: ${out} (100 B, 100 bytes)\n`);
    expect(text).toContain('\n直近5回の成功の中央値: 1000 B\n');
    expect(text).toContain(`\n直近の容量: ${RECENT}\n`);
    // The runbook §5.2 lines keep their order around what we add.
    expect(text.indexOf('バックアップID:')).toBeLessThan(text.indexOf('エラー内容:'));
    expect(text.indexOf('エラー内容:')).toBeLessThan(text.indexOf('成果物:'));
    expect(mail!.parsed.html).toContain('#b45309'); // the amber heading, not the failure's red

    expect(hook.json()).toMatchObject({
      event: 'backup_suspect',
      id: `${run.backup_id}:backup_suspect`,
      error: finding,
      artifactPath: out,
      artifactBytes: 100,
      size: {
        direction: 'drop',
        bytes: 100,
        medianBytes: 1000,
        changePercent: -90,
        recentBytes: [1050, 1000, 900, 1100, 1000],
      },
    });
    expect(readNotifications(db).map((n) => [n.notification_type, n.channel, n.status])).toEqual([
      ['backup_suspect', 'email', 'sent'],
      ['backup_suspect', 'webhook', 'sent'],
    ]);
  });

  it('--on-suspect fail makes it a failure, exit 65, alerted as one with the sizes', async () => {
    const { sink, out, write, lastRun } = await sizedRun();
    const result = await write(100, ['--on-suspect', 'fail']);
    expect(result.exitCode).toBe(65);
    const finding = `Backup artifact much smaller than usual: ${out} (100 B, 90 % below the median of the last 5 successful runs, 1000 B)`;
    expect(lastRun()).toMatchObject({
      status: 'failure',
      exit_code: 65,
      error_message: finding,
      artifact_bytes: 100,
    });
    const [mail] = await sink.waitForMails(1);
    expect(mail!.parsed.subject).toBe(`【緊急】バックアップ失敗: daily@test-host ${lastRun().backup_id}`);
    expect(mail!.parsed.text).toContain(`\nエラー内容: ${finding}\n`);
    expect(mail!.parsed.text).toContain(`\n直近の容量: ${RECENT}\n`);
  });

  it('a size within the threshold, or fewer than 3 earlier sizes, is no news', async () => {
    const within = await sizedRun();
    expect((await within.write(600, ['--on-suspect', 'fail'])).exitCode).toBe(0); // −40 %
    expect(within.sink.mails).toEqual([]);

    const young = await sizedRun({}, [1000, 1000]);
    const result = await young.write(1, ['--on-suspect', 'fail']);
    expect(result).toMatchObject({ exitCode: 0, stderr: '' });
    expect(young.sink.mails).toEqual([]);
  });

  it('only successes with a size count: failures and runs without --artifact are not "usual"', async () => {
    const { db, write, sink, lastRun } = await sizedRun({}, [1000, 1000]);
    // A failed run with a tiny artifact, and a success without one, in between.
    await write(0);
    expect(lastRun().status).toBe('failure');
    await runMain(['run', '--type', 'daily', '--quiet', '--script', '/bin/true', '--db', db], {
      env: { NODE_ENV: 'test' },
    });
    sink.mails.length = 0;
    expect((await write(10, ['--on-suspect', 'fail'])).exitCode).toBe(0); // still only 2 earlier sizes
  });

  it('BACKUP_ALERT_SIZE_GROWTH (off by default) warns of a sudden growth: 【注意】バックアップ容量の急増', async () => {
    const quiet = await sizedRun();
    expect((await quiet.write(50_000)).exitCode).toBe(0);
    expect(quiet.sink.mails).toEqual([]);

    const { sink, write, lastRun } = await sizedRun({ BACKUP_ALERT_SIZE_GROWTH: '100%' });
    expect((await write(2500)).exitCode).toBe(0);
    const [mail] = await sink.waitForMails(1);
    expect(mail!.parsed.subject).toBe(
      `【注意】バックアップ容量の急増: daily@test-host ${lastRun().backup_id}`,
    );
    expect(mail!.parsed.text).toContain('150 % above the median of the last 5 successful runs, 1000 B)');
  });

  it('BACKUP_ALERT_SIZE_DROP moves the threshold; off turns the judgement off', async () => {
    const strict = await sizedRun({ BACKUP_ALERT_SIZE_DROP: '20' });
    expect((await strict.write(700)).exitCode).toBe(0);
    expect((await strict.sink.waitForMails(1))[0]!.parsed.subject).toMatch(
      /^【注意】バックアップ容量の急減: /,
    );

    const off = await sizedRun({ BACKUP_ALERT_SIZE_DROP: 'off' });
    expect((await off.write(1, ['--on-suspect', 'fail'])).exitCode).toBe(0);
    expect(off.sink.mails).toEqual([]);
  });

  it('speaks English with BACKUP_ALERT_LANG=en', async () => {
    const { sink, write, lastRun } = await sizedRun({ BACKUP_ALERT_LANG: 'en' });
    await write(100);
    const [mail] = await sink.waitForMails(1);
    expect(mail!.parsed.subject).toBe(
      `[WARNING] Backup size dropped sharply: daily@test-host ${lastRun().backup_id}`,
    );
    expect(mail!.parsed.text).toContain(
      '[WARNING] The backup succeeded, but its artifact is far smaller than usual',
    );
    expect(mail!.parsed.text).toContain('\nMedian of the last 5 successes: 1000 B\n');
    expect(mail!.parsed.text).toContain(`\nRecent sizes: ${RECENT}\n`);
  });

  it('a type outside BACKUP_ALERT_TYPES is recorded and logged, not sent', async () => {
    const { sink, write } = await sizedRun({ BACKUP_ALERT_TYPES: 'weekly' });
    const result = await write(100);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain('No size warning for');
    expect(result.stderr).toContain('not in BACKUP_ALERT_TYPES');
    expect(sink.mails).toEqual([]);
  });

  it('history and status show the sizes afterwards', async () => {
    const { db, write, lastRun } = await sizedRun();
    await write(100);
    const id = lastRun().backup_id;
    const history = await runMain(['history', '--limit', '2', '--db', db]);
    const [header, first] = history.stdout.split('\n');
    expect(header).toMatch(/DURATION\s+SIZE\s+EXIT/);
    expect(first).toMatch(new RegExp(`^${id}\\s.*\\s100 B\\s+0\\s*$`));
    const json = await runMain(['history', '--json', '--limit', '1', '--db', db]);
    expect(JSON.parse(json.stdout)).toMatchObject([{ backupId: id, artifactBytes: 100 }]);

    const status = await runMain(['status', '--db', db]);
    expect(status.stdout).toMatch(/LAST SIZE/);
    expect(status.stdout).toContain('100 B (-90% vs median)');
    const statusJson = JSON.parse((await runMain(['status', '--json', '--db', db])).stdout) as {
      types: Array<{ size: unknown }>;
    };
    expect(statusJson.types[0]!.size).toEqual({
      path: lastRun().artifact_path,
      bytes: 100,
      medianBytes: 1000,
      changePercent: -90,
    });
    const nagios = await runMain(['status', '--nagios', '--db', db]);
    expect(nagios.stdout).toContain("'daily_size'=100B");
  });
});
