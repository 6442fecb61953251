import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../config/config.js';
import { parseEnvFile } from '../../config/env-source.js';
import { FLEET_VARIABLES } from '../../config/fleet.js';
import { SECRET_NAMES } from '../../config/secrets.js';
import type { ConfigProblem } from '../../config/values.js';
import { errorCode, errorMessage } from '../../shared/errors.js';

/** One checklist line (runbook §12.1). `--json` prints these as they are. */
export interface Check {
  id: string;
  status: 'ok' | 'fail' | 'warn' | 'skip';
  title: string;
  detail: string;
  /** What to do about a fail or warn; null when there is nothing to do. */
  remedy: string | null;
}

export const ok = (id: string, title: string, detail: string): Check => ({
  id,
  status: 'ok',
  title,
  detail,
  remedy: null,
});
export const skip = (id: string, title: string, detail: string): Check => ({
  id,
  status: 'skip',
  title,
  detail,
  remedy: null,
});
export const bad = (
  status: 'fail' | 'warn',
  id: string,
  title: string,
  detail: string,
  remedy: string,
): Check => ({
  id,
  status,
  title,
  detail,
  remedy,
});

/** Variables whose problems a dedicated line reports; the rest get one generic line each. */
export const OWNED_VARIABLES: Record<string, readonly string[]> = {
  email: ['BACKUP_ALERT_EMAIL'],
  'smtp-settings': [
    'SMTP_PORT',
    'SMTP_SECURE',
    'SMTP_TLS_REJECT_UNAUTHORIZED',
    'SMTP_PASSWORD',
    'SMTP_PASSWORD_FILE',
  ],
  slack: ['SLACK_WEBHOOK_URL', 'SLACK_WEBHOOK_URL_FILE'],
  teams: ['TEAMS_WEBHOOK_URL', 'TEAMS_WEBHOOK_URL_FILE', 'TEAMS_WEBHOOK_FORMAT'],
  centre: FLEET_VARIABLES,
  'metrics-file': ['BACKUP_ALERT_METRICS_FILE'],
  pushgateway: ['BACKUP_ALERT_PUSHGATEWAY_URL', 'BACKUP_ALERT_PUSHGATEWAY_URL_FILE'],
  ping: ['BACKUP_ALERT_PING_URL', 'BACKUP_ALERT_PING_URL_FILE', 'BACKUP_ALERT_PING_FORMAT'],
  webhook: [
    'BACKUP_ALERT_WEBHOOK_URL',
    'BACKUP_ALERT_WEBHOOK_URL_FILE',
    'BACKUP_ALERT_WEBHOOK_SECRET',
    'BACKUP_ALERT_WEBHOOK_SECRET_FILE',
  ],
};
export const mode = (value: number) => `0${(value & 0o777).toString(8)}`;
const problemText = (problems: readonly ConfigProblem[]) =>
  problems.map((p) => `${p.variable} ${p.message}`).join('; ');

/** The env file is found, readable, and not world-readable when it holds a secret. */
export function checkEnvFile(config: Config, cwd: string): Check {
  const title = 'Env file';
  if (!config.envFile) {
    return skip('env-file', title, `no ${join(cwd, '.env')}; settings come from the process environment`);
  }
  const file = config.envFile;
  try {
    const stat = statSync(file);
    const secrets = SECRET_NAMES.filter((name) => parseEnvFile(readFileSync(file, 'utf8'))[name]);
    if (secrets.length > 0 && stat.mode & 0o004) {
      return bad(
        'fail',
        'env-file',
        title,
        `${file} (${mode(stat.mode)}) is world-readable and holds ${secrets.join(', ')}`,
        `chmod 600 ${file} (and chown it to the user that runs backup-alert)`,
      );
    }
    return ok('env-file', title, `${file} (${mode(stat.mode)})`);
  } catch (error) {
    return bad(
      'fail',
      'env-file',
      title,
      `${file}: ${errorCode(error) ?? errorMessage(error)}`,
      `check that ${file} exists and is readable by this user`,
    );
  }
}

