import { byteCount } from '../../shared/bytes.js';
import { formatDuration } from '../../shared/duration.js';
import type { Logger } from '../../shared/logger.js';
import { ENTRY_LIMIT, isGlob, newestMatch } from './glob.js';
import { measure, reasonOf } from './measure.js';
import type { OutputChecks } from './plan.js';

/**
 * Filesystems keep coarse times (FAT: 2 s; some NFS servers: 1 s) and clocks drift a
 * little between a file server and us: an artifact written in the run's first second
 * must not look older than the run. A stale one is hours or days older than this.
 */
export const MTIME_SLACK_MS = 2_000;

/** What the artifacts and the duration say about a run whose script exited 0. */
export interface CheckReport {
  /** The paths checked (a glob's newest match; the pattern when nothing matched), ", "-joined. */
  artifactPath: string | null;
  /** Their total size; null when any could not be measured in full. */
  artifactBytes: number | null;
  /** Every reason the success does not stand, in the order found; empty when it stands. */
  problems: string[];
}

/** One artifact: where it is, how big, and what is wrong with it (if anything). */
interface ArtifactFacts {
  path: string;
  bytes: number | null;
  problem?: string;
}

/**
 * Checks each artifact (exists, modified during this run, at least the minimum size), then
 * the duration. Reads the filesystem only; never throws for what it finds there.
 */
export async function checkArtifacts(
  checks: OutputChecks,
  run: { startedAt: Date; durationMs: number },
  logger: Logger,
): Promise<CheckReport> {
  const facts: ArtifactFacts[] = [];
  for (const pattern of checks.artifacts) facts.push(await checkOne(pattern, checks, run.startedAt, logger));
  const problems = facts.flatMap((fact) => (fact.problem ? [fact.problem] : []));
  const { minDurationMs, minDurationLabel } = checks;
  if (minDurationMs !== undefined && run.durationMs < minDurationMs) {
    problems.push(
      `Backup finished suspiciously fast (${formatDuration(run.durationMs)} < ${minDurationLabel ?? formatDuration(minDurationMs)})`,
    );
  }
  const measured = facts.every((fact) => fact.bytes !== null);
  return {
    artifactPath: facts.length > 0 ? facts.map((fact) => fact.path).join(', ') : null,
    artifactBytes:
      facts.length > 0 && measured ? facts.reduce((sum, fact) => sum + (fact.bytes ?? 0), 0) : null,
    problems,
  };
}

async function checkOne(
  pattern: string,
  checks: OutputChecks,
  startedAt: Date,
  logger: Logger,
): Promise<ArtifactFacts> {
  let path = pattern;
  if (isGlob(pattern)) {
    const match = await newestMatch(pattern);
    if (match.kind === 'unreadable') {
      return {
        path: pattern,
        bytes: null,
        problem: `Backup artifact unreadable: ${match.path} (${reasonOf(match.error)})`,
      };
    }
    if (match.truncated) {
      logger.warn(
        'Backup',
        `Artifact pattern ${pattern}: stopped after reading ${ENTRY_LIMIT} directory entries; the newest match among them is checked`,
      );
    }
    // A glob that matches nothing is a missing artifact, not a mistake in the pattern.
    if (match.path === undefined) return { path: pattern, bytes: null, problem: missing(pattern) };
    path = match.path;
  }
  const measured = await measure(path);
  if (measured.kind === 'missing') return { path, bytes: null, problem: missing(path) };
  if (measured.kind === 'unreadable') {
    return {
      path,
      bytes: null,
      problem: `Backup artifact unreadable: ${measured.path} (${reasonOf(measured.error)})`,
    };
  }
  const updated = measured.newestMtimeMs >= startedAt.getTime() - MTIME_SLACK_MS;
  if (measured.truncated) {
    // The first 100,000 entries are a lower bound on the size and may miss the newest file:
    // report what is known, fail only on what is certain.
    logger.warn(
      'Backup',
      `Artifact ${path} has more than ${ENTRY_LIMIT} entries: stopped counting there; its size is not recorded` +
        (updated ? '' : ' and it could not be confirmed that this run updated it'),
    );
    return { path, bytes: null };
  }
  if (!updated) {
    return {
      path,
      bytes: measured.bytes,
      problem: `Backup artifact not updated by this run: ${path} (last modified ${new Date(measured.newestMtimeMs).toISOString()})`,
    };
  }
  if (measured.bytes < checks.minBytes) {
    return {
      path,
      bytes: measured.bytes,
      problem: `Backup artifact too small: ${path} (${byteCount(measured.bytes)} < ${checks.minSizeLabel})`,
    };
  }
  return { path, bytes: measured.bytes };
}

function missing(path: string): string {
  return `Backup artifact missing: ${path}`;
}
