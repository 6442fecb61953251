import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ROOT, runMain } from '../helpers/cli.js';
import { readRuns } from '../helpers/db.js';
import { scriptedServer } from '../helpers/http.js';
import { startSmtpSink } from '../helpers/smtp.js';
import { tempDir, writeScript } from '../helpers/tmp.js';

const fixture = (name: string) => join(ROOT, 'test', 'fixtures', name);

interface Payload {
  event: string;
  backupId: string;
  consecutiveFailures: number;
  escalate: boolean;
  suppressedCount: number;
  error: string;
}

/** A failing (or succeeding) run through main(), with a webhook receiver as the only channel. */
async function setup(extraEnv: Record<string, string> = {}) {
  const dir = tempDir();
  const db = join(dir, 'backup-alert.db');
  const hook = await scriptedServer([{ status: 200 }]);
  const env = { BACKUP_ALERT_WEBHOOK_URL: hook.url, NODE_ENV: 'test', ...extraEnv };
  const run = (script: string, more: Record<string, string> = {}) =>
    runMain(['run', '--type', 'daily', '--quiet', '--script', fixture(script), '--db', db], {
      env: { ...env, ...more },
      cwd: dir,
    });
  const payloads = () => hook.requests.map((request) => JSON.parse(request.body) as Payload);
  return { dir, db, hook, run, payloads };
}

describe('alerts from run: escalation, recovery, repeat hold-back, type filter', () => {
  it('counts failures in a row and marks the third as the runbook §13 Level 2 escalation', async () => {
    const smtp = await startSmtpSink();
    const { run, payloads } = await setup({
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(smtp.port),
      BACKUP_ALERT_EMAIL: 'ops@example.com',
    });
    for (let index = 0; index < 3; index++) expect((await run('fail.sh')).exitCode).toBe(3);
    expect(payloads().map((p) => [p.consecutiveFailures, p.escalate])).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);
    const mails = await smtp.waitForMails(3);
    const third = mails[2]!.parsed;
    expect(third.subject).toBe(`【緊急】バックアップ失敗: daily@test-host ${payloads()[2]!.backupId}`);
    expect(third.text).toContain('連続失敗回数: 3（エスカレーション基準 Level 2 に到達: 手順書 §13）');
    expect(mails[0]!.parsed.text).toContain('連続失敗回数: 1\n');
  });

  it('sends one recovery message when a type succeeds after failing, and only one', async () => {
    const { run, payloads } = await setup({ BACKUP_ALERT_NOTIFY_RECOVERY: 'true' });
    await run('fail.sh');
    expect((await run('ok.sh')).exitCode).toBe(0);
    expect((await run('ok.sh')).exitCode).toBe(0);
    expect(payloads().map((p) => p.event)).toEqual(['backup_failure', 'backup_recovery']);
  });

  it('holds back identical failures inside BACKUP_ALERT_REPEAT_INTERVAL and reports the count later', async () => {
    const { db, run, payloads } = await setup({ BACKUP_ALERT_REPEAT_INTERVAL: '1h' });
    const results = [];
    for (let index = 0; index < 3; index++) results.push(await run('fail.sh'));
    expect(results.map((r) => r.exitCode)).toEqual([3, 3, 3]);
    expect(results[2]!.stderr).toContain('held back');
    expect(payloads()).toHaveLength(1);
    // A different failure is news: sent at once, carrying the count held back.
    await run('fail.sh', { FAIL_CODE: '4' });
    expect(payloads()).toHaveLength(2);
    expect(payloads()[1]).toMatchObject({ consecutiveFailures: 4, suppressedCount: 2 });
    expect(readRuns(db).map((row) => row.status)).toEqual(['failure', 'failure', 'failure', 'failure']);
  });

  it('records every failure but alerts only the types in BACKUP_ALERT_TYPES', async () => {
    const { db, run, hook } = await setup({ BACKUP_ALERT_TYPES: 'weekly,monthly' });
    const result = await run('fail.sh');
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain('not in BACKUP_ALERT_TYPES');
    expect(hook.requests).toHaveLength(0);
    expect(readRuns(db)[0]?.status).toBe('failure');
  });

  it('writes a backup_audit_logs row per run (runbook §9.4 SQL runs as written)', async () => {
    const { db, run } = await setup();
    await run('ok.sh');
    await run('fail.sh');
    const sqlite = new Database(db, { readonly: true });
    const rows = sqlite
      .prepare(
        `SELECT operation, backup_id, username, ip_address, status, details, created_at
         FROM backup_audit_logs ORDER BY created_at DESC LIMIT 20`,
      )
      .all() as Array<{
      operation: string;
      username: string;
      ip_address: string;
      status: string;
      details: string;
    }>;
    sqlite.close();
    expect(rows.map((row) => [row.operation, row.status, row.username, row.ip_address])).toEqual([
      ['run', 'failure', 'tester', 'test-host'],
      ['run', 'success', 'tester', 'test-host'],
    ]);
    expect(JSON.parse(rows[0]!.details)).toMatchObject({ type: 'daily', exitCode: 3 });
  });

  it('prints JSON log lines with --log-format json', async () => {
    const { dir, db } = await setup();
    const result = await runMain(
      [
        'run',
        '--type',
        'daily',
        '--quiet',
        '--log-format',
        'json',
        '--script',
        fixture('fail.sh'),
        '--db',
        db,
      ],
      { env: { NODE_ENV: 'test' }, cwd: dir },
    );
    const lines = result.stderr.trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    const parsed = lines.map(
      (line) => JSON.parse(line) as { level: string; component: string; message: string },
    );
    expect(parsed[0]).toMatchObject({ level: 'error', component: 'Backup' });
    expect(parsed[0]!.message).toContain('Backup script failed with exit code 3: disk full');
  });
});

describe('what an alert says was cut from the output', () => {
  it('a 1 MiB line: the marker counts everything before the kept end, not just the tail held in memory', async () => {
    const dir = tempDir();
    const hook = await scriptedServer([{ status: 200 }]);
    const sink = await startSmtpSink();
    const script = writeScript(
      dir,
      'noisy.sh',
      "head -c 1048576 /dev/zero | tr '\\0' x\necho\necho 'tar: short write' >&2\nexit 2",
    );
    const result = await runMain(
      ['run', '--type', 'daily', '--quiet', '--script', script, '--db', join(dir, 'x.db')],
      {
        env: {
          BACKUP_ALERT_WEBHOOK_URL: hook.url,
          BACKUP_ALERT_EMAIL: 'ops@example.com',
          SMTP_HOST: '127.0.0.1',
          SMTP_PORT: String(sink.port),
          NODE_ENV: 'test',
        },
      },
    );
    expect(result.exitCode).toBe(2);
    const cutOf = (text: string) => Number(/\[… ([\d,]+) bytes cut …\]/.exec(text)?.[1]?.replaceAll(',', ''));
    // 1,048,577 bytes were printed before "tar: short write"; the kept end is a few KiB of x.
    const webhook = (JSON.parse(hook.requests[0]!.body) as { outputTail: string }).outputTail;
    const kept = webhook.slice(webhook.indexOf('\n') + 1);
    expect(cutOf(webhook)).toBe(1_048_577 + 'tar: short write\n'.length - Buffer.byteLength(kept));
    const [mail] = await sink.waitForMails(1);
    expect(cutOf(mail!.parsed.text ?? '')).toBeGreaterThan(1_040_000);
  });
});