/** One ✖ per configuration problem no dedicated line reports. */
export function checkProblems(problems: readonly ConfigProblem[], config: Config): Check[] {
  const owned = new Set(Object.values(OWNED_VARIABLES).flat());
  const rest = problems.filter((p) => !owned.has(p.variable));
  if (rest.length === 0) return [ok('settings', 'Settings', 'all other values parse')];
  const where = config.envFile ?? 'the environment (or an env file)';
  return rest.map((p) =>
    bad('fail', `settings.${p.variable}`, p.variable, p.message, `fix ${p.variable} in ${where}`),
  );
}

export function checkEmail(
  config: Config,
  raw: string | undefined,
  problems: readonly ConfigProblem[],
): Check {
  const title = 'E-mail recipients';
  const mine = problems.filter((p) => OWNED_VARIABLES['email']!.includes(p.variable));
  if (mine.length > 0) {
    const valid = config.emailRecipients.length > 0 ? `; valid: ${config.emailRecipients.join(', ')}` : '';
    return bad(
      'fail',
      'email',
      title,
      `${problemText(mine)}${valid}`,
      'fix BACKUP_ALERT_EMAIL: addresses separated by commas, e.g. admin@company.com,ops@company.com',
    );
  }
  if (!raw?.trim()) return skip('email', title, 'BACKUP_ALERT_EMAIL unset: e-mail alerts off');
  return ok('email', title, config.emailRecipients.join(', '));
}

/** SMTP values that parse but do not fit together (runbook §4.4, §12.1 items 2-7). */
export function checkSmtpSettings(config: Config, problems: readonly ConfigProblem[]): Check {
  const title = 'SMTP settings';
  const { smtp } = config;
  const summary = `${smtp.host}:${smtp.port}, ${smtp.secure ? 'implicit TLS' : 'STARTTLS when offered'}, login ${
    smtp.user ? `${smtp.user} / password ${smtp.password ? '***' : '(empty)'}` : 'none'
  }, from ${smtp.from}`;
  if (config.emailRecipients.length === 0) return skip('smtp-settings', title, 'e-mail alerts off');
  const fails: Array<[string, string]> = [];
  const warns: Array<[string, string]> = [];
  const mine = problems.filter((p) => OWNED_VARIABLES['smtp-settings']!.includes(p.variable));
  for (const p of mine) fails.push([`${p.variable} ${p.message}`, `fix ${p.variable}`]);
  if (smtp.user && !smtp.password) {
    fails.push([
      'SMTP_USER is set but SMTP_PASSWORD is empty',
      'set SMTP_PASSWORD (or SMTP_PASSWORD_FILE, or a systemd credential)',
    ]);
  }
  if (smtp.port === 465 && !smtp.secure) {
    warns.push(['port 465 is implicit TLS but SMTP_SECURE=false', 'set SMTP_SECURE=true for port 465']);
  }
  if (smtp.secure && smtp.port !== 465) {
    warns.push([
      `SMTP_SECURE=true on port ${smtp.port}, which usually expects STARTTLS (ESOCKET)`,
      'set SMTP_SECURE=false for 587/25, or use port 465',
    ]);
  }
  if (smtp.password && !smtp.user) {
    warns.push(['SMTP_PASSWORD is set but SMTP_USER is not: no login is attempted', 'set SMTP_USER']);
  }
  if (!smtp.tlsRejectUnauthorized) {
    warns.push([
      'SMTP_TLS_REJECT_UNAUTHORIZED=false: the server certificate is not checked',
      'install the CA certificate and remove SMTP_TLS_REJECT_UNAUTHORIZED',
    ]);
  }
  const found = [...fails, ...warns];
  if (found.length === 0) return ok('smtp-settings', title, summary);
  return bad(
    fails.length > 0 ? 'fail' : 'warn',
    'smtp-settings',
    title,
    `${found.map(([what]) => what).join('; ')} (${summary})`,
    found.map(([, remedy]) => remedy).join('; '),
  );
}
