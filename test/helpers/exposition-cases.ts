import { join } from 'node:path';
import { type MetricsSnapshot, neverRan, type TypeSnapshot } from '../../src/metrics/snapshot.js';
import type { BackupType } from '../../src/shared/run-result.js';
import { metricsSnapshot } from '../../src/store/metrics-query.js';
import { Store } from '../../src/store/store.js';
import { finishRun } from './db.js';
import { tempDir } from './tmp.js';

/** Metrics snapshots for the exposition tests: hand-made ones and ones read from a real store. */
export const VERSION = '0.1.0';
export const ODD = 'we"ird\\type\nwith {braces}, commas=1 日本語 \r tab\t end';

export function snapshotOf(types: TypeSnapshot[], extra: Partial<MetricsSnapshot> = {}): MetricsSnapshot {
  return { version: VERSION, types, notifications: [{ pending: 0, delivered: [] }], ...extra };
}

export function success(type: string, host?: string): TypeSnapshot {
  return {
    ...(host === undefined ? {} : { host }),
    type,
    lastRun: { status: 'success', finishedAtMs: 1_772_334_060_123, durationMs: 61_500, exitCode: 0 },
    lastSuccessAtMs: 1_772_334_060_123,
    consecutiveFailures: 0,
    runs: { success: 12, failure: 1, abandoned: 0 },
  };
}

/** A database as the CLI leaves it after each kind of history. */
function fromStore(fill: (store: Store) => void, options: { types?: string[]; channels?: string[] } = {}) {
  const store = Store.open(join(tempDir(), 'backup-alert.db'));
  try {
    fill(store);
    return metricsSnapshot(store.db, { version: VERSION, ...options });
  } finally {
    store.close();
  }
}

function run(store: Store, type: string, iso: string, status: 'success' | 'failure'): string {
  const { backupId } = store.runs.insert(
    // Odd type names on purpose: a hand-edited database may hold anything.
    { type: type as BackupType, startedAt: iso, script: '/b.sh', host: 'h', pid: 1, logPathTemplate: null },
    new Date(iso),
  );
  finishRun(store, backupId, {
    status,
    finishedAt: iso,
    durationMs: 1500,
    exitCode: status === 'success' ? 0 : 23,
    signal: null,
    errorMessage: null,
    outputTail: null,
  });
  return backupId;
}

/** Every shape of exposition the code can produce, for `promtool check metrics` (interop tier). */
export const EXPOSITION_CASES: Array<[string, () => MetricsSnapshot]> = [
  [
    'no run at all (expected types, configured channels)',
    () => fromStore(() => {}, { types: ['daily', 'weekly'], channels: ['email', 'slack'] }),
  ],
  ['no run and nothing expected', () => fromStore(() => {})],
  ['a success', () => fromStore((s) => run(s, 'daily', '2026-03-01T03:00:00.000Z', 'success'))],
  [
    'failures only (never succeeded)',
    () =>
      fromStore((s) => {
        run(s, 'daily', '2026-03-01T03:00:00.000Z', 'failure');
        run(s, 'daily', '2026-03-02T03:00:00.000Z', 'failure');
      }),
  ],
  [
    'an abandoned run',
    () =>
      fromStore((s) => {
        run(s, 'daily', '2026-03-01T03:00:00.000Z', 'success');
        const { backupId } = s.runs.insert(
          {
            type: 'daily',
            startedAt: '2026-03-02T03:00:00.000Z',
            script: '/b.sh',
            host: 'h',
            pid: 2,
            logPathTemplate: null,
          },
          new Date('2026-03-02T03:00:00.000Z'),
        );
        s.runs.markAbandoned((row) => row.backup_id === backupId, '2026-03-02T05:00:00.000Z');
      }),
  ],
  [
    'notifications sent, failed and pending',
    () =>
      fromStore((s) => {
        for (const status of ['sent', 'failed', 'pending'] as const) {
          s.notifications.insert({
            notificationType: 'backup_failure',
            channel: 'webhook',
            recipient: null,
            subject: null,
            status,
            errorMessage: null,
            sentAt: '2026-03-01T00:00:00.000Z',
            attempts: 1,
            payload: null,
            backupId: null,
          });
        }
      }),
  ],
  [
    'many types',
    () =>
      fromStore((s) => {
        for (let i = 0; i < 40; i++)
          run(s, `type-${i}`, '2026-03-01T03:00:00.000Z', i % 3 ? 'success' : 'failure');
      }),
  ],
  [
    'odd label values (quotes, backslashes, newlines, CR, unicode)',
    () =>
      snapshotOf([success(ODD), neverRan('')], {
        version: `1.0.0-"rc"\\\n`,
        notifications: [{ pending: 3, delivered: [{ channel: ODD, status: 'sent', count: 2 }] }],
      }),
  ],
  [
    'an artifact size',
    () =>
      snapshotOf([
        { ...success('daily'), lastRun: { ...success('daily').lastRun!, artifactBytes: 1_234_567_890 } },
        success('weekly'),
      ]),
  ],
  [
    'fleet-wide with hosts',
    () =>
      snapshotOf([success('daily', 'db1'), success('daily', 'db2'), neverRan('weekly', ODD)], {
        notifications: [
          { host: 'db1', pending: 0, delivered: [{ channel: 'email', status: 'sent', count: 4 }] },
          { host: 'db2', pending: 2, delivered: [{ channel: 'email', status: 'failed', count: 1 }] },
        ],
      }),
  ],
  [
    'extreme values',
    () =>
      snapshotOf([
        {
          ...success('daily'),
          lastRun: { status: 'failure', finishedAtMs: 8.64e15, durationMs: 0.5, exitCode: 255 },
          consecutiveFailures: 1_000_000,
          runs: { success: Number.MAX_SAFE_INTEGER, failure: 0, abandoned: 0 },
        },
      ]),
  ],
  [
    'a repeated entry, written once',
    () =>
      snapshotOf([success('daily'), neverRan('daily')], {
        notifications: [
          {
            pending: 1,
            delivered: [
              { channel: 'email', status: 'sent', count: 1 },
              { channel: 'email', status: 'sent', count: 2 },
            ],
          },
        ],
      }),
  ],
];
