import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { escapeHelp, escapeLabelValue, formatValue, renderExposition } from '../../src/metrics/exposition.js';
import { type MetricsSnapshot, neverRan, type TypeSnapshot } from '../../src/metrics/snapshot.js';
import type { BackupType } from '../../src/shared/run-result.js';
import { metricsSnapshot } from '../../src/store/metrics-query.js';
import { Store } from '../../src/store/store.js';
import { finishRun } from '../helpers/db.js';
import { promtoolCheckMetrics, samples } from '../helpers/prometheus.js';
import { tempDir } from '../helpers/tmp.js';

const VERSION = '0.1.0';
const ODD = 'we"ird\\type\nwith {braces}, commas=1 日本語 \r tab\t end';

function snapshotOf(types: TypeSnapshot[], extra: Partial<MetricsSnapshot> = {}): MetricsSnapshot {
  return { version: VERSION, types, notifications: [{ pending: 0, delivered: [] }], ...extra };
}

function success(type: string, host?: string): TypeSnapshot {
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

const CASES: Array<[string, () => MetricsSnapshot]> = [
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
];

describe('every exposition the code can produce passes promtool check metrics', () => {
  it.each(CASES)('%s', async (_name, make) => {
    const text = renderExposition(make());
    const result = await promtoolCheckMetrics(text);
    expect(result.output).toBe('');
    expect(result.exitCode).toBe(0);
  });
});

describe('exposition content', () => {
  it('names, HELP and TYPE lines, and "never" values', () => {
    expect(renderExposition(snapshotOf([neverRan('daily')]))).toMatchInlineSnapshot(`
      "# HELP backup_alert_last_run_timestamp_seconds When the latest run of this type finished (Unix time); 0 = no run has finished.
      # TYPE backup_alert_last_run_timestamp_seconds gauge
      backup_alert_last_run_timestamp_seconds{type="daily"} 0
      # HELP backup_alert_last_success_timestamp_seconds When the latest successful run of this type finished (Unix time); 0 = never succeeded.
      # TYPE backup_alert_last_success_timestamp_seconds gauge
      backup_alert_last_success_timestamp_seconds{type="daily"} 0
      # HELP backup_alert_last_run_duration_seconds How long the latest finished run took; 0 = no run finished, or it was abandoned.
      # TYPE backup_alert_last_run_duration_seconds gauge
      backup_alert_last_run_duration_seconds{type="daily"} 0
      # HELP backup_alert_last_run_exit_code Exit code backup-alert returned for the latest finished run; -1 = none (never ran, or abandoned).
      # TYPE backup_alert_last_run_exit_code gauge
      backup_alert_last_run_exit_code{type="daily"} -1
      # HELP backup_alert_last_run_success 1 if the latest finished run succeeded, else 0 (also 0 when no run has finished).
      # TYPE backup_alert_last_run_success gauge
      backup_alert_last_run_success{type="daily"} 0
      # HELP backup_alert_consecutive_failures Failed or abandoned runs of this type since its latest success.
      # TYPE backup_alert_consecutive_failures gauge
      backup_alert_consecutive_failures{type="daily"} 0
      # HELP backup_alert_runs_total Runs that finished with each status (success, failure, abandoned).
      # TYPE backup_alert_runs_total counter
      backup_alert_runs_total{type="daily",status="success"} 0
      backup_alert_runs_total{type="daily",status="failure"} 0
      backup_alert_runs_total{type="daily",status="abandoned"} 0
      # HELP backup_alert_notifications_pending Notifications not delivered yet, waiting for backup-alert retry.
      # TYPE backup_alert_notifications_pending gauge
      backup_alert_notifications_pending 0
      # HELP backup_alert_build_info Always 1; the version label says which backup-alert wrote these metrics.
      # TYPE backup_alert_build_info gauge
      backup_alert_build_info{version="0.1.0"} 1
      "
    `);
  });

  it('has the same series for a type whatever its history', () => {
    const seriesOf = (t: TypeSnapshot) =>
      renderExposition(snapshotOf([t]))
        .split('\n')
        .filter((line) => line && !line.startsWith('#'))
        .map((line) => line.slice(0, line.lastIndexOf(' ')));
    const never = seriesOf(neverRan('daily'));
    expect(seriesOf(success('daily'))).toEqual(never);
    expect(seriesOf({ ...success('daily'), lastRun: null, lastSuccessAtMs: null })).toEqual(never);
  });

  it('reads the values of a run', () => {
    const text = renderExposition(snapshotOf([success('daily')]));
    expect(samples(text, 'backup_alert_last_run_timestamp_seconds')).toEqual([
      { labels: { type: 'daily' }, value: 1_772_334_060.123 },
    ]);
    expect(samples(text, 'backup_alert_last_run_duration_seconds')[0]?.value).toBe(61.5);
    expect(samples(text, 'backup_alert_runs_total')).toContainEqual({
      labels: { type: 'daily', status: 'failure' },
      value: 1,
    });
    expect(samples(text, 'backup_alert_last_artifact_bytes')).toEqual([]);
    expect(text).not.toContain('host=');
  });

  it('puts a host label on per-host series only when fleet-wide', () => {
    const text = renderExposition(
      snapshotOf([success('daily', 'db1')], {
        notifications: [{ host: 'db1', pending: 1, delivered: [] }],
      }),
    );
    expect(samples(text, 'backup_alert_last_run_success')).toEqual([
      { labels: { host: 'db1', type: 'daily' }, value: 1 },
    ]);
    expect(samples(text, 'backup_alert_notifications_pending')).toEqual([
      { labels: { host: 'db1' }, value: 1 },
    ]);
    expect(samples(text, 'backup_alert_build_info')).toEqual([{ labels: { version: VERSION }, value: 1 }]);
  });

  it('escapes label values and round-trips them', () => {
    const text = renderExposition(snapshotOf([success(ODD)]));
    expect(samples(text, 'backup_alert_last_run_success')[0]?.labels['type']).toBe(ODD);
    // Exactly one line per sample: the newline in the value did not break the line.
    expect(text.split('\n').filter((l) => l.startsWith('backup_alert_last_run_success{'))).toHaveLength(1);
  });

  it('writes a repeated entry once (a duplicate series would make the whole file unreadable)', async () => {
    const text = renderExposition(
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
    );
    expect(samples(text, 'backup_alert_last_run_success')).toEqual([{ labels: { type: 'daily' }, value: 1 }]);
    expect(samples(text, 'backup_alert_notifications_total')).toHaveLength(1);
    expect((await promtoolCheckMetrics(text)).exitCode).toBe(0);
  });

  it('escapes and formats by the text format rules', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect(escapeHelp('a\\b\nc "q"')).toBe('a\\\\b\\nc "q"');
    expect(
      [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -1, 0.25, 1e21].map(formatValue),
    ).toEqual(['NaN', '+Inf', '-Inf', '-1', '0.25', '1e+21']);
  });
});
