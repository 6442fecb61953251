import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Env } from '../../src/config/env-source.js';
import { parseMetricsConfig } from '../../src/config/metrics.js';
import { readSecret, SECRET_NAMES } from '../../src/config/secrets.js';
import type { ConfigProblem } from '../../src/config/values.js';
import { tempDir } from '../helpers/tmp.js';

const PING = 'https://hc-ping.com/5bf66975-d4c7-4bf5-bcc8-b8d8a82ea278';

function parse(env: Env, cwd = '/srv/backup') {
  const problems: ConfigProblem[] = [];
  const config = parseMetricsConfig(env, (name) => readSecret(env, name, cwd, problems), problems, { cwd });
  return { config, problems };
}

describe('parseMetricsConfig', () => {
  it('is all off when nothing is set', () => {
    expect(parse({})).toEqual({ config: { secrets: [] }, problems: [] });
  });

  it('takes the metrics file, made absolute', () => {
    expect(parse({ BACKUP_ALERT_METRICS_FILE: 'textfile/backup-alert.prom' }).config.metricsFile).toBe(
      '/srv/backup/textfile/backup-alert.prom',
    );
    expect(
      parse({ BACKUP_ALERT_METRICS_FILE: ' /var/lib/prometheus/node-exporter/backup-alert.prom ' }),
    ).toEqual({
      config: { metricsFile: '/var/lib/prometheus/node-exporter/backup-alert.prom', secrets: [] },
      problems: [],
    });
  });

  it('warns about a file node_exporter will not read, and refuses a directory', () => {
    const notProm = parse({ BACKUP_ALERT_METRICS_FILE: '/var/lib/node-exporter/backup.txt' });
    expect(notProm.config.metricsFile).toBe('/var/lib/node-exporter/backup.txt');
    expect(notProm.problems).toEqual([
      {
        variable: 'BACKUP_ALERT_METRICS_FILE',
        message: "does not end in .prom; node_exporter's textfile collector reads only *.prom files",
      },
    ]);
    const dir = parse({ BACKUP_ALERT_METRICS_FILE: '/var/lib/node-exporter/' });
    expect(dir.config.metricsFile).toBeUndefined();
    expect(dir.problems).toHaveLength(1);
  });

  it('takes a Pushgateway base URL, credentials included but kept secret', () => {
    const { config, problems } = parse({
      BACKUP_ALERT_PUSHGATEWAY_URL: 'https://pusher:pw-9f8e@push.example:9091/gw',
    });
    expect(problems).toEqual([]);
    expect(config.pushgatewayUrl).toBe('https://pusher:pw-9f8e@push.example:9091/gw');
    expect(config.secrets).toContain('https://pusher:pw-9f8e@push.example:9091/gw');
  });

  it.each([
    ['not a URL', 'push example 9091', 'is not a valid URL; it is not used until it is fixed'],
    [
      'another scheme',
      'ftp://push.example/',
      'must be an http:// or https:// URL (got ftp:); it is not used until it is fixed',
    ],
    [
      'a grouping path',
      'http://push.example:9091/metrics/job/other',
      'give the base URL only (e.g. http://pushgateway:9091); backup-alert adds /metrics/job/backup_alert/instance/<host>',
    ],
    [
      'a query',
      'http://push.example:9091/?token=abc',
      'give the base URL only (e.g. http://pushgateway:9091); backup-alert adds /metrics/job/backup_alert/instance/<host>',
    ],
  ])('refuses a Pushgateway URL with %s, in one problem', (_case, value, message) => {
    const { config, problems } = parse({ BACKUP_ALERT_PUSHGATEWAY_URL: value });
    expect(config.pushgatewayUrl).toBeUndefined();
    expect(problems).toEqual([{ variable: 'BACKUP_ALERT_PUSHGATEWAY_URL', message }]);
  });

  it('takes a healthchecks ping URL by default and an Uptime Kuma push URL by its shape', () => {
    expect(parse({ BACKUP_ALERT_PING_URL: PING }).config.ping).toEqual({ url: PING, format: 'healthchecks' });
    const kuma = 'https://status.example/api/push/AbCdEf123?status=up&msg=OK&ping=';
    expect(parse({ BACKUP_ALERT_PING_URL: kuma }).config.ping).toEqual({ url: kuma, format: 'uptime-kuma' });
    expect(
      parse({ BACKUP_ALERT_PING_URL: PING, BACKUP_ALERT_PING_FORMAT: 'Uptime-Kuma' }).config.ping?.format,
    ).toBe('uptime-kuma');
  });

  it('says so once for an unknown format and uses the guess', () => {
    const { config, problems } = parse({ BACKUP_ALERT_PING_URL: PING, BACKUP_ALERT_PING_FORMAT: 'hc' });
    expect(config.ping?.format).toBe('healthchecks');
    expect(problems).toEqual([
      {
        variable: 'BACKUP_ALERT_PING_FORMAT',
        message: '"hc" is not healthchecks or uptime-kuma; using healthchecks',
      },
    ]);
  });

  it('reads the ping URL from BACKUP_ALERT_PING_URL_FILE and from a systemd credential', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'ping-url'), `${PING}\n`);
    expect(parse({ BACKUP_ALERT_PING_URL_FILE: 'ping-url' }, dir).config.ping?.url).toBe(PING);
    const credentials = join(dir, 'credentials');
    mkdirSync(credentials);
    writeFileSync(join(credentials, 'BACKUP_ALERT_PING_URL'), PING);
    writeFileSync(join(credentials, 'BACKUP_ALERT_PUSHGATEWAY_URL'), 'http://push.local:9091');
    const { config } = parse({ CREDENTIALS_DIRECTORY: credentials }, dir);
    expect(config.ping?.url).toBe(PING);
    expect(config.pushgatewayUrl).toBe('http://push.local:9091/');
  });

  it('never quotes a secret in a problem, and lists every form of it to mask', () => {
    const secretish = 'https://[hc-ping.com/5bf66975-secret';
    const { config, problems } = parse({
      BACKUP_ALERT_PING_URL: `  ${secretish}`,
      BACKUP_ALERT_PUSHGATEWAY_URL: 'xoxb-123:secret-token',
    });
    expect(config.ping).toBeUndefined();
    expect(problems.map((p) => p.variable)).toEqual([
      'BACKUP_ALERT_PUSHGATEWAY_URL',
      'BACKUP_ALERT_PING_URL',
    ]);
    expect(JSON.stringify(problems)).not.toMatch(/secret|5bf66975|xoxb/);
    expect(config.secrets).toEqual(
      expect.arrayContaining([`  ${secretish}`, secretish, 'xoxb-123:secret-token']),
    );
    const ok = parse({ BACKUP_ALERT_PING_URL: ` ${PING} ` }).config;
    expect(ok.secrets).toEqual([` ${PING} `, PING]);
    expect(SECRET_NAMES).toEqual(
      expect.arrayContaining(['BACKUP_ALERT_PING_URL', 'BACKUP_ALERT_PUSHGATEWAY_URL']),
    );
  });

  it('reports an unreadable _FILE as a problem naming the variable', () => {
    const { config, problems } = parse({ BACKUP_ALERT_PING_URL_FILE: '/nonexistent/ping-url' });
    expect(config.ping).toBeUndefined();
    expect(problems).toEqual([
      { variable: 'BACKUP_ALERT_PING_URL_FILE', message: 'cannot read /nonexistent/ping-url: ENOENT' },
    ]);
  });
});
