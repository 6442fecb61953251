import { quoteValue } from './terminal-text.js';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
type Unit = keyof typeof UNIT_MS;

/**
 * Parses `90s`, `15m`, `4h`, `26h`, `7d`, `1h30m`, `500ms`; a bare number is seconds
 * (as in coreutils `timeout`). Returns milliseconds, or undefined when malformed.
 */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    const ms = Number(trimmed) * 1000;
    return Number.isFinite(ms) ? Math.round(ms) : undefined;
  }
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/gy;
  let total = 0;
  let consumed = 0;
  for (const match of trimmed.matchAll(part)) {
    total += Number(match[1]) * UNIT_MS[match[2] as Unit];
    consumed += match[0].length;
  }
  if (consumed === 0 || consumed !== trimmed.length || !Number.isFinite(total)) return undefined;
  return Math.round(total);
}

/** The longest delay one Node.js timer takes (2^31-1 ms, ~24.8 days); a longer one fires at once. */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * A positive duration, or what is wrong with the text in words an operator can act on:
 * not a duration at all, zero, or (with `maxMs`) longer than allowed.
 */
export function checkDuration(
  text: string,
  options: { maxMs?: number } = {},
): { ok: true; ms: number } | { ok: false; problem: string } {
  const ms = parseDuration(text);
  if (ms === undefined) {
    const suggestion = suggestDuration(text);
    if (suggestion) return { ok: false, problem: `${quoteValue(text)} is not a duration: use ${suggestion}` };
    return {
      ok: false,
      problem: `${quoteValue(text)} is not a duration: use a number and a unit, e.g. 90s, 15m, 4h, 7d`,
    };
  }
  if (ms <= 0)
    return {
      ok: false,
      problem: `${quoteValue(text)} is zero: give a duration longer than 0, e.g. 90s, 4h, 7d`,
    };
  if (options.maxMs !== undefined && ms > options.maxMs) {
    return {
      ok: false,
      problem: `${quoteValue(text)} is longer than the ${formatDuration(options.maxMs)} allowed`,
    };
  }
  return { ok: true, ms };
}

/** `1h 2m 3s`, `450ms`: how long something took or has been held, for people. */
export function formatDuration(ms: number): string {
  if (Math.round(ms) < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  let seconds = Math.round(ms / 1000);
  const parts: string[] = [];
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
  ] as const) {
    if (seconds >= size) {
      parts.push(`${Math.floor(seconds / size)}${unit}`);
      seconds %= size;
    }
  }
  if (seconds > 0 || parts.length === 0) parts.push(`${seconds}s`);
  return parts.join(' ');
}

const UNIT_WORDS: Record<string, string> = {
  ms: 'ms',
  msec: 'ms',
  msecs: 'ms',
  millisecond: 'ms',
  milliseconds: 'ms',
  sec: 's',
  secs: 's',
  second: 's',
  seconds: 's',
  min: 'm',
  mins: 'm',
  minute: 'm',
  minutes: 'm',
  hr: 'h',
  hrs: 'h',
  hour: 'h',
  hours: 'h',
  day: 'd',
  days: 'd',
  wk: 'w',
  wks: 'w',
  week: 'w',
  weeks: 'w',
};

/** `4hrs`, `4 h`, `90 seconds` → `4h`, `4h`, `90s`: what was almost certainly meant. */
function suggestDuration(text: string): string | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/i.exec(text.trim());
  if (!match) return undefined;
  const word = match[2]!.toLowerCase();
  const unit = UNIT_WORDS[word] ?? (word in UNIT_MS ? word : undefined);
  return unit === undefined ? undefined : `${match[1]}${unit}`;
}
