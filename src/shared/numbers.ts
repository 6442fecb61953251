import { quoteValue } from './terminal-text.js';

/**
 * The one parser for a whole number a user gives (a flag, a setting): decimal digits only.
 * `Number()` would take `0x19` as 25, `1e3` as 1000 and `9223372036854775807` as a float that
 * reaches SQLite as a value it refuses; each kind of number names its bounds in the error.
 */
export function checkInteger(
  text: string,
  bounds: { min: number; max: number },
): { ok: true; value: number } | { ok: false; problem: string } {
  const trimmed = text.trim();
  const range = `a whole number from ${bounds.min} to ${bounds.max}`;
  if (!/^\d+$/.test(trimmed))
    return { ok: false, problem: `${quoteValue(text)} is not ${range} (decimal digits only)` };
  // Leading zeros are harmless; a digit string longer than max's cannot be in range.
  const value =
    trimmed.replace(/^0+(?=\d)/, '').length > String(bounds.max).length
      ? Number.POSITIVE_INFINITY
      : Number(trimmed);
  if (value < bounds.min || value > bounds.max)
    return { ok: false, problem: `${quoteValue(text)} is not ${range}` };
  return { ok: true, value };
}

/** Ports: 1-65535 (0 means "any" only where a caller says so). */
export const PORT_BOUNDS = { min: 1, max: 65_535 } as const;
/** Row counts a command reads (history --limit): more would not fit in memory anyway. */
export const LIMIT_BOUNDS = { min: 1, max: 1_000_000 } as const;
/** Counts in settings (escalate after N failures, and the like). */
export const COUNT_BOUNDS = { min: 1, max: 1_000_000 } as const;
/** Row IDs (silence remove ID). */
export const ID_BOUNDS = { min: 1, max: Number.MAX_SAFE_INTEGER } as const;
