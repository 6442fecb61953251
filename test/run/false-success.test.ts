import { chmodSync, existsSync, mkdirSync, symlinkSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { DAY_MS, falseSuccessSetup, writeArtifact } from '../helpers/artifact.js';
import { cleanEnv, cliForOtherUsers, runCli } from '../helpers/cli.js';
import { readNotifications, readRuns } from '../helpers/db.js';
import { tempDir, writeScript } from '../helpers/tmp.js';

/** A whole second in the past: file times round-trip it exactly, so messages can be compared. */
function secondsAgo(ms: number): Date {
  return new Date(Math.floor((Date.now() - ms) / 1000) * 1000);
}

/** The alert mail for a false success: the runbook's subject, our line after エラー内容. */
async function expectAlert(
  sink: Awaited<ReturnType<typeof falseSuccessSetup>>['sink'],
  backupId: string,
  error: string,
) {
  const [mail] = await sink.waitForMails(1);
  expect(mail!.parsed.subject).toBe(`【緊急】バックアップ失敗: daily@test-host ${backupId}`);
  expect(mail!.parsed.text).toContain(`\nエラー内容: ${error}\n`);
  expect(mail!.parsed.text).toContain('\n終了コード: 65\n');
  return mail!;
}

describe('run --artifact: a script that exits 0 must have produced its artifact', () => {
  it('a normal run is unchanged: silent, exit 0, no alert; the artifact and its size are recorded', async () => {
    const { sink, dir, run, lastRun } = await falseSuccessSetup();
    const plain = await run('echo dumped');
    expect(plain).toMatchObject({ exitCode: 0, stdout: '', stderr: '' });
    expect(lastRun()).toMatchObject({
      status: 'success',
      exit_code: 0,
      artifact_path: null,
      artifact_bytes: null,
    });

    const out = join(dir, 'db.dump');
    const checked = await run(`printf '%s' hello > '${out}'`, ['--artifact', out, '--min-size', '5']);
    expect(checked).toMatchObject({ exitCode: 0, stdout: '', stderr: '' });
    expect(lastRun()).toMatchObject({
      status: 'success',
      exit_code: 0,
      artifact_path: out,
      artifact_bytes: 5,
    });
    expect(sink.mails).toEqual([]);
  });

  it('missing: exit 65, recorded as a failure and alerted with "Backup artifact missing: PATH"', async () => {
    const { sink, dir, db, run, lastRun } = await falseSuccessSetup();
    const out = join(dir, 'db.dump');
    const result = await run('echo "nothing to back up"', ['--artifact', out]);
    expect(result.exitCode).toBe(65);
    const error = `Backup artifact missing: ${out}`;
    expect(lastRun()).toMatchObject({
      status: 'failure',
      exit_code: 65,
      error_message: error,
      artifact_path: out,
      artifact_bytes: null,
    });
    // --quiet replays the output of a failed run: cron's mail shows what the script said.
    expect(result.stdout).toContain('nothing to back up');
    expect(result.stderr).toContain(`failed: ${error}`);
    const mail = await expectAlert(sink, lastRun().backup_id, error);
    expect(mail.parsed.text).toContain(`成果物: ${out}\n`);
    expect(readNotifications(db)).toMatchObject([{ notification_type: 'backup_failure', status: 'sent' }]);
  });

  it('stale: an artifact last modified before the run started was not written by it', async () => {
    const { sink, dir, run, lastRun } = await falseSuccessSetup();
    const out = writeArtifact(join(dir, 'db.dump'), 4096);
    const when = secondsAgo(DAY_MS);
    utimesSync(out, when, when);
    const result = await run('true', ['--artifact', out]);
    expect(result.exitCode).toBe(65);
    const error = `Backup artifact not updated by this run: ${out} (last modified ${when.toISOString()})`;
    expect(lastRun()).toMatchObject({ status: 'failure', error_message: error, artifact_bytes: 4096 });
    const mail = await expectAlert(sink, lastRun().backup_id, error);
    expect(mail.parsed.text).toContain(`成果物: ${out} (4.0 KiB, 4096 bytes)\n`);
  });

  it('empty: the default minimum is more than 0 bytes', async () => {
    const { sink, dir, run, lastRun } = await falseSuccessSetup();
    const out = join(dir, 'db.dump');
    const result = await run(`: > '${out}'`, ['--artifact', out]);
    expect(result.exitCode).toBe(65);
    const error = `Backup artifact too small: ${out} (0 bytes < 1 byte)`;
    expect(lastRun()).toMatchObject({ status: 'failure', error_message: error, artifact_bytes: 0 });
    await expectAlert(sink, lastRun().backup_id, error);
  });

  it('too small: below --min-size (units of 1024)', async () => {
    const { sink, dir, run, lastRun } = await falseSuccessSetup();
    const out = join(dir, 'db.dump');
    const result = await run(`head -c 1000 /dev/zero > '${out}'`, ['--artifact', out, '--min-size', '1K']);
    expect(result.exitCode).toBe(65);
    const error = `Backup artifact too small: ${out} (1000 bytes < 1K)`;
    expect(lastRun()).toMatchObject({ status: 'failure', error_message: error, artifact_bytes: 1000 });
    await expectAlert(sink, lastRun().backup_id, error);
    // 1024 bytes is enough.
    expect(
      (await run(`head -c 1024 /dev/zero > '${out}'`, ['--artifact', out, '--min-size', '1K'])).exitCode,
    ).toBe(0);
  });

  it('a directory: the sum of its files at any depth, updated when anything in it is new', async () => {
    const { sink, dir, run, lastRun } = await falseSuccessSetup();
    const repo = join(dir, 'repo');
    writeArtifact(join(repo, 'config'), 100, DAY_MS);
    writeArtifact(join(repo, 'data', 'a', 'old-pack'), 1000, DAY_MS);
    const fresh = await run(
      `mkdir -p '${repo}/data/b' && head -c 500 /dev/zero > '${repo}/data/b/new-pack'`,
      ['--artifact', repo, '--min-size', '1600'],
    );
    expect(fresh.exitCode).toBe(0);
    expect(lastRun()).toMatchObject({ status: 'success', artifact_path: repo, artifact_bytes: 1600 });

    // Nothing written this time: every entry is older than the run.
    const old = secondsAgo(DAY_MS);
    for (const path of [
      repo,
      join(repo, 'config'),
      join(repo, 'data', 'a', 'old-pack'),
      join(repo, 'data'),
      join(repo, 'data', 'a'),
      join(repo, 'data', 'b'),
      join(repo, 'data', 'b', 'new-pack'),
    ])
      utimesSync(path, old, old);
    const stale = await run('true', ['--artifact', repo]);
    expect(stale.exitCode).toBe(65);
    expect(lastRun().error_message).toBe(
      `Backup artifact not updated by this run: ${repo} (last modified ${old.toISOString()})`,
    );
    await expectAlert(sink, lastRun().backup_id, lastRun().error_message!);
  });

  it('a glob picks the newest match by modification time, not by name', async () => {
    const { sink, dir, run, lastRun } = await falseSuccessSetup();
    const dumps = join(dir, 'dumps');
    writeArtifact(join(dumps, 'db-9.dump'), 10, DAY_MS);
    writeArtifact(join(dumps, '.db-99.dump'), 10); // hidden: a wildcard does not match it
    const result = await run(`head -c 2048 /dev/zero > '${dumps}/db-10.dump'`, [
      '--artifact',
      `${dumps}/db-*.dump`,
    ]);
    expect(result.exitCode).toBe(0);
    expect(lastRun()).toMatchObject({ artifact_path: join(dumps, 'db-10.dump'), artifact_bytes: 2048 });

    // When the script writes nothing, the newest match is yesterday's: stale, not a pass.
    utimesSync(
      join(dumps, 'db-10.dump'),
      new Date(Date.now() - DAY_MS / 2),
      new Date(Date.now() - DAY_MS / 2),
    );
    const again = await run('true', ['--artifact', `${dumps}/db-*.dump`]);
    expect(again.exitCode).toBe(65);
    expect(lastRun().error_message).toMatch(
      new RegExp(
        `^Backup artifact not updated by this run: ${join(dumps, 'db-10\\.dump')} \\(last modified `,
      ),
    );
    const [mail] = await sink.waitForMails(1);
    expect(mail!.parsed.subject).toBe(`【緊急】バックアップ失敗: daily@test-host ${lastRun().backup_id}`);
  });

  it('a glob that matches nothing is a missing artifact (exit 65), not an error of ours', async () => {
    const { sink, dir, run, lastRun } = await falseSuccessSetup();
    const pattern = join(dir, 'no-such-dir', '*.tar.zst');
    const result = await run('true', ['--artifact', pattern]);
    expect(result.exitCode).toBe(65);
    expect(result.stderr).not.toContain('internal error');
    expect(lastRun()).toMatchObject({
      error_message: `Backup artifact missing: ${pattern}`,
      artifact_path: pattern,
    });
    await expectAlert(sink, lastRun().backup_id, `Backup artifact missing: ${pattern}`);
  });

  it('several artifacts: each is checked, the first problem is the error, the others are logged', async () => {
    const { dir, run, lastRun } = await falseSuccessSetup();
    const [a, b, c] = [join(dir, 'a.dump'), join(dir, 'b.dump'), join(dir, 'c.dump')];
    const ok = await run(`echo one > '${a}'; echo three > '${b}'`, ['--artifact', a, '--artifact', b]);
    expect(ok.exitCode).toBe(0);
    expect(lastRun()).toMatchObject({ artifact_path: `${a}, ${b}`, artifact_bytes: 10 });

    const yesterday = secondsAgo(DAY_MS);
    utimesSync(b, yesterday, yesterday);
    const bad = await run(`echo one > '${a}'`, ['--artifact', b, '--artifact', c, '--artifact', a]);
    expect(bad.exitCode).toBe(65);
    expect(lastRun().error_message).toMatch(/^Backup artifact not updated by this run: .*b\.dump/);
    expect(bad.stderr).toContain(`[ERROR] [Backup] Also: Backup artifact missing: ${c}`);
    expect(lastRun().artifact_bytes).toBeNull();
  });

  it('too fast: a success faster than --min-duration is a failure, exit 65', async () => {
    const { sink, run, lastRun } = await falseSuccessSetup();
    const result = await run('true', ['--min-duration', '10s']);
    expect(result.exitCode).toBe(65);
    const error = lastRun().error_message!;
    expect(error).toMatch(/^Backup finished suspiciously fast \(\d+ms < 10s\)$/);
    await expectAlert(sink, lastRun().backup_id, error);
  });

  it('BACKUP_ALERT_ARTIFACT and BACKUP_ALERT_MIN_DURATION work from the environment; flags win', async () => {
    const { dir, run, lastRun } = await falseSuccessSetup();
    const out = join(dir, 'env.dump');
    const fromEnv = await run('true', [], { BACKUP_ALERT_ARTIFACT: out });
    expect(fromEnv.exitCode).toBe(65);
    expect(lastRun().error_message).toBe(`Backup artifact missing: ${out}`);

    const flagWins = await run(`echo x > '${dir}/flag.dump'`, ['--artifact', join(dir, 'flag.dump')], {
      BACKUP_ALERT_ARTIFACT: out,
    });
    expect(flagWins.exitCode).toBe(0);

    const slow = await run('true', [], { BACKUP_ALERT_MIN_DURATION: '1h' });
    expect(slow.exitCode).toBe(65);
    expect(lastRun().error_message).toMatch(/suspiciously fast \(\d+ms < 1h\)$/);
  });

  it('a failed script stays its own failure: the artifacts are not second-guessed', async () => {
    const { dir, run, lastRun } = await falseSuccessSetup();
    const result = await run('echo "disk full" >&2; exit 4', [
      '--artifact',
      join(dir, 'x'),
      '--min-duration',
      '1h',
    ]);
    expect(result.exitCode).toBe(4);
    expect(lastRun()).toMatchObject({
      error_message: 'Backup script failed with exit code 4: disk full',
      artifact_path: null,
    });
  });

  it('BACKUP_ALERT_REDACT masks the artifact path in the error and in artifact_path alike', async () => {
    const { dir, run, lastRun } = await falseSuccessSetup({ BACKUP_ALERT_REDACT: 'customer-[a-z]+' });
    const result = await run('true', ['--artifact', join(dir, 'customer-acme.dump')]);
    expect(result.exitCode).toBe(65);
    expect(lastRun().error_message).toBe(`Backup artifact missing: ${join(dir, '[REDACTED].dump')}`);
    expect(lastRun().artifact_path).toBe(join(dir, '[REDACTED].dump'));
    expect(JSON.stringify(readRuns(join(dir, 'state', 'backup-alert.db')))).not.toContain('acme');
  });

  it('an artifact that cannot be read is a failure naming it (a symlink loop)', async () => {
    const { sink, dir, run, lastRun } = await falseSuccessSetup();
    const loop = join(dir, 'loop');
    symlinkSync(loop, loop);
    const result = await run('true', ['--artifact', loop]);
    expect(result.exitCode).toBe(65);
    const error = `Backup artifact unreadable: ${loop} (ELOOP: too many symbolic links encountered)`;
    expect(lastRun().error_message).toBe(error);
    await expectAlert(sink, lastRun().backup_id, error);
  });
});

describe('run --artifact and permissions (spawned as cron would, as an unprivileged user)', () => {
  // Root reads everything: the permission cases run the CLI as nobody when the tests are root.
  const asUser = (args: string[]) =>
    process.getuid?.() === 0
      ? execa('runuser', ['-u', 'nobody', '--', cliForOtherUsers().bin, ...args], {
          reject: false,
          cwd: cliForOtherUsers().cwd,
          env: cleanEnv({ NODE_ENV: 'test' }),
          extendEnv: false,
          stdin: 'ignore',
        }).then((r) => ({ exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) }))
      : runCli(args, { env: { NODE_ENV: 'test' } });

  function shared() {
    const dir = tempDir();
    chmodSync(dir, 0o777);
    return { dir, db: join(dir, 'backup-alert.db') };
  }

  it('a file the run cannot read is "unreadable", named, exit 65', async () => {
    const { dir, db } = shared();
    const out = join(dir, 'db.dump');
    const script = writeScript(dir, 'backup.sh', `echo secret-data > '${out}'; chmod 000 '${out}'`);
    const result = await asUser([
      'run',
      '--type',
      'daily',
      '--script',
      script,
      '--db',
      db,
      '--artifact',
      out,
    ]);
    expect(result.exitCode).toBe(65);
    expect(result.stderr).toContain(`Backup artifact unreadable: ${out} (EACCES: permission denied)`);
    expect(readRuns(db)[0]).toMatchObject({ status: 'failure', exit_code: 65, artifact_bytes: null });
  });

  it('a directory with a sub-directory the run cannot list names that sub-directory', async () => {
    const { dir, db } = shared();
    const repo = join(dir, 'repo');
    const locked = join(repo, 'locked');
    const script = writeScript(
      dir,
      'backup.sh',
      `mkdir -p '${locked}' && echo x > '${locked}/pack' && echo y > '${repo}/index' && chmod 000 '${locked}'`,
    );
    const result = await asUser([
      'run',
      '--type',
      'daily',
      '--script',
      script,
      '--db',
      db,
      '--artifact',
      repo,
    ]);
    expect(result.exitCode).toBe(65);
    expect(readRuns(db)[0]?.error_message).toBe(
      `Backup artifact unreadable: ${locked} (EACCES: permission denied)`,
    );
    chmodSync(locked, 0o700);
  });

  it('the exit code cron sees for a missing artifact is 65', async () => {
    const { dir, db } = shared();
    mkdirSync(join(dir, 'out'));
    const script = writeScript(dir, 'backup.sh', 'echo done');
    const result = await runCli([
      'run',
      '--type',
      'daily',
      '--script',
      script,
      '--db',
      db,
      '--artifact',
      join(dir, 'out', '*.gz'),
    ]);
    expect(result.exitCode).toBe(65);
    expect(existsSync(db)).toBe(true);
  });
});

