import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { logLines } from '../helpers/cli.js';
import { readNotifications } from '../helpers/db.js';
import { type ScriptedServer, scriptedServer } from '../helpers/http.js';
import { isAlive, waitFor } from '../helpers/process.js';
import { routingSetup } from '../helpers/routing.js';
import { writeScript } from '../helpers/tmp.js';

/** The scripted server as an Apprise target: Apprise's json:// posts a JSON body there. */
const jsonUrl = (server: ScriptedServer) => server.url.replace(/^http:/, 'json:');

describe('the Apprise bridge (a stand-in apprise on PATH)', () => {
  it('URLs go in a 0600 file passed with --config (never on the command line) and the body on stdin; the file is removed', async () => {
    const target = await scriptedServer([{ status: 200 }], 'ps/neverOnArgv');
    const s = await routingSetup({ BACKUP_ALERT_APPRISE_URLS: jsonUrl(target) });
    const bin = join(s.dir, 'bin');
    mkdirSync(bin);
    const record = join(s.dir, 'record');
    writeScript(
      bin,
      'apprise',
      `printf '%s\\n' "$@" > "${record}.argv"
config=""; prev=""; for a in "$@"; do [ "$prev" = "--config" ] && config="$a"; prev="$a"; done
stat -c '%a' "$config" > "${record}.mode"; cat "$config" > "${record}.config"; cat > "${record}.stdin"
echo "$config" > "${record}.path"`,
    );
    const result = await s.run('fail.sh', { env: { PATH: `${bin}:${process.env['PATH']}` } });
    expect(result.exitCode).toBe(3);
    const argv = readFileSync(`${record}.argv`, 'utf8');
    expect(argv).not.toContain('neverOnArgv');
    expect(argv).toContain('--config\n');
    expect(argv).toMatch(/^-v\n-n\nfailure\n-t\n【緊急】バックアップ失敗: [\w.-]+@[\w.-]+ BKP-/);
    expect(readFileSync(`${record}.mode`, 'utf8').trim()).toBe('600');
    expect(readFileSync(`${record}.config`, 'utf8')).toBe(`${jsonUrl(target)}\n`);
    expect(readFileSync(`${record}.stdin`, 'utf8')).toContain(
      'エラー内容: Backup script failed with exit code 3',
    );
    expect(existsSync(readFileSync(`${record}.path`, 'utf8').trim())).toBe(false);
    expect(readNotifications(s.db).find((n) => n.channel === 'apprise')?.status).toBe('sent');
  });

  it('an apprise that hangs (and ignores SIGTERM) is killed at the notify timeout', async () => {
    const s = await routingSetup({
      BACKUP_ALERT_APPRISE_URLS: 'json://127.0.0.1:9/hang',
      BACKUP_ALERT_NOTIFY_TIMEOUT: '1s',
    });
    const bin = join(s.dir, 'bin');
    mkdirSync(bin);
    const pidFile = join(s.dir, 'apprise.pid');
    writeScript(bin, 'apprise', `trap '' TERM\necho $$ > "${pidFile}"\nwhile :; do sleep 0.1; done`);
    const result = await s.run('fail.sh', { env: { PATH: `${bin}:${process.env['PATH']}` } });
    expect(result.exitCode).toBe(3);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(await waitFor(() => !isAlive(pid), 5_000)).toBe(true);
    const row = readNotifications(s.db).find((n) => n.channel === 'apprise');
    expect(row).toMatchObject({ status: 'pending' });
    expect(row!.error_message).toMatch(
      /apprise did not finish within the notify timeout; it was killed|cut off/,
    );
    expect(s.events()).toHaveLength(1); // the webhook was not held up by it
  });

  it('apprise not installed: one clear [WARN] for all apprise channels, every other channel unaffected', async () => {
    const s = await routingSetup({ BACKUP_ALERT_APPRISE_URLS: 'ntfy://ntfy.example.com/notInstalledSecret' });
    await s.cli(['channels', 'add', 'phones', '--type', 'apprise', '--url', 'ntfy://ntfy.example.com/other']);
    // A PATH with bash (the fixtures need it) and no apprise.
    const bin = join(s.dir, 'only-bash');
    mkdirSync(bin);
    symlinkSync('/bin/bash', join(bin, 'bash'));
    const result = await s.run('fail.sh', { env: { PATH: bin } });
    expect(result.exitCode).toBe(3);
    const warnings = logLines(result.stderr).filter((line) => line.includes('[WARN] [Apprise]'));
    expect(warnings).toEqual([
      '[WARN] [Apprise] the apprise command is not installed (not found on PATH): every Apprise channel is skipped; install it (apt install apprise, or pipx install apprise)',
    ]);
    expect(result.stderr).not.toContain('notInstalledSecret');
    expect(s.events().map((e) => e.event)).toEqual(['backup_failure']);
  });
});

describe('the Apprise bridge: an environment too large for exec (E2BIG)', () => {
  it('the alert is kept pending with the variable named (never its value); the script failed to start the same way', async () => {
    const s = await routingSetup({ BACKUP_ALERT_APPRISE_URLS: 'json://127.0.0.1:9/hook' });
    const bin = join(s.dir, 'bin');
    mkdirSync(bin);
    const ran = join(s.dir, 'apprise-ran');
    writeScript(bin, 'apprise', `touch "${ran}"`);
    // A PATH over Linux's 128 KiB per environment string: apprise is found on it, but
    // neither it nor the script can be exec'd with it.
    const path = `${bin}:${process.env['PATH']}:${'/opt/never-shown'.repeat(9_000)}`;
    const result = await s.run('fail.sh', { env: { PATH: path } });
    expect(result.exitCode).toBe(126);
    expect(existsSync(ran)).toBe(false);
    const row = readNotifications(s.db).find((n) => n.channel === 'apprise');
    expect(row).toMatchObject({ status: 'pending' });
    expect(row!.error_message).toMatch(
      /^apprise could not be started: the environment variable PATH \([\d,]+ bytes\) is too large .*\(E2BIG\)$/,
    );
    expect(row!.error_message).not.toContain('never-shown');
    expect(s.events().map((e) => e.event)).toEqual(['backup_failure']);
  });
});

describe("apprise's own words in our error message", () => {
  it('keeps the last WARNING/ERROR line, without its timestamp, URLs reduced to scheme and host', async () => {
    const { lastProblem } = await import('../../src/notify/apprise.js');
    const output = [
      '2026-11-29 15:39:48,381 - ERROR - Unparseable URL tgram://bot123:tokenSecret8/chat',
      '2026-11-29 15:39:48,381 - WARNING - Failed to send to json://127.0.0.1:9/hook/pathSecret7: timed out',
      'Usage:  [OPTIONS] SERVER_URL',
    ].join('\n');
    expect(lastProblem(output)).toBe('WARNING - Failed to send to json://127.0.0.1:9/…: timed out');
    expect(lastProblem(output.split('\n')[0]!)).toBe('ERROR - Unparseable URL (invalid URL)');
  });
});
