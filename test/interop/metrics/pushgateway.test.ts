import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderExposition } from '../../../src/metrics/exposition.js';
import { publishMetrics } from '../../../src/metrics/publish.js';
import { groupingPath, pushMetrics } from '../../../src/metrics/pushgateway.js';
import { type MetricsSnapshot, neverRan, type TypeSnapshot } from '../../../src/metrics/snapshot.js';
import { createLogger } from '../../../src/shared/logger.js';
import { samples } from '../../helpers/exposition-samples.js';
import { type Daemon, startPushgateway } from '../../helpers/prometheus.js';
import { tempDir } from '../../helpers/tmp.js';

let gateway: Daemon;
beforeAll(async () => {
  gateway = await startPushgateway(() => {});
});
afterAll(() => gateway?.stop());

function ok(type: string): TypeSnapshot {
  return {
    type,
    lastRun: { status: 'success', finishedAtMs: 1_772_334_000_000, durationMs: 4000, exitCode: 0 },
    lastSuccessAtMs: 1_772_334_000_000,
    consecutiveFailures: 0,
    runs: { success: 3, failure: 0, abandoned: 0 },
  };
}

function exposition(types: TypeSnapshot[], pending = 0): string {
  const snapshot: MetricsSnapshot = {
    version: '0.1.0',
    types,
    notifications: [{ pending, delivered: [{ channel: 'email', status: 'sent', count: 5 }] }],
  };
  return renderExposition(snapshot);
}

async function served(): Promise<string> {
  const response = await fetch(`${gateway.url}/metrics`, { signal: AbortSignal.timeout(10_000) });
  return response.text();
}

const signal = () => AbortSignal.timeout(10_000);

describe('Pushgateway', () => {
  it('receives the push under job="backup_alert", instance=<host> and serves it back', async () => {
    const result = await pushMetrics({
      url: gateway.url,
      instance: 'db1',
      body: exposition([ok('daily'), neverRan('weekly')], 2),
      signal: signal(),
    });
    expect(result).toEqual({ ok: true, status: 200 });
    const text = await served();
    const db1 = (name: string) => samples(text, name).filter((s) => s.labels['instance'] === 'db1');
    expect(db1('backup_alert_last_run_success')).toEqual([
      { labels: { backup_job: 'daily', instance: 'db1', job: 'backup_alert', type: 'daily' }, value: 1 },
      { labels: { backup_job: 'weekly', instance: 'db1', job: 'backup_alert', type: 'weekly' }, value: 0 },
    ]);
    expect(db1('backup_alert_notifications_pending')).toEqual([
      { labels: { instance: 'db1', job: 'backup_alert' }, value: 2 },
    ]);
    expect(db1('push_failure_time_seconds')).toContainEqual({
      labels: { instance: 'db1', job: 'backup_alert' },
      value: 0,
    });
  });

  it('replaces the whole group on each push (PUT): a type that is gone does not linger', async () => {
    await pushMetrics({
      url: gateway.url,
      instance: 'db2',
      body: exposition([ok('daily'), ok('weekly')]),
      signal: signal(),
    });
    await pushMetrics({
      url: gateway.url,
      instance: 'db2',
      body: exposition([ok('daily')]),
      signal: signal(),
    });
    const mine = samples(await served(), 'backup_alert_last_run_success').filter(
      (s) => s.labels['instance'] === 'db2',
    );
    expect(mine.map((s) => s.labels['type'])).toEqual(['daily']);
  });

  it('encodes host names the URL path cannot carry (slash, space, dots, empty)', async () => {
    for (const host of ['rack/7 db', '..', 'ホスト', '']) {
      const result = await pushMetrics({
        url: gateway.url,
        instance: host,
        body: exposition([ok('daily')]),
        signal: signal(),
      });
      expect(result).toEqual({ ok: true, status: 200 });
    }
    const instances = samples(await served(), 'backup_alert_build_info').map((s) => s.labels['instance']);
    expect(instances).toEqual(expect.arrayContaining(['rack/7 db', '..', 'ホスト']));
    expect(groupingPath('backup_alert', [['instance', 'db1.example.com']])).toBe(
      '/job/backup_alert/instance/db1.example.com',
    );
    expect(groupingPath('backup_alert', [['instance', 'a/b']])).toBe(
      '/job/backup_alert/instance@base64/YS9i',
    );
    expect(groupingPath('backup_alert', [['instance', '']])).toBe('/job/backup_alert/instance@base64/=');
  });

  it('refuses an inconsistent push with a reason (HTTP 400)', async () => {
    const result = await pushMetrics({
      url: gateway.url,
      instance: 'db3',
      body: 'backup_alert_bad{backup_job="daily",type="daily"} 1\nbackup_alert_bad{backup_job="daily",type="daily"} 2\n',
      signal: signal(),
    });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(/^HTTP 400 from http:\/\/127\.0\.0\.1:\d+\/…: /);
  });
});

describe('publishMetrics', () => {
  it('logs one [WARN] for an unwritable file and still pushes', async () => {
    const log: string[] = [];
    const path = join(tempDir(), 'missing', 'm.prom');
    const report = await publishMetrics(
      { version: '0.1.0', types: [ok('daily')], notifications: [{ pending: 0, delivered: [] }] },
      {
        metrics: { metricsFile: path, pushgatewayUrl: gateway.url },
        instance: 'db-publish',
        logger: createLogger({ write: (line) => log.push(line) }),
        timeoutMs: 5000,
      },
    );
    expect(report.push).toEqual({ ok: true, status: 200 });
    expect(log).toEqual([
      `[WARN] [Metrics] cannot write metrics file ${path}: its directory does not exist (ENOENT); metrics not updated\n`,
    ]);
  });
});
