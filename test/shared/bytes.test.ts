import { describe, expect, it } from 'vitest';
import { byteCount, formatBytes, groupDigits, parseSize } from '../../src/shared/bytes.js';

describe('parseSize', () => {
  const cases: Array<[string, number | undefined]> = [
    ['0', 0],
    ['2048', 2048],
    ['100B', 100],
    ['512k', 512 * 1024],
    ['10M', 10 * 1024 ** 2],
    ['10MB', 10 * 1024 ** 2],
    ['10MiB', 10 * 1024 ** 2],
    ['1.5G', 1.5 * 1024 ** 3],
    [' 2 T ', 2 * 1024 ** 4],
    ['-1', undefined],
    ['10X', undefined],
    ['M', undefined],
    ['1,5G', undefined],
    ['', undefined],
    ['99999999P', undefined],
  ];
  it.each(cases)('%j → %s', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });
});

describe('formatBytes / byteCount', () => {
  const cases: Array<[number, string]> = [
    [0, '0 B'],
    [1023, '1023 B'],
    [1024, '1.0 KiB'],
    [1536, '1.5 KiB'],
    [1_048_575, '1.0 MiB'],
    [123 * 1024 ** 2, '123 MiB'],
    [1.25 * 1024 ** 3, '1.3 GiB'],
    [3 * 1024 ** 4, '3.0 TiB'],
  ];
  it.each(cases)('%d → %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
  it('counts bytes exactly, singular for one', () => {
    expect([0, 1, 2].map(byteCount)).toEqual(['0 bytes', '1 byte', '2 bytes']);
  });
});

describe('groupDigits', () => {
  // ICU's own grouping is the reference: the messages read as they did with toLocaleString.
  it.each([0, 7, 999, 1000, 65_535, 131_072, 1_048_576, 987_654_321, 123_456_789_012, -1234])(
    '%d as en-US groups it',
    (n) => {
      expect(groupDigits(n)).toBe(n.toLocaleString('en-US'));
    },
  );
});
