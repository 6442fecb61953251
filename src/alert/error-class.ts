import type { RunResult } from '../shared/run-result.js';

/**
 * The error class of a failed run: what hosts failing "the same way" share, so the centre
 * can see a storm without a `target` (a rotated credential, a full object store). Small and
 * stable: the exit code, then the message without what differs from host to host and run
 * to run (DESIGN.md's prefix, the host name, backup IDs, numbers, paths under /tmp),
 * lower-cased, spaces collapsed, at most 80 characters.
 *
 *   Backup script failed with exit code 32: mount: 10.0.0.5:/backup on db17: Connection timed out
 *   → exit 32: mount: #.#.#.#:/backup on <host>: connection timed out
 */
export const ERROR_CLASS_MAX = 80;

export function errorClassOf(run: Pick<RunResult, 'exitCode' | 'errorMessage' | 'host'>): string {
  let message = run.errorMessage ?? '';
  message = message.replace(/^Backup script failed with exit code -?\d+:\s*/, '');
  if (run.host) message = message.split(run.host).join('<host>');
  message = message
    .replace(/BKP-\d{8}-\d{6}-[a-z0-9._-]+/gi, '<backup>')
    .replace(/\/tmp\/\S*/g, '/tmp/…')
    .replace(/(?<![a-z])\d+(?![a-z])/gi, '#')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
  return `exit ${run.exitCode ?? '?'}: ${message}`.slice(0, ERROR_CLASS_MAX).trimEnd();
}
