import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { errorCode } from '../shared/errors.js';
import type { Env } from './env-source.js';
import type { ConfigProblem } from './values.js';

/**
 * Every setting that is a credential: read with readSecret (so NAME_FILE and
 * systemd credentials work), masked in everything we write, shown redacted by
 * doctor, and removed from the backup script's environment. The one list.
 */
export const SECRET_NAMES = [
  'SMTP_PASSWORD',
  'SLACK_WEBHOOK_URL',
  'TEAMS_WEBHOOK_URL',
  'BACKUP_ALERT_WEBHOOK_URL',
  'BACKUP_ALERT_WEBHOOK_SECRET',
  'BACKUP_ALERT_DATABASE_URL',
  'BACKUP_ALERT_PING_URL',
  'BACKUP_ALERT_PUSHGATEWAY_URL',
  'BACKUP_ALERT_APPRISE_URLS',
  'BACKUP_ALERT_API_TOKEN',
  'BACKUP_ALERT_ADMIN_TOKEN',
  'BACKUP_ALERT_ALERTMANAGER_URL',
  'BACKUP_ALERT_ALERTMANAGER_PASSWORD',
  'BACKUP_ALERT_ALERTMANAGER_TOKEN',
] as const;
export type SecretName = (typeof SECRET_NAMES)[number];

/** NAME or NAME_FILE for any secret NAME: what must never reach the backup script. */
export function isSecretVariable(name: string): boolean {
  const base = name.endsWith('_FILE') ? name.slice(0, -'_FILE'.length) : name;
  return (SECRET_NAMES as readonly string[]).includes(base);
}

/**
 * A secret from NAME, else the file named by NAME_FILE (Docker), else
 * $CREDENTIALS_DIRECTORY/NAME (systemd LoadCredential=). Trailing newlines are dropped.
 */
export function readSecret(
  env: Env,
  name: SecretName,
  cwd: string,
  problems: ConfigProblem[],
): string | undefined {
  const direct = env[name];
  if (direct !== undefined && direct !== '') return direct;
  const file = env[`${name}_FILE`];
  if (file) {
    const path = isAbsolute(file) ? file : resolve(cwd, file);
    try {
      return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      problems.push({
        variable: `${name}_FILE`,
        message: `cannot read ${path}: ${errorCode(error) ?? 'error'}`,
      });
      return undefined;
    }
  }
  const credentials = env['CREDENTIALS_DIRECTORY'];
  if (credentials) {
    try {
      return readFileSync(join(credentials, name), 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') {
        problems.push({
          variable: name,
          message: `cannot read credential ${name}: ${errorCode(error) ?? 'error'}`,
        });
      }
    }
  }
  return undefined;
}
