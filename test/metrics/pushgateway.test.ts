import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { publishMetrics } from '../../src/metrics/publish.js';
import { pushMetrics } from '../../src/metrics/pushgateway.js';
import type { TypeSnapshot } from '../../src/metrics/snapshot.js';
import { createLogger } from '../../src/shared/logger.js';
import { Redactor } from '../../src/shared/redact.js';
import { scriptedServer } from '../helpers/http.js';
import { closedPort } from '../helpers/net.js';
import { tempDir } from '../helpers/tmp.js';

function ok(type: string): TypeSnapshot {
  return {
    type,
    lastRun: { status: 'success', finishedAtMs: 1_772_334_000_000, durationMs: 4000, exitCode: 0 },
    lastSuccessAtMs: 1_772_334_000_000,
    consecutiveFailures: 0,
    runs: { success: 3, failure: 0, abandoned: 0 },
  };
}

const signal = () => AbortSignal.timeout(10_000);

describe('pushing to a Pushgateway that is not there, or not answering', () => {
  it('moves credentials from the URL to a Basic header and never quotes them', async () => {
    const server = await scriptedServer([{ status: 401, body: 'unauthorized' }]);
    const url = new URL(server.url);
    url.username = 'pusher';
    url.password = 's3cret-pass';
    const result = await pushMetrics({
      url: url.toString(),
      instance: 'db1',
      body: 'x 1\n',
      signal: signal(),
    });
    const request = server.requests[0]!;
    expect(request.method).toBe('PUT');
    expect(request.path).toBe(`/services/${server.token}/metrics/job/backup_alert/instance/db1`);
    expect(request.headers['authorization']).toBe(
      `Basic ${Buffer.from('pusher:s3cret-pass').toString('base64')}`,
    );
    expect(request.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(result).toEqual({
      ok: false,
      error: `HTTP 401 from http://${url.host}/…: unauthorized (check the credentials in the URL)`,
    });
    expect(JSON.stringify(result)).not.toMatch(/s3cret|pusher|SECRET/);
  });

  it('says so when nothing listens', async () => {
    const port = await closedPort();
    const result = await pushMetrics({
      url: `http://user:pw-secret@127.0.0.1:${port}/prefix/token-secret`,
      instance: 'db1',
      body: 'x 1\n',
      signal: signal(),
    });
    expect(result).toEqual({ ok: false, error: `cannot reach http://127.0.0.1:${port}/…: ECONNREFUSED` });
  });

  it('gives up at the bound when the Pushgateway accepts and never answers', async () => {
    const server = await scriptedServer(['hang']);
    const result = await pushMetrics({
      url: server.url,
      instance: 'db1',
      body: 'x 1\n',
      signal: AbortSignal.timeout(300),
    });
    expect(result).toEqual({
      ok: false,
      error: expect.stringMatching(/^no answer from http:\/\/127\.0\.0\.1:\d+\/… within the timeout$/),
    });
    expect(JSON.stringify(result)).not.toContain(server.token);
  });

  it('returns an error for a malformed URL instead of throwing', async () => {
    const push = (url: string) => pushMetrics({ url, instance: 'db1', body: 'x 1\n', signal: signal() });
    expect(await push('http://[push/secret')).toEqual({
      ok: false,
      error: 'the Pushgateway URL is not a valid URL',
    });
    expect(await push('push:9091/secret')).toEqual({
      ok: false,
      error: 'the Pushgateway URL must be an http:// or https:// URL',
    });
  });

  it('does not follow redirects', async () => {
    const server = await scriptedServer([{ status: 307, headers: { location: 'http://example.invalid/' } }]);
    const result = await pushMetrics({ url: server.url, instance: 'db1', body: 'x 1\n', signal: signal() });
    expect(!result.ok && result.error).toMatch(/HTTP 307 .*redirects are not followed/);
    expect(server.requests).toHaveLength(1);
  });
});

describe('publishMetrics', () => {
  it('writes the file and pushes; a failed push is one [WARN] and changes nothing else', async () => {
    const dir = tempDir();
    const port = await closedPort();
    const log: string[] = [];
    const url = `http://127.0.0.1:${port}/secret-path`;
    const logger = createLogger({ write: (line) => log.push(line), redactor: new Redactor([url]) });
    const report = await publishMetrics(
      { version: '0.1.0', types: [ok('daily')], notifications: [{ pending: 0, delivered: [] }] },
      {
        metrics: { metricsFile: join(dir, 'm.prom'), pushgatewayUrl: url },
        instance: 'db1',
        logger,
        timeoutMs: 5000,
      },
    );
    expect(report.file).toMatchObject({ ok: true });
    expect(report.push).toMatchObject({ ok: false });
    expect(readdirSync(dir)).toEqual(['m.prom']);
    expect(log).toEqual([
      `[WARN] [Metrics] Could not push metrics: cannot reach http://127.0.0.1:${port}/…: ECONNREFUSED; the next run pushes again\n`,
    ]);
  });

  it('does nothing when neither a file nor a Pushgateway is configured', async () => {
    const log: string[] = [];
    const report = await publishMetrics(
      { version: '0.1.0', types: [], notifications: [] },
      {
        metrics: {},
        instance: 'db1',
        logger: createLogger({ write: (line) => log.push(line) }),
        timeoutMs: 5000,
      },
    );
    expect(report).toEqual({});
    expect(log).toEqual([]);
  });
});

describe('publishMetrics with a snapshot to build', () => {
  it('builds it only when there is somewhere to publish, and turns its error into one [WARN]', async () => {
    const log: string[] = [];
    const logger = createLogger({ write: (line) => log.push(line) });
    let calls = 0;
    const broken = () => {
      calls++;
      throw new Error('database is locked');
    };
    expect(await publishMetrics(broken, { metrics: {}, instance: 'db1', logger, timeoutMs: 5000 })).toEqual(
      {},
    );
    expect(calls).toBe(0);
    const dir = tempDir();
    const report = await publishMetrics(broken, {
      metrics: { metricsFile: join(dir, 'm.prom') },
      instance: 'db1',
      logger,
      timeoutMs: 5000,
    });
    expect(report).toEqual({ error: 'cannot read the metrics from the database: database is locked' });
    expect(log).toEqual([
      '[WARN] [Metrics] cannot read the metrics from the database: database is locked; metrics not updated\n',
    ]);
    expect(readdirSync(dir)).toEqual([]);
  });
});
