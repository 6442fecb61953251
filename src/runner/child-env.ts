import type { Env } from '../config/env-source.js';
import { isSecretVariable } from '../config/secrets.js';

/**
 * The script's environment: ours (not the env file's), minus our secrets (it may
 * log its environment), plus BACKUP_ID and BACKUP_TYPE.
 */
export function childEnv(processEnv: Env, backupId: string, type: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(processEnv)) {
    if (value === undefined || isSecretVariable(key)) continue;
    env[key] = value;
  }
  env['BACKUP_ID'] = backupId;
  env['BACKUP_TYPE'] = type;
  return env;
}
