import { SIZE_HISTORY_MIN, SIZE_HISTORY_RUNS } from '../alert/size-check.js';
import { formatBytes } from '../shared/bytes.js';
import { median } from '../shared/size-finding.js';
import type { RunRow } from '../store/rows.js';
import type { Store } from '../store/store.js';

/** The latest success's artifact size and how it compares with the successes before it. */
export interface SizeStatus {
  path: string | null;
  bytes: number;
  /** Median of the (up to 7) successes before it; null with fewer than 3 of them. */
  medianBytes: number | null;
  /** (bytes − median) / median in percent, rounded; null without a median. */
  changePercent: number | null;
}

/**
 * For `status`: null when the latest success recorded no size. A database opened read-only
 * before its artifact migration has no such column: no size, rather than no status.
 */
export function sizeStatus(store: Store | null, job: string, success: RunRow | undefined): SizeStatus | null {
  const bytes = success?.artifact_bytes;
  if (!store || !success || bytes === null || bytes === undefined) return null;
  let recent: number[];
  try {
    recent = store.runs.recentArtifactSizes(job, success.backup_id, SIZE_HISTORY_RUNS);
  } catch {
    recent = [];
  }
  const medianBytes = recent.length >= SIZE_HISTORY_MIN ? median(recent) : null;
  return {
    path: success.artifact_path ?? null,
    bytes,
    medianBytes,
    changePercent: medianBytes ? Math.round(((bytes - medianBytes) / medianBytes) * 100) : null,
  };
}

/** `1.2 GiB (-3% vs median)`, `1.2 GiB`, `-`. */
export function formatSizeStatus(size: SizeStatus | null): string {
  if (!size) return '-';
  if (size.changePercent === null) return formatBytes(size.bytes);
  const sign = size.changePercent > 0 ? '+' : '';
  return `${formatBytes(size.bytes)} (${sign}${size.changePercent}% vs median)`;
}
