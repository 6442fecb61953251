import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { errorCode, errorMessage, UsageError } from '../shared/errors.js';
import { isJobName } from '../shared/run-result.js';
import { lintEnvFile } from './env-file-lint.js';
import { parseEnvFile } from './env-source.js';
import { isSecretVariable } from './secrets.js';
import type { ConfigProblem } from './values.js';

/**
 * A job file: `<jobs dir>/NAME.env`, dotenv syntax, the ordinary setting names applied to
 * one job (DESIGN.md "Jobs"; borgmatic's one file per backup). Read on top of the main env
 * file and the process environment: it is the more specific file.
 */
export interface JobFile {
  name: string;
  path: string;
  values: Record<string, string>;
  /** The line each key was set on (the last one wins, as in dotenv). */
  lines: Record<string, number>;
  /** Unknown keys and lines that are not settings: warnings naming the file and line. */
  problems: ConfigProblem[];
}

/** Keys only a job file gives meaning to (the job's own facts). */
export const JOB_ONLY_KEYS = [
  'BACKUP_ALERT_TYPE',
  'BACKUP_ALERT_ARGS',
  'BACKUP_ALERT_MAX_AGE',
  'BACKUP_ALERT_CHANNELS',
  'BACKUP_ALERT_MIN_SIZE',
  'BACKUP_ALERT_ON_SUSPECT',
] as const;

/**
 * Every other setting a job may set. The fleet's (the centre's address, the host's name and
 * expectations, the sync) are the host's, not a job's; where the database and the jobs
 * live are the installation's.
 */
const JOB_SETTINGS = [
  ...JOB_ONLY_KEYS,
  'BACKUP_ALERT_SCRIPT',
  'BACKUP_ALERT_TIMEOUT',
  'BACKUP_ALERT_KILL_AFTER',
  'BACKUP_ALERT_WARN_AFTER',
  'BACKUP_ALERT_ARTIFACT',
  'BACKUP_ALERT_MIN_DURATION',
  'BACKUP_ALERT_SIZE_DROP',
  'BACKUP_ALERT_SIZE_GROWTH',
  'BACKUP_ALERT_PING_URL',
  'BACKUP_ALERT_PING_URL_FILE',
  'BACKUP_ALERT_PING_FORMAT',
  'BACKUP_ALERT_EMAIL',
  'BACKUP_ALERT_WEBHOOK_URL',
  'BACKUP_ALERT_WEBHOOK_URL_FILE',
  'BACKUP_ALERT_WEBHOOK_SECRET',
  'BACKUP_ALERT_WEBHOOK_SECRET_FILE',
  'BACKUP_ALERT_APPRISE_URLS',
  'BACKUP_ALERT_TYPES',
  'BACKUP_ALERT_LANG',
  'BACKUP_ALERT_TEMPLATE_DIR',
  'BACKUP_ALERT_NOTIFY_TIMEOUT',
  'BACKUP_ALERT_NOTIFY_RECOVERY',
  'BACKUP_ALERT_ESCALATE_AFTER',
  'BACKUP_ALERT_REPEAT_INTERVAL',
  'BACKUP_ALERT_REMIND',
  'BACKUP_ALERT_REDACT',
  'BACKUP_ALERT_TIMEZONE',
  'BACKUP_ALERT_LOG_FILE',
  'BACKUP_ALERT_METRICS_FILE',
  'BACKUP_ALERT_PUSHGATEWAY_URL',
  'BACKUP_ALERT_PUSHGATEWAY_URL_FILE',
  'BACKUP_ALERT_SMTP_CHECK_INTERVAL',
  'SMTP_HOST',
  'SMTP_PORT',
  'SMTP_SECURE',
  'SMTP_USER',
  'SMTP_PASSWORD',
  'SMTP_PASSWORD_FILE',
  'SMTP_FROM',
  'SMTP_TLS_REJECT_UNAUTHORIZED',
  'SLACK_WEBHOOK_URL',
  'SLACK_WEBHOOK_URL_FILE',
  'TEAMS_WEBHOOK_URL',
  'TEAMS_WEBHOOK_URL_FILE',
  'TEAMS_WEBHOOK_FORMAT',
  'SYSTEM_URL',
] as const;

export function isJobSetting(key: string): boolean {
  return (JOB_SETTINGS as readonly string[]).includes(key);
}

/** Refuses a job name that is not a slug (exit 2): it names a file, a lock, a label. */
export function checkJobName(name: string): void {
  if (!isJobName(name)) {
    throw new UsageError(
      `invalid --job "${name}": a job name is 1-63 characters of a-z, 0-9, ".", "_" and "-", starting with a letter or digit (it names a file, a lock and a metrics label)`,
    );
  }
}

export function jobFilePath(jobsDir: string, name: string): string {
  return join(jobsDir, `${name}.env`);
}

/** The job's file, or undefined when there is none (an ad-hoc job). An unreadable file is a usage error. */
export function readJobFile(jobsDir: string, name: string): JobFile | undefined {
  const path = jobFilePath(jobsDir, name);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw new UsageError(`Cannot read job file ${path}: ${errorMessage(error)}`, { cause: error });
  }
  return parseJobFile(name, path, text);
}

export function parseJobFile(name: string, path: string, text: string): JobFile {
  const values = parseEnvFile(text);
  const lines = keyLines(text);
  const problems = lintEnvFile(path, text);
  for (const key of Object.keys(values)) {
    if (!isJobSetting(key)) {
      problems.push({
        variable: key,
        message: `${path}:${lines[key] ?? '?'}: unknown key ${key} in a job file (ignored); see docs/jobs.md for the keys a job may set`,
      });
    }
  }
  return { name, path, values, lines, problems };
}

/** The line number of each `NAME=` (dotenv keeps the last). */
function keyLines(text: string): Record<string, number> {
  const lines: Record<string, number> = {};
  text.split(/\r?\n/).forEach((line, index) => {
    const key = /^\s*(?:export\s+)?([\w.-]+)\s*[=:]/.exec(line)?.[1];
    if (key) lines[key] = index + 1;
  });
  return lines;
}

/** The settings a job file contributes: the known keys only (an unknown key is a warning, not a setting). */
export function jobSettings(file: JobFile): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const [key, value] of Object.entries(file.values)) if (isJobSetting(key)) settings[key] = value;
  return settings;
}

/** A job file that holds a secret must not be readable by others (doctor ✖). */
export function secretReadableByOthers(file: JobFile): string | undefined {
  const secret = Object.keys(file.values).find((key) => isSecretVariable(key) && !key.endsWith('_FILE'));
  if (!secret) return undefined;
  try {
    const mode = statSync(file.path).mode;
    return (mode & 0o004) !== 0 ? secret : undefined;
  } catch {
    return undefined;
  }
}

/**
 * BACKUP_ALERT_ARGS as words, the way a shell would split them but without one: quotes
 * group, a backslash escapes, nothing is expanded ($, *, ~ stay as written). A library
 * (shell-quote) would also expand variables and parse operators, both of which we refuse.
 */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) word += text[++i];
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote)
    throw new UsageError(`BACKUP_ALERT_ARGS has an unclosed ${quote} quote: ${text.length} characters`);
  if (inWord) words.push(word);
  return words;
}
