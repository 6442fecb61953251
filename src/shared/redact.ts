import { errorMessage } from './errors.js';

/** What replaces a BACKUP_ALERT_REDACT match in script output and error messages. */
export const REDACTED = '[REDACTED]';
/** What replaces one of our own secrets (a password, a webhook URL) anywhere we write. */
export const MASKED = '***';
/** Shorter values would mask ordinary words; a 1-3 character password is not worth hiding that way. */
const MIN_SECRET_LENGTH = 4;

/** `https://hooks.slack.com/…`: enough to tell which endpoint, nothing that grants access. */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    return `${url.protocol}//${url.host}/…`;
  } catch {
    return '(invalid URL)';
  }
}

/** Every form a password takes on the SMTP wire or in a message: plain, and the AUTH base64 blobs. */
export function smtpSecretForms(user: string | undefined, password: string | undefined): string[] {
  if (!password) return [];
  const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
  const login = user ?? '';
  return [
    password,
    b64(password),
    b64(`\u0000${login}\u0000${password}`),
    b64(`${login}\u0000${login}\u0000${password}`),
  ];
}

/**
 * The one place text is made safe to leave the process. Two different jobs:
 * our own secrets (from the config) are masked in everything we write; the
 * operator's BACKUP_ALERT_REDACT patterns are applied once to what the script
 * printed (the output tail, the error quoting its stderr) before it is stored or sent.
 */
export class Redactor {
  private readonly secretValues = new Set<string>();

  constructor(
    secrets: Iterable<string | undefined> = [],
    private readonly patterns: readonly RegExp[] = [],
  ) {
    this.addSecrets(...secrets);
  }

  addSecrets(...values: Array<string | undefined>): void {
    for (const value of values) if (value && value.length >= MIN_SECRET_LENGTH) this.secretValues.add(value);
  }

  /** Whether redactOutput changes anything (BACKUP_ALERT_REDACT set): else output can be copied as it is. */
  get masksOutput(): boolean {
    return this.patterns.length > 0;
  }

  /** Our secrets masked (`***`): for log lines, output, error messages. */
  maskSecrets(text: string): string {
    let masked = text;
    for (const secret of this.secretValues) masked = masked.split(secret).join(MASKED);
    return masked;
  }

  /**
   * For what a script printed, before the DB and every channel: BACKUP_ALERT_REDACT
   * applied, and our own secrets masked too (a script that sources our env file could print one).
   */
  redactOutput(text: string): string {
    let result = this.maskSecrets(text);
    for (const pattern of this.patterns) {
      // A non-global pattern would only mask the first match; lastIndex must not leak between calls.
      const global = pattern.global ? pattern : new RegExp(pattern.source, `${pattern.flags}g`);
      global.lastIndex = 0;
      try {
        result = result.replace(global, (match) => (match.length === 0 ? match : REDACTED));
      } catch {
        // The engine gave up on this pattern (too large, stack overflow): fail closed, never
        // let the error (which quotes the pattern) escape, never stop the run.
        return REDACTED;
      }
    }
    return result;
  }

  /** On one line, everything masked: an error fit for a log line, the database or a channel. */
  safeError(error: unknown): string {
    return this.redactOutput(errorMessage(error)).replace(/\s*\n\s*/g, ' ');
  }
}
