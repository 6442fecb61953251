import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkDatabaseUrl,
  DEFAULT_SYNC_TIMEOUT_MS,
  type FleetConfig,
  parseFleetConfig,
  redactDatabaseUrl,
} from '../../src/config/fleet.js';
import { parseHostSettings } from '../../src/config/host.js';
import { readSecret, SECRET_NAMES, type SecretName } from '../../src/config/secrets.js';
import type { ConfigProblem } from '../../src/config/values.js';
import { clientConfig } from '../../src/fleet/connect.js';
import { tempDir } from '../helpers/tmp.js';

const URL_OK = 'postgres://db01:p%40ss%2Fw0rd!@centre.example.org:5433/backup_alert?sslmode=verify-full';

function parse(
  env: Record<string, string>,
  cwd = process.cwd(),
): { fleet?: FleetConfig; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const fleet = parseFleetConfig(
    env,
    (name) => readSecret(env, name as SecretName, cwd, problems),
    problems,
    parseHostSettings(env, 'os-host', problems),
  );
  return { ...(fleet ? { fleet } : {}), problems };
}

describe('parseFleetConfig', () => {
  it('unset: no fleet, no problem', () => {
    expect(parse({})).toEqual({ problems: [] });
  });

  it('reads the URL, host, promises, timeout and jitter; the URL and its password are secrets', () => {
    const { fleet, problems } = parse({
      BACKUP_ALERT_DATABASE_URL: URL_OK,
      BACKUP_ALERT_HOST: 'db01.example.org',
      BACKUP_ALERT_EXPECT: 'daily=26h, weekly=8d',
      BACKUP_ALERT_SYNC_TIMEOUT: '30s',
      BACKUP_ALERT_SYNC_JITTER: '5m',
    });
    expect(problems).toEqual([]);
    expect(fleet).toEqual({
      databaseUrl: URL_OK,
      host: 'db01.example.org',
      expectations: { daily: 26 * 3_600_000, weekly: 8 * 86_400_000 },
      syncTimeoutMs: 30_000,
      syncJitterMs: 300_000,
      secrets: [URL_OK, 'p%40ss%2Fw0rd!', 'p@ss/w0rd!'],
    });
  });

  it('defaults: the OS host name, no promises, 10 s, no jitter', () => {
    const { fleet } = parse({ BACKUP_ALERT_DATABASE_URL: 'postgresql://u:pw12@localhost/db' });
    expect(fleet).toMatchObject({
      host: 'os-host',
      expectations: {},
      syncTimeoutMs: DEFAULT_SYNC_TIMEOUT_MS,
      syncJitterMs: 0,
    });
  });

  it('a secret like any other: _FILE and systemd credentials', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'url'), `${URL_OK}\n`);
    expect(parse({ BACKUP_ALERT_DATABASE_URL_FILE: join(dir, 'url') }).fleet?.databaseUrl).toBe(URL_OK);
    mkdirSync(join(dir, 'creds'));
    writeFileSync(join(dir, 'creds', 'BACKUP_ALERT_DATABASE_URL'), URL_OK);
    expect(parse({ CREDENTIALS_DIRECTORY: join(dir, 'creds') }).fleet?.databaseUrl).toBe(URL_OK);
    expect(SECRET_NAMES).toContain('BACKUP_ALERT_DATABASE_URL');
  });

  it.each([
    ['not a URL', 'postgres://db01:s3cretPass@[centre/backup_alert', 'is not a valid URL'],
    ['no scheme (the password looks like one)', 's3cretPass@centre/backup_alert', 'is not a valid URL'],
    ['a user:password without scheme', 'db01:s3cretPass@centre/backup_alert', 'must be a postgres://'],
    [
      'another scheme',
      'mysql://db01:s3cretPass@centre/backup_alert',
      'must be a postgres:// or postgresql:// URL',
    ],
    ['a broken escape', 'postgres://db01:s3cret%zzPass@centre/backup_alert', 'malformed %-escape'],
    ['no host', 'postgres:///backup_alert?password=s3cretPass', 'names no host'],
    ['a bad sslmode', 'postgres://db01:s3cretPass@centre/backup_alert?sslmode=s3cretPass', 'unknown sslmode'],
  ])('%s: one problem naming the variable, never the value; the fleet is off', (_case, url, message) => {
    const { fleet, problems } = parse({ BACKUP_ALERT_DATABASE_URL: url });
    expect(fleet).toBeUndefined();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ variable: 'BACKUP_ALERT_DATABASE_URL' });
    expect(problems[0]!.message).toContain(message);
    expect(problems[0]!.message).toContain('local runs are unaffected');
    expect(JSON.stringify(problems)).not.toContain('s3cret');
  });

  it('bad host, promises and durations: each reported, each falls back', () => {
    const { fleet, problems } = parse({
      BACKUP_ALERT_DATABASE_URL: URL_OK,
      BACKUP_ALERT_HOST: 'db 01; DROP',
      BACKUP_ALERT_EXPECT: 'daily=26h,Hourly!=1h,weekly=soon,daily=2h,monthly',
      BACKUP_ALERT_SYNC_TIMEOUT: '0',
      BACKUP_ALERT_SYNC_JITTER: '2h',
    });
    expect(fleet).toMatchObject({
      host: 'os-host',
      expectations: { daily: 26 * 3_600_000 },
      syncTimeoutMs: 10_000,
    });
    expect(fleet?.syncJitterMs).toBe(3_600_000);
    expect(problems.map((p) => p.variable)).toEqual([
      'BACKUP_ALERT_HOST',
      'BACKUP_ALERT_EXPECT',
      'BACKUP_ALERT_EXPECT',
      'BACKUP_ALERT_EXPECT',
      'BACKUP_ALERT_EXPECT',
      'BACKUP_ALERT_SYNC_TIMEOUT',
      'BACKUP_ALERT_SYNC_JITTER',
    ]);
  });

  it('an unknown URL parameter is reported and ignored', () => {
    const { fleet, problems } = parse({ BACKUP_ALERT_DATABASE_URL: `${URL_OK}&target_session_attrs=any` });
    expect(fleet).toBeDefined();
    expect(problems).toEqual([
      {
        variable: 'BACKUP_ALERT_DATABASE_URL',
        message: 'parameter "target_session_attrs" is not supported; ignored',
      },
    ]);
  });
});

