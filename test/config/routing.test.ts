import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { parseExpectations } from '../../src/config/host.js';
import { parseRemind } from '../../src/config/routing.js';
import type { ConfigProblem } from '../../src/config/values.js';
import { childEnv } from '../../src/runner/child-env.js';
import { BACKUP_TYPES } from '../../src/shared/run-result.js';

const HOUR = 3_600_000;

function load(env: Record<string, string>) {
  return loadConfig(
    { BACKUP_ALERT_DB: '/tmp/x/backup-alert.db', ...env },
    {},
    { cwd: '/srv', defaultTemplateDir: '/t' },
  );
}

describe('routing settings', () => {
  it('BACKUP_ALERT_EXPECT / --max-age: type=DUR items; each bad item named, the good ones kept', () => {
    const problems: ConfigProblem[] = [];
    expect(
      parseExpectations('BACKUP_ALERT_EXPECT', 'daily=26h, weekly = 8d', BACKUP_TYPES, problems),
    ).toEqual({
      daily: 26 * HOUR,
      weekly: 8 * 24 * HOUR,
    });
    expect(problems).toEqual([]);
    const bad = parseExpectations(
      'X',
      'daily=26h,yearly=400d,weekly=soon,monthly,daily=1h',
      BACKUP_TYPES,
      problems,
    );
    expect(bad).toEqual({ daily: 26 * HOUR });
    expect(problems.map((p) => p.message)).toEqual([
      '"yearly=400d": "yearly" is not a backup type (daily, weekly, monthly, manual); ignored',
      '"weekly=soon" is not type=duration (e.g. daily=26h); ignored',
      '"monthly" is not type=duration (e.g. daily=26h); ignored',
      'daily is given twice; using the first (1h ignored)',
    ]);
  });

  it('BACKUP_ALERT_REMIND: gaps in order, none by default, off = none', () => {
    expect(parseRemind('4h,24h')).toEqual({ gapsMs: [4 * HOUR, 24 * HOUR], errors: [] });
    expect(parseRemind(undefined).gapsMs).toEqual([]);
    expect(parseRemind('off').gapsMs).toEqual([]);
    expect(parseRemind('4h,never').errors).toEqual(['"never" is not a duration (e.g. 4h, 24h)']);
  });

  it('config: every routing problem reported once, one line each, never fatal', () => {
    const { config, problems } = load({
      BACKUP_ALERT_REMIND: '4h,x',
      BACKUP_ALERT_EXPECT: 'daily=26h,No Pe=1h',
      BACKUP_ALERT_WARN_AFTER: 'later',
      BACKUP_ALERT_TIMEZONE: 'Mars/Olympus',
    });
    expect(problems.map((p) => p.variable).sort()).toEqual([
      'BACKUP_ALERT_EXPECT',
      'BACKUP_ALERT_REMIND',
      'BACKUP_ALERT_TIMEZONE',
      'BACKUP_ALERT_WARN_AFTER',
    ]);
    expect(config.routing).toMatchObject({ remindMs: [4 * HOUR] });
    expect(config.expect).toEqual({ daily: 26 * HOUR });
    expect(config.routing.timeZone).toBeUndefined();
    expect(config.routing.warnAfterMs).toBeUndefined();
  });

  it('time zone: BACKUP_ALERT_TIMEZONE, else an IANA TZ; POSIX TZ and UTC zones add no line', () => {
    expect(load({ BACKUP_ALERT_TIMEZONE: 'Asia/Tokyo', TZ: 'Europe/Paris' }).config.routing.timeZone).toBe(
      'Asia/Tokyo',
    );
    expect(load({ TZ: 'Europe/Paris' }).config.routing.timeZone).toBe('Europe/Paris');
    expect(load({ TZ: ':Asia/Tokyo' }).config.routing.timeZone).toBe('Asia/Tokyo');
    const posix = load({ TZ: 'JST-9' });
    expect(posix.config.routing.timeZone).toBeUndefined();
    expect(posix.problems).toEqual([]);
    expect(load({ TZ: 'UTC' }).config.routing.timeZone).toBeUndefined();
    expect(load({ BACKUP_ALERT_TIMEZONE: 'Etc/UTC' }).config.routing.timeZone).toBeUndefined();
  });

  it('BACKUP_ALERT_APPRISE_URLS is a secret: masked everywhere, never in the script environment', () => {
    const urls = 'ntfy://ntfy.example.com/secret-topic-123, json://127.0.0.1:9/hook/tokenABC';
    const { config } = load({ BACKUP_ALERT_APPRISE_URLS: urls });
    expect(config.routing.appriseUrls).toEqual([
      'ntfy://ntfy.example.com/secret-topic-123',
      'json://127.0.0.1:9/hook/tokenABC',
    ]);
    expect(config.secrets).toEqual(expect.arrayContaining(config.routing.appriseUrls));
    expect(childEnv({ PATH: '/bin', BACKUP_ALERT_APPRISE_URLS: urls }, 'BKP-1', 'daily')).toEqual({
      PATH: '/bin',
      BACKUP_ID: 'BKP-1',
      BACKUP_TYPE: 'daily',
    });
    // The apprise child gets an allow-list, not our environment.
    const withSecret = load({
      BACKUP_ALERT_APPRISE_URLS: urls,
      SMTP_PASSWORD: 'pw-secret',
      PATH: '/usr/bin',
    });
    expect(withSecret.config.routing.appriseEnv).toEqual({ PATH: '/usr/bin' });
  });
});
