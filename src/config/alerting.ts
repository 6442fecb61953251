import { BACKUP_TYPES, type BackupType, isBackupType } from '../shared/run-result.js';
import { quoteValue } from '../shared/terminal-text.js';
import { type ConfigProblem, parseOptionalDuration, splitList } from './values.js';

/** Parsers of the alerting settings that are not a channel of their own: which types, which language, … */

export type TeamsFormat = 'messagecard' | 'adaptivecard';
export type Lang = 'ja' | 'en';
export const DEFAULT_SMTP_CHECK_INTERVAL_MS = 86_400_000;

export function parseAlertTypes(value: string | undefined, problems: ConfigProblem[]): BackupType[] {
  const items = splitList(value);
  if (items.length === 0) return [...BACKUP_TYPES];
  const types: BackupType[] = [];
  for (const item of items) {
    if (isBackupType(item)) types.push(item);
    else
      problems.push({
        variable: 'BACKUP_ALERT_TYPES',
        message: `${quoteValue(item)} is not a backup type (${BACKUP_TYPES.join(', ')}); ignored`,
      });
  }
  // A list of only typos must not silence every alert.
  return types.length > 0 ? types : [...BACKUP_TYPES];
}

export function parseLang(value: string | undefined, problems: ConfigProblem[]): Lang {
  const lang = value?.trim().toLowerCase();
  if (!lang) return 'ja';
  if (lang === 'ja' || lang === 'en') return lang;
  problems.push({ variable: 'BACKUP_ALERT_LANG', message: `${quoteValue(value)} is not ja or en; using ja` });
  return 'ja';
}

export function parseTeamsFormat(
  value: string | undefined,
  problems: ConfigProblem[],
): TeamsFormat | undefined {
  const format = value?.trim().toLowerCase();
  if (!format) return undefined;
  if (format === 'messagecard' || format === 'adaptivecard') return format;
  problems.push({
    variable: 'TEAMS_WEBHOOK_FORMAT',
    message: `${quoteValue(value)} is not messagecard or adaptivecard; choosing by URL`,
  });
  return undefined;
}

/** A day by default; `0` checks at every run. */
export function parseSmtpCheckInterval(value: string | undefined, problems: ConfigProblem[]): number {
  const text = value?.trim();
  if (!text) return DEFAULT_SMTP_CHECK_INTERVAL_MS;
  if (text === '0') return 0;
  return (
    parseOptionalDuration('BACKUP_ALERT_SMTP_CHECK_INTERVAL', text, problems) ??
    DEFAULT_SMTP_CHECK_INTERVAL_MS
  );
}
