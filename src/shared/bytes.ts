/**
 * Sizes as people write and read them. Units are powers of 1024, as `du -h`,
 * `ls -h` and `find -size` use them: `10M` is 10 MiB whether written `10M`,
 * `10MB` or `10MiB`; a bare number is bytes.
 */
const UNITS = ['', 'K', 'M', 'G', 'T', 'P'] as const;

/** `10M`, `1.5G`, `512k`, `2048`, `100B` → bytes; undefined when malformed or negative. */
export function parseSize(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(?:i?b)?$/i.exec(text.trim());
  if (!match) return undefined;
  const power = UNITS.indexOf(match[2]!.toUpperCase() as (typeof UNITS)[number]);
  const bytes = Math.round(Number(match[1]) * 1024 ** power);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** `0 B`, `512 B`, `1.5 KiB`, `12.3 MiB`, `123 GiB`: for tables and messages. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  // 1023.96 KiB would print as "1024.0 KiB": step up instead.
  if (value >= 1023.95 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 100 ? Math.round(value) : value.toFixed(1)} ${UNITS[unit]}iB`;
}

/** `1 byte`, `0 bytes`, `1048576 bytes`: exact, for error messages that compare sizes. */
export function byteCount(bytes: number): string {
  return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
}

/**
 * `1,048,576`: digits grouped by three, as `toLocaleString('en-US')` prints them, without
 * it: the first use of ICU's number formatting maps about 7 MiB of locale data into the
 * process, which a failure alert with a cut output tail paid for (issue 22, item 9).
 */
export function groupDigits(n: number): string {
  return String(Math.trunc(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
