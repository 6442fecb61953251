import type { FalseSuccessSettings } from '../config/false-success.js';
import type { RunResult } from '../shared/run-result.js';
import { median, type SizeFinding } from '../shared/size-finding.js';
import type { Journal } from '../store/journal.js';

/** The history a size is judged against: the last 7 successful runs of the type that had a size. */
export const SIZE_HISTORY_RUNS = 7;
/** With fewer earlier sizes than this there is no "usual" yet: no judgement. */
export const SIZE_HISTORY_MIN = 3;

export type SizeThresholds = Pick<FalseSuccessSettings, 'sizeDropPercent' | 'sizeGrowthPercent'>;

/**
 * Is `bytes` far from the median of `recentBytes` (newest first)? More than
 * BACKUP_ALERT_SIZE_DROP below it, or more than BACKUP_ALERT_SIZE_GROWTH above it.
 * A median of 0 has no "percent below" or "above": no judgement either.
 */
export function judgeSize(
  bytes: number,
  path: string | null,
  recentBytes: readonly number[],
  thresholds: SizeThresholds,
): SizeFinding | undefined {
  if (recentBytes.length < SIZE_HISTORY_MIN) return undefined;
  const medianBytes = median(recentBytes);
  if (medianBytes <= 0) return undefined;
  const change = ((bytes - medianBytes) / medianBytes) * 100;
  const { sizeDropPercent: drop, sizeGrowthPercent: growth } = thresholds;
  let direction: SizeFinding['direction'];
  let thresholdPercent: number;
  if (drop !== null && change < -drop) [direction, thresholdPercent] = ['drop', drop];
  else if (growth !== null && change > growth) [direction, thresholdPercent] = ['growth', growth];
  else return undefined;
  return {
    direction,
    path,
    bytes,
    medianBytes,
    recentBytes: [...recentBytes],
    changePercent: Math.round(change),
    thresholdPercent,
  };
}

/**
 * The size judgement of a finished (or finishing) run against its type's history in the
 * journal; undefined when the run has no size or there is nothing to say. Both the run
 * pipeline (`--on-suspect fail`, before the result is recorded) and the alert policy
 * (a warning, after) ask this one function, so they can never disagree.
 */
export function sizeFindingOf(
  run: Pick<RunResult, 'job' | 'backupId' | 'artifactPath' | 'artifactBytes'>,
  journal: Pick<Journal, 'runs'>,
  thresholds: SizeThresholds,
): SizeFinding | undefined {
  if (run.artifactBytes === null || run.artifactBytes === undefined) return undefined;
  if (thresholds.sizeDropPercent === null && thresholds.sizeGrowthPercent === null) return undefined;
  const recent = journal.runs.recentArtifactSizes(run.job, run.backupId, SIZE_HISTORY_RUNS);
  return judgeSize(run.artifactBytes, run.artifactPath, recent, thresholds);
}
