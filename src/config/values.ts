import { checkDuration } from '../shared/duration.js';
import { COUNT_BOUNDS, checkInteger, PORT_BOUNDS } from '../shared/numbers.js';
import { quoteValue } from '../shared/terminal-text.js';

/** One thing wrong with the configuration: what is wrong, then what to do. */
export interface ConfigProblem {
  variable: string;
  message: string;
}

export type Problems = ConfigProblem[];

const EMAIL = /^[^\s@<>(),;:"\\[\]]+@[^\s@<>(),;:"\\[\]]+$/;

export function isValidEmail(address: string): boolean {
  return EMAIL.test(address) && !address.endsWith('.') && !address.includes('..');
}

/** Splits a comma-separated list, tolerating spaces and empty items. */
export function splitList(value: string | undefined): string[] {
  if (!value) return [];
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

export function parseRecipients(variable: string, value: string | undefined, problems: Problems): string[] {
  const valid: string[] = [];
  for (const address of splitList(value)) {
    if (isValidEmail(address)) valid.push(address);
    else
      problems.push({
        variable,
        message: `${quoteValue(address)} is not a valid e-mail address; it is skipped (fix or remove it)`,
      });
  }
  return valid;
}

/**
 * SMTP_FROM: `addr@example.com` or `Name <addr@example.com>`. Anything else would leave the
 * mail with no From header and an empty envelope sender (`MAIL FROM:<>`), which many
 * servers take as a bounce: a problem, and the default sender instead.
 */
export function parseSender(
  variable: string,
  value: string | undefined,
  fallback: string,
  problems: Problems,
): string {
  const text = value?.trim();
  if (!text) return fallback;
  const angle = /^(?:"[^"]*"|[^<>"]*)\s*<([^<>]+)>$/.exec(text);
  const address = angle ? angle[1]!.trim() : text;
  if (isValidEmail(address)) return text;
  problems.push({
    variable,
    message: `${quoteValue(text)} is not an address (use ops@example.com or Name <ops@example.com>); using ${fallback}`,
  });
  return fallback;
}

export function parseBoolean(
  variable: string,
  value: string | undefined,
  fallback: boolean,
  problems: Problems,
): boolean {
  if (value === undefined || value.trim() === '') return fallback;
  const normalised = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(normalised)) return true;
  if (['false', '0', 'no', 'off'].includes(normalised)) return false;
  problems.push({ variable, message: `${quoteValue(value)} is not true or false; using ${fallback}` });
  return fallback;
}

export function parsePort(
  variable: string,
  value: string | undefined,
  fallback: number,
  problems: Problems,
): number {
  if (value === undefined || value.trim() === '') return fallback;
  const checked = checkInteger(value, PORT_BOUNDS);
  if (checked.ok) return checked.value;
  problems.push({
    variable,
    message: `${checked.problem}: the setting is invalid and was not used; using the default ${fallback} instead`,
  });
  return fallback;
}

export function parsePositiveInteger(
  variable: string,
  value: string | undefined,
  fallback: number,
  problems: Problems,
): number {
  if (value === undefined || value.trim() === '') return fallback;
  const checked = checkInteger(value, COUNT_BOUNDS);
  if (checked.ok) return checked.value;
  problems.push({ variable, message: `${checked.problem}; using ${fallback}` });
  return fallback;
}

/**
 * A positive duration, or undefined and a problem. `maxMs` bounds a value used as one
 * timer (e.g. MAX_TIMER_MS); `fallback` is named in the problem (the default used instead).
 */
export function parseOptionalDuration(
  variable: string,
  value: string | undefined,
  problems: Problems,
  options: { maxMs?: number; fallback?: string } = {},
): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const checked = checkDuration(value, options.maxMs === undefined ? {} : { maxMs: options.maxMs });
  if (checked.ok) return checked.ms;
  problems.push({
    variable,
    message: `${checked.problem}; ${options.fallback ? `using ${options.fallback}` : 'ignored'}`,
  });
  return undefined;
}

const KNOWN_SCHEMES = new Set(['ftp:', 'ftps:', 'ws:', 'wss:', 'file:', 'mailto:', 'smtp:', 'smtps:']);

/** Accepts http(s) URLs only; the message names the variable but never echoes the URL (it holds tokens). */
export function parseWebhookUrl(
  variable: string,
  value: string | undefined,
  problems: Problems,
): string | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    problems.push({ variable, message: 'is not a valid URL; this channel is off until it is fixed' });
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    // Name the scheme only when it is a known one: "xoxb-…:…" parses as a URL whose "scheme" is a token.
    const got = KNOWN_SCHEMES.has(url.protocol) ? ` (got ${url.protocol})` : '';
    problems.push({
      variable,
      message: `must be an http:// or https:// URL${got}; this channel is off until it is fixed`,
    });
    return undefined;
  }
  return url.toString();
}

/** Longer BACKUP_ALERT_REDACT patterns are named by position in a problem, not quoted. */
const MAX_SHOWN_PATTERN = 80;

export function parseRedactPatterns(
  variable: string,
  value: string | undefined,
  problems: Problems,
): RegExp[] {
  const patterns: RegExp[] = [];
  splitList(value).forEach((source, index) => {
    try {
      const pattern = new RegExp(source, 'g');
      // V8 compiles a pattern on first use: one too large for it ("Regular expression too
      // large", a stack overflow) throws only then, in the middle of a run. Use it once now.
      pattern.test('');
      pattern.lastIndex = 0;
      patterns.push(pattern);
    } catch {
      // Never the engine's message nor a long pattern: both quote the pattern, which may hold a secret.
      const shown =
        source.length <= MAX_SHOWN_PATTERN
          ? quoteValue(source)
          : `pattern ${index + 1} (${source.length} characters)`;
      problems.push({
        variable,
        message: `${shown} is not a valid regular expression or is too large to use; ignored (split it into shorter patterns)`,
      });
    }
  });
  return patterns;
}
