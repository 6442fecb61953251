import { formatLocalTime } from '../../shared/local-time.js';

/** Small text helpers for the pages; they return plain text (escaped by the html template). */

/** `2026-03-10 12:00:00 UTC` */
export function utc(iso: string | null): string {
  if (!iso) return '-';
  return `${iso.replace('T', ' ').slice(0, 19)} UTC`;
}

/**
 * `2026-03-10 12:00:00 UTC`, and with BACKUP_ALERT_TIMEZONE the same instant in local time
 * beside it (never instead): `… UTC / 2026-03-10 21:00:00 +09:00 (Asia/Tokyo)`.
 */
export function stamp(iso: string | null, timeZone: string | undefined): string {
  const local = iso && timeZone ? formatLocalTime(iso, timeZone) : undefined;
  return local ? `${utc(iso)} / ${local}` : utc(iso);
}

export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The last `lines` lines of an output, at most `chars` characters: the end is where the error is. */
export function outputEnd(text: string, lines: number, chars: number): string {
  const trimmed = text.replace(/\s+$/, '');
  let start = trimmed.length;
  for (let i = 0; i < lines && start > 0; i++) start = trimmed.lastIndexOf('\n', start - 1);
  const end = trimmed.slice(Math.max(start + 1, 0));
  return end.length > chars ? `…${end.slice(end.length - chars)}` : end;
}

/**
 * The page of one run. With its host: over the centre a backup ID is unique per host only.
 * IDs and hosts are validated on the way in, encoded anyway.
 */
export function backupHref(backupId: string, host: string | null, langQuery: string): string {
  const query = [host ? `host=${encodeURIComponent(host)}` : '', langQuery.replace(/^\?/, '')]
    .filter((part) => part !== '')
    .join('&');
  return `/backups/${encodeURIComponent(backupId)}${query ? `?${query}` : ''}`;
}

/** The page of one job's history (over the centre, with its host). */
export function jobHref(job: string, host: string | null, langQuery: string): string {
  const query = [host ? `host=${encodeURIComponent(host)}` : '', langQuery.replace(/^\?/, '')]
    .filter((part) => part !== '')
    .join('&');
  return `/jobs/${encodeURIComponent(job)}${query ? `?${query}` : ''}`;
}
