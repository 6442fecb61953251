import { formatBytes } from './bytes.js';

/**
 * A backup whose artifact is far from its usual size (DESIGN.md "False success"):
 * what the alert policy found, as plain data the run pipeline, the alert and every
 * channel read. Decided by alert/size-check.ts; described here once, in one sentence.
 */
export interface SizeFinding {
  /** `drop`: more than BACKUP_ALERT_SIZE_DROP below the median; `growth`: more than SIZE_GROWTH above. */
  direction: 'drop' | 'growth';
  /** The artifact (as RunResult.artifactPath). */
  path: string | null;
  bytes: number;
  /** The median of `recentBytes`. */
  medianBytes: number;
  /** Earlier successful runs of the type, newest first (at most 7). */
  recentBytes: number[];
  /** (bytes − median) / median, in percent, rounded: −90 is a tenth of the usual size. */
  changePercent: number;
  /** The threshold it crossed, in percent. */
  thresholdPercent: number;
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length % 2 === 1) return sorted[middle]!;
  return Math.round((sorted[middle - 1]! + sorted[middle]!) / 2);
}

/**
 * `Backup artifact much smaller than usual: /var/backups/db.dump (1.0 MiB, 90 % below the
 * median of the last 7 successful runs, 10.0 MiB)`: the error line of a size warning, and
 * the error message of the failure `--on-suspect fail` makes of it.
 */
export function describeSizeFinding(finding: SizeFinding): string {
  const smaller = finding.direction === 'drop';
  const runs = finding.recentBytes.length;
  return (
    `Backup artifact much ${smaller ? 'smaller' : 'larger'} than usual: ${finding.path ?? '?'} ` +
    `(${formatBytes(finding.bytes)}, ${Math.abs(finding.changePercent)} % ${smaller ? 'below' : 'above'} ` +
    `the median of the last ${runs} successful run${runs === 1 ? '' : 's'}, ${formatBytes(finding.medianBytes)})`
  );
}
