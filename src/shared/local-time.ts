/**
 * Local time for people (BACKUP_ALERT_TIMEZONE): shown beside the runbook's ISO 8601
 * UTC time, never instead of it, and never used for backup IDs (those stay UTC).
 */

const UTC_ZONES = new Set(['utc', 'etc/utc', 'gmt', 'etc/gmt', 'universal', 'etc/universal', 'zulu']);

/** Whether Intl knows the IANA name (Node ships full ICU). */
export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** `UTC`, `Etc/UTC`, `GMT`…: the UTC line already says that time. */
export function isUtcZone(zone: string): boolean {
  return UTC_ZONES.has(zone.toLowerCase());
}

interface LocalParts {
  date: string;
  time: string;
  /** `+09:00`, `-05:00`, `+00:00` */
  offset: string;
}

function localParts(iso: string, zone: string): LocalParts | undefined {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return undefined;
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'longOffset',
  }).formatToParts(date);
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((part) => part.type === type)?.value ?? '';
  // longOffset is `GMT+09:00`, or plain `GMT` at offset zero.
  const offset = get('timeZoneName').replace(/^GMT/, '') || '+00:00';
  return {
    date: `${get('year')}-${get('month')}-${get('day')}`,
    time: `${get('hour')}:${get('minute')}:${get('second')}`,
    offset,
  };
}

/** `2026-02-15 12:00:15 +09:00 (Asia/Tokyo)`: for a line or a table cell people read. */
export function formatLocalTime(iso: string, zone: string): string | undefined {
  const parts = localParts(iso, zone);
  return parts && `${parts.date} ${parts.time} ${parts.offset} (${zone})`;
}

/** `2026-02-15T12:00:15.123+09:00`: the same instant in ISO 8601 with the zone's offset, for machines. */
export function localIsoTimestamp(iso: string, zone: string): string | undefined {
  const parts = localParts(iso, zone);
  if (!parts) return undefined;
  const millis = String(new Date(iso).getUTCMilliseconds()).padStart(3, '0');
  return `${parts.date}T${parts.time}.${millis}${parts.offset}`;
}
