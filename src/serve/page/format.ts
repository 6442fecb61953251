/** Small text helpers for the pages; they return plain text (escaped by the html template). */

/** `2026-03-10 12:00:00 UTC` */
export function utc(iso: string | null): string {
  if (!iso) return '-';
  return `${iso.replace('T', ' ').slice(0, 19)} UTC`;
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

/** The page of one run; IDs are validated on the way in, encoded anyway. */
export function backupHref(backupId: string, langQuery: string): string {
  return `/backups/${encodeURIComponent(backupId)}${langQuery}`;
}
