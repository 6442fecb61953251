import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { jobsDirOf } from '../../config/paths.js';
import type { CommandContext } from '../../context.js';
import { errorMessage } from '../../shared/errors.js';
import { ExitCode } from '../../shared/exit-codes.js';
import { EXAMPLE_JOB, envFileText } from './files.js';

/**
 * `backup-alert init`: the directories with their modes, a commented env file (0600, it
 * will hold the SMTP password) and an example job. Refuses to overwrite anything, naming
 * what exists, so it is safe to run twice.
 */
export async function initCommand(ctx: CommandContext): Promise<number> {
  const { places } = ctx;
  const system = places.mode === 'system';
  // Root's config is read by the units' user (job files) and by root (env file, 0600);
  // a user's own config is nobody else's business.
  const dirMode = system ? 0o755 : 0o700;
  const envFile = join(places.configDir, 'env');
  const jobsDir = jobsDirOf(ctx.env, places);
  const jobFile = join(jobsDir, 'example.env');
  const stateDir = dirname(ctx.config.dbPath);

  const files = [
    { path: envFile, text: envFileText(), mode: 0o600 },
    { path: jobFile, text: EXAMPLE_JOB, mode: system ? 0o644 : 0o600 },
  ];
  // A file exactly as init writes it (the Debian package ships both) is not in the way.
  const edited = files.filter(
    (file) => existsSync(file.path) && readFileSync(file.path, 'utf8') !== file.text,
  );
  if (edited.length > 0) {
    const them = edited.length > 1 ? 'them' : 'it';
    ctx.io.stderr(
      `backup-alert init: not overwriting ${edited.map((file) => file.path).join(' and ')}; edit ${them}, or move ${them} away to start again.\n`,
    );
    return ExitCode.failed;
  }
  try {
    for (const dir of [places.configDir, jobsDir]) mkdirSync(dir, { recursive: true, mode: dirMode });
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    for (const file of files) {
      if (existsSync(file.path)) continue;
      // `wx`: a file that appeared since the check above is still not overwritten.
      writeFileSync(file.path, file.text, { flag: 'wx', mode: file.mode });
      chmodSync(file.path, file.mode);
    }
  } catch (error) {
    ctx.io.stderr(`backup-alert init: ${errorMessage(error)}\n`);
    return ExitCode.failed;
  }
  const cron = system
    ? `echo '0 3 * * * root backup-alert run --job example --quiet' > /etc/cron.d/backup-alert`
    : `(crontab -l; echo '0 3 * * * backup-alert run --job example --quiet') | crontab -`;
  ctx.io.stdout(
    [
      `Created (${places.mode} mode):`,
      `  ${envFile}  settings and secrets (0600): uncomment an alert channel`,
      `  ${jobFile}  a job: set BACKUP_ALERT_SCRIPT`,
      `  ${stateDir}/  the database and run logs`,
      ...(existsSync(join(ctx.cwd, '.env')) && !system
        ? [`  (${join(ctx.cwd, '.env')} exists and is read first when you run from ${ctx.cwd})`]
        : []),
      '',
      'Next:',
      '  backup-alert doctor',
      '  backup-alert test-email',
      `  ${cron}`,
      '',
    ].join('\n'),
  );
  return ExitCode.ok;
}
