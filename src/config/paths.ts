import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Env } from './env-source.js';

/**
 * Where settings and state live. Root is "system mode" (/etc, /var/lib: the same for
 * cron, systemd and a root shell); any other user gets the XDG places.
 */
export interface Places {
  mode: 'system' | 'user';
  /** The directory of the main env file and of jobs/. */
  configDir: string;
  /** The database, run logs and locks. */
  stateDir: string;
}

export const SYSTEM_CONFIG_DIR = '/etc/backup-alert';
export const SYSTEM_STATE_DIR = '/var/lib/backup-alert';

/** `uid` is the process's (undefined off POSIX or in tests that do not say: user mode). */
export function placesFor(env: Env, uid: number | undefined): Places {
  const home = env['HOME'] || homedir();
  const stateDirectory = env['STATE_DIRECTORY']?.split(':')[0];
  if (uid === 0) {
    return {
      mode: 'system',
      configDir: SYSTEM_CONFIG_DIR,
      stateDir: stateDirectory || SYSTEM_STATE_DIR,
    };
  }
  const configHome = env['XDG_CONFIG_HOME'] || join(home, '.config');
  const stateHome = env['XDG_STATE_HOME'] || join(home, '.local', 'state');
  return {
    mode: 'user',
    configDir: join(configHome, 'backup-alert'),
    stateDir: stateDirectory || join(stateHome, 'backup-alert'),
  };
}

/** BACKUP_ALERT_JOBS_DIR, else `<config dir>/jobs`. */
export function jobsDirOf(env: Env, places: Places): string {
  return env['BACKUP_ALERT_JOBS_DIR']?.trim() || join(places.configDir, 'jobs');
}
