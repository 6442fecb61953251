import { tailOf } from '../notify/message.js';

/** What replaces a BACKUP_ALERT_REDACT match. */
export const REDACTED = '[REDACTED]';

/**
 * Masks every match of the operator's BACKUP_ALERT_REDACT patterns. Applied to the
 * output tail and error before they reach the DB or any channel: a backup script
 * that echoes a password must not post it to Slack.
 */
export function redactText(text: string, patterns: readonly RegExp[]): string {
  let result = text;
  for (const pattern of patterns) {
    // A non-global pattern would only mask the first match; lastIndex must not leak between calls.
    const global = pattern.global ? pattern : new RegExp(pattern.source, `${pattern.flags}g`);
    global.lastIndex = 0;
    result = result.replace(global, (match) => (match.length === 0 ? match : REDACTED));
  }
  return result;
}

/**
 * The longest end of `text` whose rendering fits `max` characters (or bytes, with a
 * custom measure). Escaping can grow text (Slack's `&` → `&amp;`), so we measure the
 * rendered form and shrink until it fits instead of guessing a ratio.
 */
export function fitTail(
  text: string,
  max: number,
  render: (tail: string) => string,
  measure: (rendered: string) => number = (rendered) => rendered.length,
): string {
  let limit = Math.min(text.length, max);
  for (;;) {
    const rendered = render(tailOf(text, limit));
    if (measure(rendered) <= max || limit === 0) return rendered;
    limit = Math.floor(limit * 0.8);
  }
}
