/**
 * The one terminal-safe formatter. Text from a script, a setting or the network is shown
 * through it before it reaches a terminal, a log line or a stored message: a control
 * character is shown as what it is, never passed on for a terminal (or mail reader) to act
 * on (`ESC[2J` clears the screen, `ESC]0;…BEL` retitles the window, a CR/LF forges a log line).
 */

/**
 * C0 controls as their Unicode control pictures (ESC → ␛, 0x01 → ␁, DEL → ␡), C1 controls
 * as `\x9b`. Newlines and tabs stay; CRLF becomes a newline.
 */
export function showControls(text: string): string {
  return text
    .replace(/\r\n/g, '\n')
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, (c) =>
      c === '\u007f' ? '\u2421' : String.fromCharCode(0x2400 + c.charCodeAt(0)),
    )
    .replace(/[\u0080-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16)}`);
}

/** For one line (a log line, a table cell): every control visible, line breaks included (␊, ␍). */
export function oneLineSafe(text: string): string {
  return showControls(text.replace(/\r/g, '\u240d')).replace(/\n/g, '\u240a');
}

/** Longer values are cut when a message quotes them: a 1 MB setting is not echoed whole. */
export const MAX_QUOTED_CHARS = 80;

/** A value from a setting or the command line, quoted on one line, cut when long. */
export function quoteValue(given: string | undefined, max = MAX_QUOTED_CHARS): string {
  const value = given ?? '';
  if (value.length <= max) return `"${oneLineSafe(value)}"`;
  return `"${oneLineSafe(value.slice(0, max))}…" (${value.length} characters)`;
}
