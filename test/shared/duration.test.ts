import { describe, expect, it } from 'vitest';
import { checkDuration, formatDuration, MAX_TIMER_MS, parseDuration } from '../../src/shared/duration.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('parseDuration', () => {
  it.each([
    ['90s', 90 * S],
    ['15m', 15 * M],
    ['4h', 4 * H],
    ['26h', 26 * H],
    ['7d', 7 * D],
    ['8d', 8 * D],
    ['1w', 7 * D],
    ['1h30m', H + 30 * M],
    ['1m30s', 90 * S],
    ['1d2h3m4s', D + 2 * H + 3 * M + 4 * S],
    ['500ms', 500],
    ['1s500ms', 1500],
    ['1.5h', 90 * M],
    ['0.5s', 500],
    ['45', 45 * S],
    ['1.5', 1500],
    ['0', 0],
    ['0s', 0],
    ['  4h  ', 4 * H],
  ])('%j is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    [''],
    ['   '],
    ['abc'],
    ['h'],
    ['4x'],
    ['4 h'],
    ['1h 30m'],
    ['1h30'],
    ['4hours'],
    ['-5s'],
    ['-5'],
    ['-1h30m'],
    ['+5s'],
    ['1e3'],
    ['.5s'],
    ['5.s'],
    ['4H'],
    ['NaN'],
    ['Infinity'],
  ])('%j is malformed', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [450, '450ms'],
    [-5, '0ms'],
    [1000, '1s'],
    [1499, '1s'],
    [1500, '2s'],
    [59 * S, '59s'],
    [60 * S, '1m'],
    [90 * S, '1m 30s'],
    [H, '1h'],
    [H + 30 * M, '1h 30m'],
    [H + 2 * S, '1h 2s'],
    [26 * H, '1d 2h'],
    [D + 2 * H + 3 * M + 4 * S, '1d 2h 3m 4s'],
    [8 * D, '8d'],
  ])('%d ms is %j', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('rounds to whole seconds before splitting (59.6 s is 1m, not 59s or 0m 60s)', () => {
    expect(formatDuration(59_600)).toBe('1m');
  });

  it('a fraction just under a second is 1s, not 1000ms', () => {
    expect(formatDuration(999.4)).toBe('999ms');
    expect(formatDuration(999.6)).toBe('1s');
  });

  it.each([['90s'], ['15m'], ['4h'], ['26h'], ['7d'], ['1h30m']])(
    'formats what parseDuration(%j) read back to the same length of time',
    (text) => {
      const ms = parseDuration(text)!;
      const formatted = formatDuration(ms);
      expect(parseDuration(formatted.replaceAll(' ', ''))).toBe(ms);
    },
  );
});

describe('checkDuration', () => {
  it('says what is wrong: not a duration, zero, too long', () => {
    expect(checkDuration('90d')).toEqual({ ok: true, ms: 90 * D });
    expect(checkDuration('soon')).toEqual({
      ok: false,
      problem: '"soon" is not a duration: use a number and a unit, e.g. 90s, 15m, 4h, 7d',
    });
    expect(checkDuration('0s')).toEqual({
      ok: false,
      problem: '"0s" is zero: give a duration longer than 0, e.g. 90s, 4h, 7d',
    });
    expect(checkDuration('30d', { maxMs: MAX_TIMER_MS })).toEqual({
      ok: false,
      problem: '"30d" is longer than the 24d 20h 31m 24s allowed',
    });
    // A number too large to be one is not a duration, not "Infinity ms".
    expect(checkDuration('9'.repeat(400))).toMatchObject({ ok: false });
  });
});
