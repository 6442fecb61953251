import { describe, expect, it } from 'vitest';
import { formatLocalTime, isValidTimeZone, localIsoTimestamp } from '../../src/shared/local-time.js';

describe('local time', () => {
  it('shows the same instant in the zone, with its offset and name', () => {
    expect(formatLocalTime('2026-02-15T03:00:15.123Z', 'Asia/Tokyo')).toBe(
      '2026-02-15 12:00:15 +09:00 (Asia/Tokyo)',
    );
    expect(formatLocalTime('2026-02-15T03:00:15.123Z', 'America/New_York')).toBe(
      '2026-02-14 22:00:15 -05:00 (America/New_York)',
    );
    expect(formatLocalTime('2026-07-15T03:00:15.123Z', 'Europe/London')).toBe(
      '2026-07-15 04:00:15 +01:00 (Europe/London)',
    );
    expect(formatLocalTime('2026-01-15T03:00:15.123Z', 'Europe/London')).toBe(
      '2026-01-15 03:00:15 +00:00 (Europe/London)',
    );
  });

  it('ISO 8601 with the offset keeps the milliseconds', () => {
    expect(localIsoTimestamp('2026-02-15T23:30:15.007Z', 'Asia/Kolkata')).toBe(
      '2026-02-16T05:00:15.007+05:30',
    );
  });

  it('knows IANA names only', () => {
    expect(isValidTimeZone('Asia/Tokyo')).toBe(true);
    expect(isValidTimeZone('JST-9')).toBe(false);
    expect(formatLocalTime('not a time', 'Asia/Tokyo')).toBeUndefined();
  });
});
