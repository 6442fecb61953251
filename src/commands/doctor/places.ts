import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { defaultEnvFile } from '../../config/env-source.js';
import { jobsDirOf } from '../../config/paths.js';
import type { CommandContext } from '../../context.js';
import { type Check, ok } from './checks.js';

// Where doctor looked: an operator comparing cron, systemd and a shell sees at once
// whether they read the same files and write the same database.

/** The mode, the env file read (or looked for), the jobs directory and the database. */
export function checkPlaces(ctx: CommandContext): Check {
  const { config, places } = ctx;
  const envFile = config.envFile
    ? `${config.envFile} (read)`
    : `${defaultEnvFile(ctx.cwd, places)} (absent; not read)`;
  const detail = [
    `${places.mode} mode`,
    `env file ${envFile}`,
    `jobs ${jobsDirOf(ctx.env, places)}`,
    `database ${config.dbPath}`,
  ].join('; ');
  return ok('places', 'Files', detail);
}

/**
 * Before system mode, root's runs went to ~/.local/state/backup-alert: a database left
 * there holds the history cron wrote, which the units (and now cron) no longer read.
 */
export function checkOldDatabase(ctx: CommandContext): Check | undefined {
  if (ctx.places.mode !== 'system') return undefined;
  const oldDir = join(ctx.env['HOME'] || homedir(), '.local', 'state', 'backup-alert');
  const oldDb = join(oldDir, 'backup-alert.db');
  if (oldDb === ctx.config.dbPath || !existsSync(oldDb)) return undefined;
  const newDir = dirname(ctx.config.dbPath);
  const remedy = existsSync(ctx.config.dbPath)
    ? `both exist; ${ctx.config.dbPath} is the one in use. Keep the old history with --db ${oldDb} for reading, or remove ${oldDir} once it is no longer needed`
    : `stop the timers and cron lines, then: mkdir -p ${newDir} && mv ${oldDir}/* ${newDir}/ && backup-alert doctor`;
  return {
    id: 'old-database',
    status: 'warn',
    title: 'Old database',
    detail: `${oldDb} exists from before system mode; runs now go to ${ctx.config.dbPath}`,
    remedy,
  };
}
