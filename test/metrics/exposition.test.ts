import { describe, expect, it } from 'vitest';
import { escapeHelp, escapeLabelValue, formatValue, renderExposition } from '../../src/metrics/exposition.js';
import { neverRan, type TypeSnapshot } from '../../src/metrics/snapshot.js';
import { ODD, snapshotOf, success, VERSION } from '../helpers/exposition-cases.js';
import { samples } from '../helpers/exposition-samples.js';

describe('exposition content', () => {
  it('names, HELP and TYPE lines, and "never" values', () => {
    expect(renderExposition(snapshotOf([neverRan('daily')]))).toMatchInlineSnapshot(`
      "# HELP backup_alert_last_run_timestamp_seconds When the latest run of this job finished (Unix time); 0 = no run has finished.
      # TYPE backup_alert_last_run_timestamp_seconds gauge
      backup_alert_last_run_timestamp_seconds{backup_job="daily",type="daily"} 0
      # HELP backup_alert_last_success_timestamp_seconds When the latest successful run of this job finished (Unix time); 0 = never succeeded.
      # TYPE backup_alert_last_success_timestamp_seconds gauge
      backup_alert_last_success_timestamp_seconds{backup_job="daily",type="daily"} 0
      # HELP backup_alert_last_run_duration_seconds How long the latest finished run took; 0 = no run finished, or it was abandoned.
      # TYPE backup_alert_last_run_duration_seconds gauge
      backup_alert_last_run_duration_seconds{backup_job="daily",type="daily"} 0
      # HELP backup_alert_last_run_exit_code Exit code backup-alert returned for the latest finished run; -1 = none (never ran, or abandoned).
      # TYPE backup_alert_last_run_exit_code gauge
      backup_alert_last_run_exit_code{backup_job="daily",type="daily"} -1
      # HELP backup_alert_last_run_success 1 if the latest finished run succeeded, else 0 (also 0 when no run has finished).
      # TYPE backup_alert_last_run_success gauge
      backup_alert_last_run_success{backup_job="daily",type="daily"} 0
      # HELP backup_alert_consecutive_failures Failed or abandoned runs of this job since its latest success.
      # TYPE backup_alert_consecutive_failures gauge
      backup_alert_consecutive_failures{backup_job="daily",type="daily"} 0
      # HELP backup_alert_runs_total Runs that finished with each status (success, failure, abandoned).
      # TYPE backup_alert_runs_total counter
      backup_alert_runs_total{backup_job="daily",type="daily",status="success"} 0
      backup_alert_runs_total{backup_job="daily",type="daily",status="failure"} 0
      backup_alert_runs_total{backup_job="daily",type="daily",status="abandoned"} 0
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
      { labels: { backup_job: 'daily', type: 'daily' }, value: 1_772_334_060.123 },
    ]);
    expect(samples(text, 'backup_alert_last_run_duration_seconds')[0]?.value).toBe(61.5);
    expect(samples(text, 'backup_alert_runs_total')).toContainEqual({
      labels: { backup_job: 'daily', type: 'daily', status: 'failure' },
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
      { labels: { host: 'db1', backup_job: 'daily', type: 'daily' }, value: 1 },
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

  it('writes a repeated entry once (a duplicate series would make the whole file unreadable)', () => {
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
    expect(samples(text, 'backup_alert_last_run_success')).toEqual([
      { labels: { backup_job: 'daily', type: 'daily' }, value: 1 },
    ]);
    expect(samples(text, 'backup_alert_notifications_total')).toHaveLength(1);
  });

  it('escapes and formats by the text format rules', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect(escapeHelp('a\\b\nc "q"')).toBe('a\\\\b\\nc "q"');
    expect(
      [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -1, 0.25, 1e21].map(formatValue),
    ).toEqual(['NaN', '+Inf', '-Inf', '-1', '0.25', '1e+21']);
  });
});
