import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderExposition } from '../../../src/metrics/exposition.js';
import { publishMetrics } from '../../../src/metrics/publish.js';
import { writeTextfile } from '../../../src/metrics/textfile.js';
import { createLogger } from '../../../src/shared/logger.js';
import type { BackupType } from '../../../src/shared/run-result.js';
import { metricsSnapshot } from '../../../src/store/metrics-query.js';
import { Store } from '../../../src/store/store.js';
import { finishRun } from '../../helpers/db.js';
import { samples } from '../../helpers/exposition-samples.js';
import { type Daemon, startNodeExporter } from '../../helpers/prometheus.js';
import { tempDir } from '../../helpers/tmp.js';

// One node_exporter for the file, reading one textfile directory.
let dir: string;
let exporter: Daemon;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'backup-alert-textfile-'));
  exporter = await startNodeExporter(dir, () => {});
});
afterAll(async () => {
  await exporter?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function scrape(): Promise<string> {
  const response = await fetch(`${exporter.url}/metrics`, { signal: AbortSignal.timeout(10_000) });
  expect(response.status).toBe(200);
  return response.text();
}

function finished(
  store: Store,
  type: BackupType,
  iso: string,
  status: 'success' | 'failure',
  exitCode: number,
) {
  const { backupId } = store.runs.insert(
    { type, startedAt: iso, script: '/opt/backup.sh', host: 'db1', pid: 1, logPathTemplate: null },
    new Date(iso),
  );
  finishRun(store, backupId, {
    status,
    finishedAt: new Date(Date.parse(iso) + 90_000).toISOString(),
    durationMs: 90_000,
    exitCode,
    signal: null,
    errorMessage: null,
    outputTail: null,
  });
}

describe('node_exporter textfile collector', () => {
  it('serves the backup series from the file backup-alert writes, with the right values', async () => {
    const store = Store.open(join(tempDir(), 'backup-alert.db'));
    try {
      finished(store, 'daily', '2026-03-01T03:00:00.000Z', 'success', 0);
      finished(store, 'daily', '2026-03-02T03:00:00.000Z', 'failure', 23);
      finished(store, 'daily', '2026-03-03T03:00:00.000Z', 'failure', 23);
      finished(store, 'weekly', '2026-03-01T04:00:00.000Z', 'success', 0);
      const log: string[] = [];
      const report = await publishMetrics(
        metricsSnapshot(store.db, { version: '0.1.0', types: ['monthly'], channels: ['email'] }),
        {
          metrics: { metricsFile: join(dir, 'backup-alert.prom') },
          instance: 'db1',
          logger: createLogger({ write: (line) => log.push(line) }),
          timeoutMs: 5000,
        },
      );
      expect(report.file).toMatchObject({ ok: true });
      expect(log).toEqual([]);
    } finally {
      store.close();
    }

    const text = await scrape();
    expect(samples(text, 'node_textfile_scrape_error')).toEqual([{ labels: {}, value: 0 }]);
    expect(samples(text, 'node_textfile_mtime_seconds')).toContainEqual(
      expect.objectContaining({ labels: { file: join(dir, 'backup-alert.prom') } }),
    );
    const value = (name: string, labels: Record<string, string>) =>
      samples(text, name).find((s) => JSON.stringify(s.labels) === JSON.stringify(labels))?.value;
    expect(value('backup_alert_last_run_success', { backup_job: 'daily', type: 'daily' })).toBe(0);
    expect(value('backup_alert_last_run_success', { backup_job: 'weekly', type: 'weekly' })).toBe(1);
    expect(value('backup_alert_last_run_success', { backup_job: 'monthly', type: 'monthly' })).toBe(0);
    expect(value('backup_alert_last_run_exit_code', { backup_job: 'daily', type: 'daily' })).toBe(23);
    expect(value('backup_alert_last_run_exit_code', { backup_job: 'monthly', type: 'monthly' })).toBe(-1);
    expect(value('backup_alert_consecutive_failures', { backup_job: 'daily', type: 'daily' })).toBe(2);
    expect(value('backup_alert_last_run_duration_seconds', { backup_job: 'daily', type: 'daily' })).toBe(90);
    expect(value('backup_alert_last_success_timestamp_seconds', { backup_job: 'daily', type: 'daily' })).toBe(
      Date.parse('2026-03-01T03:01:30.000Z') / 1000,
    );
    expect(
      value('backup_alert_last_success_timestamp_seconds', { backup_job: 'monthly', type: 'monthly' }),
    ).toBe(0);
    expect(value('backup_alert_runs_total', { backup_job: 'daily', status: 'failure', type: 'daily' })).toBe(
      2,
    );
    expect(value('backup_alert_notifications_pending', {})).toBe(0);
    expect(value('backup_alert_notifications_total', { channel: 'email', status: 'sent' })).toBe(0);
    expect(value('backup_alert_build_info', { version: '0.1.0' })).toBe(1);
    expect(text).toContain('# TYPE backup_alert_runs_total counter');
  });

  it('reads odd label values back as written', async () => {
    const odd = 'nightly "full" C:\\backup\nline two';
    await writeTextfile(
      join(dir, 'backup-alert.prom'),
      renderExposition({
        version: '0.1.0',
        types: [
          {
            type: odd,
            lastRun: null,
            lastSuccessAtMs: null,
            consecutiveFailures: 0,
            runs: { success: 0, failure: 0, abandoned: 0 },
          },
        ],
        notifications: [{ pending: 0, delivered: [] }],
      }),
    );
    const text = await scrape();
    expect(samples(text, 'node_textfile_scrape_error')[0]?.value).toBe(0);
    expect(samples(text, 'backup_alert_last_run_success')).toEqual([
      { labels: { backup_job: odd, type: odd }, value: 0 },
    ]);
  });

  it('never sees a broken file while runs rewrite it', async () => {
    const path = join(dir, 'backup-alert.prom');
    const texts = [0, 1, 2].map((n) =>
      renderExposition({
        version: '0.1.0',
        types: Array.from({ length: 200 }, (_, i) => ({
          type: `type-${n}-${i}`,
          lastRun: null,
          lastSuccessAtMs: null,
          consecutiveFailures: n,
          runs: { success: i, failure: 0, abandoned: 0 },
        })),
        notifications: [{ pending: n, delivered: [] }],
      }),
    );
    expect((await writeTextfile(path, texts[0]!)).ok).toBe(true);
    let writing = true;
    const writers = texts.map(async (text) => {
      while (writing) {
        const result = await writeTextfile(path, text);
        if (!result.ok) throw new Error(result.error);
      }
    });
    const errors: number[] = [];
    const counts: number[] = [];
    try {
      for (let i = 0; i < 15; i++) {
        const text = await scrape();
        errors.push(samples(text, 'node_textfile_scrape_error')[0]?.value ?? -1);
        counts.push(samples(text, 'backup_alert_last_run_success').length);
      }
    } finally {
      writing = false;
      await Promise.all(writers);
    }
    expect(counts).toEqual(Array(15).fill(200));
    expect(errors).toEqual(Array(15).fill(0));
  });
});