describe('run: bad false-success flags are usage errors (exit 2, one line, nothing run)', () => {
  const cases: Array<[string, string[], Record<string, string>, string]> = [
    [
      '--min-size 10X',
      ['--artifact', '/x', '--min-size', '10X'],
      {},
      'invalid --min-size "10X": use bytes or a size like 512K, 10M, 1.5G',
    ],
    ['--min-size -1', ['--artifact', '/x', '--min-size', '-1'], {}, 'invalid --min-size "-1"'],
    [
      '--min-size without an artifact',
      ['--min-size', '1M'],
      {},
      '--min-size needs --artifact PATH (or BACKUP_ALERT_ARTIFACT)',
    ],
    ['--min-duration soon', ['--min-duration', 'soon'], {}, 'invalid --min-duration "soon"'],
  ];
  it.each(cases)('%s', async (_name, args, env, message) => {
    const { dir, run } = await falseSuccessSetup();
    const marker = join(dir, 'ran');
    const result = await run(`touch '${marker}'`, args, env);
    expect(result.exitCode).toBe(2);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(message);
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(join(dir, 'state', 'backup-alert.db'))).toBe(false);
  });
});

describe('run: a bad false-success setting in the environment never stops the backup', () => {
  it.each([
    [
      { BACKUP_ALERT_SIZE_DROP: '150%' },
      'BACKUP_ALERT_SIZE_DROP: "150%" is not a percentage between 0 and 100 (e.g. 50%) or off; using 50%',
    ],
    [{ BACKUP_ALERT_SIZE_DROP: 'half' }, 'BACKUP_ALERT_SIZE_DROP: "half"'],
    [
      { BACKUP_ALERT_SIZE_GROWTH: '0' },
      'BACKUP_ALERT_SIZE_GROWTH: "0" is not a percentage above 0 (e.g. 50%) or off; using off',
    ],
    [{ BACKUP_ALERT_MIN_DURATION: 'x' }, 'BACKUP_ALERT_MIN_DURATION: "x" is not a duration'],
  ])('%o: one [WARN], the default, and the backup runs', async (env, message) => {
    const { dir, run } = await falseSuccessSetup();
    const marker = join(dir, 'ran');
    const result = await run(`touch '${marker}'`, [], env);
    expect(result.exitCode).toBe(0);
    expect(existsSync(marker)).toBe(true);
    expect(result.stderr).toContain(`[WARN] [Config] ${message}`);
  });
});
