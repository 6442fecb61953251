import type { Env } from '../config/env-source.js';

/** Our secrets: the backup script has no business seeing them (it may log its environment). */
const SECRET_NAMES = [
  'SMTP_PASSWORD',
  'SLACK_WEBHOOK_URL',
  'TEAMS_WEBHOOK_URL',
  'BACKUP_ALERT_WEBHOOK_URL',
  'BACKUP_ALERT_WEBHOOK_SECRET',
];

/** The script's environment: ours (not the env file's), minus our secrets, plus BACKUP_ID and BACKUP_TYPE. */
export function childEnv(processEnv: Env, backupId: string, type: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(processEnv)) {
    if (value === undefined) continue;
    if (SECRET_NAMES.includes(key) || SECRET_NAMES.includes(key.replace(/_FILE$/, ''))) continue;
    env[key] = value;
  }
  env['BACKUP_ID'] = backupId;
  env['BACKUP_TYPE'] = type;
  return env;
}
