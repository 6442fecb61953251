import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { metricsChecks } from '../../src/commands/doctor/metrics-checks.js';
import { metricsCommand } from '../../src/commands/metrics.js';
import { type MetricsConfig, parseMetricsConfig } from '../../src/config/metrics.js';
import { readSecret } from '../../src/config/secrets.js';
import type { ConfigProblem } from '../../src/config/values.js';
import type { MainDeps } from '../../src/context.js';
import { Store } from '../../src/store/store.js';
import { commandContext } from '../helpers/context.js';
import { finishRun } from '../helpers/db.js';
import { samples } from '../helpers/exposition-samples.js';
import { startHealthchecks, startUptimeKuma } from '../helpers/healthchecks.js';
import { scriptedServer } from '../helpers/http.js';
import { closedPort } from '../helpers/net.js';
import { tempDir } from '../helpers/tmp.js';

function context(env: Record<string, string>, overrides: Partial<MainDeps> = {}) {
  return commandContext(env, overrides);
}

describe('backup-alert metrics', () => {
  it('prints the "never" series of the expected types when there is no database yet (and creates none)', async () => {
    const dbPath = join(tempDir(), 'state', 'backup-alert.db');
    const { ctx, out } = context({ BACKUP_ALERT_DB: dbPath, BACKUP_ALERT_EMAIL: 'ops@example.com' });
    const code = await metricsCommand({ expectedTypes: ['daily', 'weekly'] }, ctx);
    expect(code).toBe(0);
    expect(existsSync(dbPath)).toBe(false);
    expect(samples(out.stdout, 'backup_alert_last_success_timestamp_seconds')).toEqual([
      { labels: { backup_job: 'daily', type: 'daily' }, value: 0 },
      { labels: { backup_job: 'weekly', type: 'weekly' }, value: 0 },
    ]);
    expect(samples(out.stdout, 'backup_alert_notifications_total')).toEqual([
      { labels: { channel: 'email', status: 'sent' }, value: 0 },
      { labels: { channel: 'email', status: 'failed' }, value: 0 },
    ]);
  });

  it('prints what the database holds, with the configured channels', async () => {
    const dbPath = join(tempDir(), 'backup-alert.db');
    const store = Store.open(dbPath);
    const { backupId } = store.runs.insert(
      {
        type: 'daily',
        startedAt: '2026-03-01T03:00:00.000Z',
        script: '/b.sh',
        host: 'db1',
        pid: 1,
        logPathTemplate: null,
      },
      new Date('2026-03-01T03:00:00.000Z'),
    );
    finishRun(store, backupId, {
      status: 'failure',
      finishedAt: '2026-03-01T03:02:00.000Z',
      durationMs: 120_000,
      exitCode: 4,
      signal: null,
      errorMessage: 'x',
      outputTail: null,
    });
    store.close();
    const { ctx, out } = context({ BACKUP_ALERT_DB: dbPath });
    const code = await metricsCommand(
      { metrics: { ping: { url: 'https://hc-ping.com/x', format: 'healthchecks' } } },
      ctx,
    );
    expect(code).toBe(0);
    expect(samples(out.stdout, 'backup_alert_last_run_exit_code')).toEqual([
      { labels: { backup_job: 'daily', type: 'daily' }, value: 4 },
    ]);
    expect(samples(out.stdout, 'backup_alert_notifications_total').map((s) => s.labels['channel'])).toEqual([
      'ping',
      'ping',
    ]);
    expect(out.stdout).not.toContain('hc-ping');
  });

  it('fails clearly on a database it may only read and that predates the metrics tables', async () => {
    const dbPath = join(tempDir(), 'backup-alert.db');
    const store = Store.open(dbPath);
    store.db.exec('DROP TABLE metrics_jobs; DROP TABLE metrics_notifications;');
    store.close();
    const { ctx, out } = context({ BACKUP_ALERT_DB: dbPath });
    ctx.openStore = () => {
      throw new Error('attempt to write a readonly database');
    };
    expect(await metricsCommand({}, ctx)).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(
      /^backup-alert: cannot read metrics from .*: no such table: metrics_jobs \(run any command as its owner once to upgrade it\)\n$/,
    );
  });
});

function metricsConfig(env: Record<string, string>): { metrics: MetricsConfig; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const metrics = parseMetricsConfig(env, (name) => readSecret(env, name, '/', problems), problems, {
    cwd: '/',
  });
  return { metrics, problems };
}

