import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ConfigProblem } from '../../src/config/values.js';
import { isLoopbackHost, parseListen, parseServeSettings } from '../../src/serve/settings.js';
import { UsageError } from '../../src/shared/errors.js';
import { tempDir } from '../helpers/tmp.js';

const TOKEN = 'tok-0123456789abcdef0123';
const ADMIN = 'adm-0123456789abcdef0123';

describe('parseListen', () => {
  it.each([
    ['127.0.0.1:8080', { host: '127.0.0.1', port: 8080, loopback: true }],
    ['[::1]:8080', { host: '::1', port: 8080, loopback: true }],
    ['0.0.0.0:8080', { host: '0.0.0.0', port: 8080, loopback: false }],
    ['[::]:9000', { host: '::', port: 9000, loopback: false }],
    ['localhost:0', { host: 'localhost', port: 0, loopback: true }],
    ['127.1.2.3:80', { host: '127.1.2.3', port: 80, loopback: true }],
    ['[::ffff:127.0.0.1]:80', { host: '::ffff:127.0.0.1', port: 80, loopback: true }],
    ['192.168.1.5:8080', { host: '192.168.1.5', port: 8080, loopback: false }],
    ['backup.example.com:443', { host: 'backup.example.com', port: 443, loopback: false }],
  ])('%s', (text, expected) => {
    expect(parseListen(text)).toEqual(expected);
  });

  it.each([
    '8080',
    ':8080',
    '127.0.0.1',
    '127.0.0.1:65536',
    '::1:8080',
    '[127.0.0.1]:80',
    'bad host:80',
    '[::1]:x',
  ])('refuses %s as a usage error that shows the accepted forms', (text) => {
    expect(() => parseListen(text)).toThrow(UsageError);
    expect(() => parseListen(text)).toThrow(/e\.g\. 127\.0\.0\.1:8080/);
  });

  it('knows loopback from the rest', () => {
    expect(isLoopbackHost('127.0.0.1')).toBe(true);
    expect(isLoopbackHost('::1')).toBe(true);
    expect(isLoopbackHost('LOCALHOST')).toBe(true);
    expect(isLoopbackHost('0.0.0.0')).toBe(false);
    expect(isLoopbackHost('::')).toBe(false);
    expect(isLoopbackHost('10.0.0.1')).toBe(false);
    expect(isLoopbackHost('localhost.attacker.example')).toBe(false);
  });
});

describe('parseServeSettings', () => {
  it('reads the tokens from the environment, NAME_FILE or systemd credentials; --listen defaults to 127.0.0.1:8080', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'api-token'), `${TOKEN}\n`);
    mkdirSync(join(dir, 'creds'));
    writeFileSync(join(dir, 'creds', 'BACKUP_ALERT_ADMIN_TOKEN'), `${ADMIN}\n`);
    const problems: ConfigProblem[] = [];
    const settings = parseServeSettings(
      { BACKUP_ALERT_API_TOKEN_FILE: 'api-token', CREDENTIALS_DIRECTORY: join(dir, 'creds') },
      dir,
      {},
      problems,
    );
    expect(problems).toEqual([]);
    expect(settings).toEqual({
      listen: { host: '127.0.0.1', port: 8080, loopback: true },
      tokens: { read: TOKEN, admin: ADMIN },
      refused: [],
    });
    expect(
      parseServeSettings({ BACKUP_ALERT_API_TOKEN: TOKEN }, dir, { listen: '[::1]:9' }, []).listen.host,
    ).toBe('::1');
  });

  it('refuses short or unprintable tokens, and one token for both roles, without ever quoting them', () => {
    const problems: ConfigProblem[] = [];
    const settings = parseServeSettings(
      { BACKUP_ALERT_API_TOKEN: 'hunter2', BACKUP_ALERT_ADMIN_TOKEN: 'has spaces in it, 0123456789' },
      '/',
      {},
      problems,
    );
    expect(settings.tokens).toEqual({});
    expect(settings.refused).toEqual(['BACKUP_ALERT_API_TOKEN', 'BACKUP_ALERT_ADMIN_TOKEN']);
    expect(problems.map((p) => p.variable)).toEqual(['BACKUP_ALERT_API_TOKEN', 'BACKUP_ALERT_ADMIN_TOKEN']);
    expect(problems[0]?.message).toMatch(/shorter than 16 characters/);
    const same: ConfigProblem[] = [];
    parseServeSettings({ BACKUP_ALERT_API_TOKEN: TOKEN, BACKUP_ALERT_ADMIN_TOKEN: TOKEN }, '/', {}, same);
    expect(same[0]?.message).toMatch(/same as BACKUP_ALERT_ADMIN_TOKEN/);
    const text = JSON.stringify([...problems, ...same]);
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('has spaces');
    expect(text).not.toContain(TOKEN);
  });

  it('reports an unreadable token file as a problem naming the variable', () => {
    const problems: ConfigProblem[] = [];
    parseServeSettings({ BACKUP_ALERT_API_TOKEN_FILE: '/nonexistent/token' }, '/', {}, problems);
    expect(problems).toEqual([
      { variable: 'BACKUP_ALERT_API_TOKEN_FILE', message: 'cannot read /nonexistent/token: ENOENT' },
    ]);
  });
});
