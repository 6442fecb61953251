import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';
import { runMain } from '../helpers/cli.js';
import { finishRun, readNotifications, readRuns } from '../helpers/db.js';
import { scriptedServer } from '../helpers/http.js';
import { expectNoSecrets } from '../helpers/secrets.js';
import { tempDir, writeScript } from '../helpers/tmp.js';

// What `run` keeps out of places: each test here goes red when its protection is removed.

const SMTP_PASSWORD = 'SMTP-pass-9f8e7d';
const SLACK_URL_SECRET = 'https://hooks.slack.com/services/T000/B000/slackSecretToken42';

describe('run: the script never sees our secrets', () => {
  it('a script that prints its environment shows none of them (direct or _FILE)', async () => {
    const dir = tempDir();
    const secretFile = join(dir, 'webhook-secret');
    writeFileSync(secretFile, 'hmac-key-from-file-77');
    const result = await runMain(
      ['run', '--type', 'daily', '--script', '/usr/bin/env', '--db', join(dir, 'x.db')],
      {
        env: {
          SMTP_PASSWORD,
          SLACK_WEBHOOK_URL: SLACK_URL_SECRET,
          BACKUP_ALERT_WEBHOOK_SECRET_FILE: secretFile,
          BACKUP_ALERT_DATABASE_URL: 'postgres://host:pg-pass-31@127.0.0.1:1/db',
          KEEP_ME: 'visible',
        },
      },
    );
    expect(result.exitCode).toBe(0);
    // The script did run and print its environment (ours included, minus the secrets).
    expect(result.stdout).toContain('KEEP_ME=visible');
    expect(result.stdout).toMatch(/^BACKUP_ID=BKP-/m);
    expect(result.stdout).not.toMatch(
      /^(SMTP_PASSWORD|SLACK_WEBHOOK_URL|BACKUP_ALERT_\w+_FILE|BACKUP_ALERT_DATABASE_URL)=/m,
    );
    const [row] = readRuns(join(dir, 'x.db'));
    expectNoSecrets(
      [result.stdout, result.stderr, readFileSync(row!.log_path!, 'utf8')],
      [SMTP_PASSWORD, 'slackSecretToken42', secretFile, 'pg-pass-31'],
    );
  });
});

describe('run: what the script printed is redacted before it is stored or sent', () => {
  it('BACKUP_ALERT_REDACT masks the output tail and the error in the database and in the alert', async () => {
    const dir = tempDir();
    const db = join(dir, 'x.db');
    const webhook = await scriptedServer([{ status: 200 }]);
    const script = writeScript(
      dir,
      'leaky.sh',
      'echo "connecting with password=abc123 key AKIAABCDEFGHIJKLMNOP"\necho "login failed for password=abc123" >&2\nexit 4',
    );
    const result = await runMain(['run', '--type', 'daily', '--script', script, '--db', db], {
      env: { BACKUP_ALERT_WEBHOOK_URL: webhook.url, BACKUP_ALERT_REDACT: 'password=\\S+,AKIA[0-9A-Z]{16}' },
    });
    expect(result.exitCode).toBe(4);
    const [row] = readRuns(db);
    expect(row!.error_message).toBe('Backup script failed with exit code 4: login failed for [REDACTED]');
    expect(row!.output_tail).toContain('connecting with [REDACTED] key [REDACTED]');
    expect(webhook.requests).toHaveLength(1);
    expect(webhook.requests[0]!.body).toContain('[REDACTED]');
    expectNoSecrets(
      [
        row!.error_message,
        row!.output_tail,
        webhook.requests[0]!.body,
        JSON.stringify(readNotifications(db)),
      ],
      ['abc123', 'AKIAABCDEFGHIJKLMNOP'],
    );
  });

  it('a BACKUP_ALERT_REDACT pattern too large for the engine is a config problem, not a crash', async () => {
    const dir = tempDir();
    const db = join(dir, 'x.db');
    // 40,000 characters that hold a secret: V8 accepts it in new RegExp() and throws on first use.
    const huge = `pw-Secret-77|${'(a|b)'.repeat(8000)}`;
    const script = writeScript(dir, 'noisy.sh', 'echo "one line"\necho "disk full" >&2\nexit 3');
    const result = await runMain(['run', '--type', 'daily', '--script', script, '--db', db], {
      env: { BACKUP_ALERT_REDACT: `password=\\S+,${huge}` },
    });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain(
      'BACKUP_ALERT_REDACT: pattern 2 (40013 characters) is not a valid regular expression or is too large',
    );
    const [row] = readRuns(db);
    expect(row).toMatchObject({
      status: 'failure',
      error_message: 'Backup script failed with exit code 3: disk full',
    });
    expectNoSecrets([result.stdout, result.stderr], ['pw-Secret-77']);
  });

  it('our own secrets printed by the script are masked too (a script sourcing our env file)', async () => {
    const dir = tempDir();
    const db = join(dir, 'x.db');
    const envFile = join(dir, 'env');
    writeFileSync(envFile, `SMTP_PASSWORD=${SMTP_PASSWORD}\n`);
    const script = writeScript(dir, 'echo-env.sh', `. "${envFile}"\necho "using $SMTP_PASSWORD" >&2\nexit 1`);
    const result = await runMain([
      'run',
      '--type',
      'daily',
      '--script',
      script,
      '--db',
      db,
      '--env-file',
      envFile,
    ]);
    expect(result.exitCode).toBe(1);
    const [row] = readRuns(db);
    expect(row!.error_message).toBe('Backup script failed with exit code 1: using ***');
    // The script's own stderr passes through as it printed it; what we write is masked.
    // Our log lines (stamped with the time: stderr is not a terminal here).
    const ours = result.stderr.split('\n').filter((line) => /^(\S+Z )?\[/.test(line));
    expect(ours.join('\n')).toContain('failed: Backup script failed with exit code 1: using ***');
    expectNoSecrets([row!.error_message, row!.output_tail, ...ours], [SMTP_PASSWORD]);
  });
});

describe('run: retention', () => {
  it('BACKUP_ALERT_RETENTION prunes old runs after a run, and audits it', async () => {
    const dir = tempDir();
    const db = join(dir, 'x.db');
    const store = Store.open(db);
    const old = new Date('2020-01-01T00:00:00.000Z');
    const { backupId } = store.runs.insert(
      { type: 'daily', startedAt: old.toISOString(), script: '/x', host: 'h', pid: 1, logPathTemplate: null },
      old,
    );
    finishRun(store, backupId, {
      status: 'success',
      finishedAt: old.toISOString(),
      durationMs: 1,
      exitCode: 0,
      signal: null,
      errorMessage: null,
      outputTail: null,
    });
    store.close();
    const script = writeScript(dir, 'ok.sh', 'echo ok');
    const result = await runMain(['run', '--type', 'daily', '--script', script, '--db', db], {
      env: { BACKUP_ALERT_RETENTION: '30d' },
    });
    expect(result.exitCode).toBe(0);
    const rows = readRuns(db);
    expect(rows.map((row) => row.backup_id)).not.toContain(backupId);
    expect(rows).toHaveLength(1);
    const reader = Store.open(db);
    const audit = reader.db
      .prepare("SELECT details FROM backup_audit_logs WHERE operation = 'prune'")
      .pluck()
      .all() as string[];
    reader.close();
    expect(JSON.parse(audit[0]!)).toMatchObject({ automatic: true, runs: 1 });
  });
});