describe('the URL, shown and used', () => {
  it('redacted for people: where it points, never the password or certificate paths', () => {
    expect(redactDatabaseUrl(`${URL_OK}&sslrootcert=/etc/ca.pem`)).toBe(
      'postgres://db01@centre.example.org:5433/backup_alert?sslmode=verify-full',
    );
    expect(redactDatabaseUrl('nonsense s3cret')).toBe('(invalid URL)');
    expect(checkDatabaseUrl(URL_OK)).toEqual({
      passwords: ['p%40ss%2Fw0rd!', 'p@ss/w0rd!'],
      unknownParameters: [],
    });
  });

  it('every connection setting explicit, timeouts bounded, TLS as sslmode says', () => {
    const options = { timeoutMs: 7000, applicationName: 'backup-alert db01', secrets: [] };
    const { config, endpoint } = clientConfig(URL_OK, options);
    expect(endpoint).toEqual({
      host: 'centre.example.org',
      port: 5433,
      user: 'db01',
      database: 'backup_alert',
    });
    expect(config).toMatchObject({
      password: 'p@ss/w0rd!',
      connectionTimeoutMillis: 7000,
      statement_timeout: 7000,
      lock_timeout: 7000,
      application_name: 'backup-alert db01',
      ssl: { rejectUnauthorized: true, servername: 'centre.example.org' },
    });
    expect(clientConfig('postgres://u:p@h/d', options).config.ssl).toBe(false);
    expect(clientConfig('postgres://u:p@h/d?sslmode=require', options).config.ssl).toMatchObject({
      rejectUnauthorized: false,
    });
    expect(clientConfig('postgres://u:p@[::1]:6432/d', options).endpoint).toMatchObject({
      host: '::1',
      port: 6432,
    });
  });
});