describe('doctor: metrics and heartbeat lines', () => {
  it('skips what is not configured', async () => {
    const { metrics, problems } = metricsConfig({});
    const checks = await metricsChecks(metrics, problems, { send: true, timeoutMs: 2000 });
    expect(checks.map((c) => [c.id, c.status])).toEqual([
      ['metrics-file', 'skip'],
      ['pushgateway', 'skip'],
      ['ping', 'skip'],
    ]);
  });

  it('checks the metrics directory is writable, and says what to do when it is not', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'textfile'));
    const good = metricsConfig({ BACKUP_ALERT_METRICS_FILE: join(dir, 'textfile', 'backup-alert.prom') });
    const [okLine] = await metricsChecks(good.metrics, good.problems, { send: false, timeoutMs: 2000 });
    expect(okLine).toMatchObject({ status: 'ok', detail: `${join(dir, 'textfile')} is writable` });
    const missing = metricsConfig({ BACKUP_ALERT_METRICS_FILE: join(dir, 'nope', 'backup-alert.prom') });
    const [fail] = await metricsChecks(missing.metrics, missing.problems, { send: false, timeoutMs: 2000 });
    expect(fail).toMatchObject({
      status: 'fail',
      remedy: expect.stringContaining('--collector.textfile.directory'),
    });
    const txt = metricsConfig({ BACKUP_ALERT_METRICS_FILE: join(dir, 'textfile', 'backup-alert.txt') });
    expect(
      (await metricsChecks(txt.metrics, txt.problems, { send: false, timeoutMs: 2000 }))[0]?.status,
    ).toBe('warn');
  });

  it('contacts the Pushgateway only with --send (health, no push)', async () => {
    const server = await scriptedServer([{ status: 200, body: 'OK' }]);
    const { metrics, problems } = metricsConfig({ BACKUP_ALERT_PUSHGATEWAY_URL: server.url });
    const quiet = await metricsChecks(metrics, problems, { send: false, timeoutMs: 2000 });
    expect(quiet[1]).toMatchObject({ status: 'ok', detail: expect.stringContaining('not contacted') });
    expect(server.requests).toHaveLength(0);
    const sent = await metricsChecks(metrics, problems, { send: true, timeoutMs: 2000 });
    expect(sent[1]).toMatchObject({ status: 'ok' });
    expect(server.requests.map((r) => [r.method, r.path])).toEqual([
      ['GET', `/services/${server.token}/-/healthy`],
    ]);
    const down = metricsConfig({ BACKUP_ALERT_PUSHGATEWAY_URL: `http://127.0.0.1:${await closedPort()}/` });
    expect(
      (await metricsChecks(down.metrics, down.problems, { send: true, timeoutMs: 2000 }))[1]?.status,
    ).toBe('fail');
    expect(JSON.stringify([quiet, sent])).not.toContain(server.token);
  });

  it('sends a neutral /log ping with --send, never a Kuma push; an unknown check fails', async () => {
    const server = await startHealthchecks();
    const hc = metricsConfig({ BACKUP_ALERT_PING_URL: `${server.base}/ping/${server.uuid}` });
    const [, , line] = await metricsChecks(hc.metrics, hc.problems, { send: true, timeoutMs: 2000 });
    expect(line).toMatchObject({ status: 'ok', detail: expect.stringContaining('state is unchanged') });
    expect(server.pings.map((p) => p.action)).toEqual(['/log']);
    const unknown = metricsConfig({
      BACKUP_ALERT_PING_URL: `${server.base}/ping/11111111-2222-4333-8444-555555555555`,
    });
    expect(
      (await metricsChecks(unknown.metrics, unknown.problems, { send: true, timeoutMs: 2000 }))[2],
    ).toMatchObject({
      status: 'fail',
      remedy: 'copy the ping URL again from the check page',
    });
    const kuma = await startUptimeKuma();
    const k = metricsConfig({ BACKUP_ALERT_PING_URL: kuma.pushUrl });
    expect((await metricsChecks(k.metrics, k.problems, { send: true, timeoutMs: 2000 }))[2]?.status).toBe(
      'skip',
    );
    expect(kuma.pushes).toEqual([]);
    const bad = metricsConfig({ BACKUP_ALERT_PING_URL: 'hc-ping.com/secret-uuid' });
    const [, , malformed] = await metricsChecks(bad.metrics, bad.problems, { send: true, timeoutMs: 2000 });
    expect(malformed).toMatchObject({ status: 'fail' });
    expect(JSON.stringify([line, malformed])).not.toMatch(/secret-uuid|[0-9a-f]{8}-[0-9a-f]{4}-4/);
  });
});
