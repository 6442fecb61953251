import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ConfigContext, DEFAULT_SMTP_FROM, loadConfig } from '../../src/config/config.js';
import { type Env, resolveEnv } from '../../src/config/env-source.js';
import { readSecret } from '../../src/config/secrets.js';
import type { ConfigProblem } from '../../src/config/values.js';
import { UsageError } from '../../src/shared/errors.js';
import { tempDir } from '../helpers/tmp.js';

const TEMPLATES = '/opt/backup-alert/templates';

function context(cwd: string, envFile?: string): ConfigContext {
  return { cwd, defaultTemplateDir: TEMPLATES, ...(envFile ? { envFile } : {}) };
}

/** What cli.ts does: merge env file under the process env, then parse. */
function load(
  processEnv: Env,
  options: { cwd?: string; envFileFlag?: string; db?: string; script?: string } = {},
) {
  const cwd = options.cwd ?? tempDir();
  const { env, envFile } = resolveEnv({
    processEnv,
    cwd,
    ...(options.envFileFlag !== undefined ? { envFileFlag: options.envFileFlag } : {}),
  });
  return loadConfig(
    env,
    {
      ...(options.db !== undefined ? { db: options.db } : {}),
      ...(options.script !== undefined ? { script: options.script } : {}),
    },
    context(cwd, envFile),
  );
}

/** A config with nothing but the DB path set (so the user's home is never touched). */
function loadEnv(env: Env) {
  return loadConfig({ BACKUP_ALERT_DB: '/tmp/x/backup-alert.db', ...env }, {}, context('/srv'));
}

function variables(problems: ConfigProblem[]): string[] {
  return problems.map((problem) => problem.variable);
}

describe('resolveEnv: where settings come from', () => {
  it('reads ./.env from the working directory when nothing is named', () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, '.env'), 'SMTP_HOST=from-dotenv\nSMTP_PORT=2525\n');
    const resolved = resolveEnv({ processEnv: { PATH: '/bin' }, cwd });
    expect(resolved.envFile).toBe(join(cwd, '.env'));
    expect(resolved.env).toMatchObject({ SMTP_HOST: 'from-dotenv', SMTP_PORT: '2525', PATH: '/bin' });
  });

  it('a missing default ./.env is not an error', () => {
    const cwd = tempDir();
    const processEnv = { SMTP_HOST: 'mail' };
    const resolved = resolveEnv({ processEnv, cwd });
    expect(resolved.env).toEqual(processEnv);
    expect(resolved.envFile).toBeUndefined();
    expect(resolved.envFileMissing).toBe(join(cwd, '.env'));
  });

  it('an explicitly named --env-file that is missing throws a UsageError naming the path and the flag', () => {
    const cwd = tempDir();
    const call = () => resolveEnv({ processEnv: {}, cwd, envFileFlag: 'nope.env' });
    expect(call).toThrow(UsageError);
    expect(call).toThrow(`${join(cwd, 'nope.env')} (--env-file)`);
  });

  it('a BACKUP_ALERT_ENV_FILE that is missing throws a UsageError naming the variable', () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, '.env'), 'SMTP_HOST=should-not-be-used\n');
    const call = () => resolveEnv({ processEnv: { BACKUP_ALERT_ENV_FILE: '/nonexistent/backup.env' }, cwd });
    expect(call).toThrow(UsageError);
    expect(call).toThrow('/nonexistent/backup.env (BACKUP_ALERT_ENV_FILE)');
  });

  it('--env-file wins over BACKUP_ALERT_ENV_FILE, which wins over ./.env', () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, '.env'), 'SMTP_HOST=dotenv\n');
    writeFileSync(join(cwd, 'var.env'), 'SMTP_HOST=variable\n');
    writeFileSync(join(cwd, 'flag.env'), 'SMTP_HOST=flag\n');
    const processEnv = { BACKUP_ALERT_ENV_FILE: 'var.env' };
    expect(resolveEnv({ processEnv, cwd }).env['SMTP_HOST']).toBe('variable');
    const flagged = resolveEnv({ processEnv, cwd, envFileFlag: 'flag.env' });
    expect(flagged.env['SMTP_HOST']).toBe('flag');
    expect(flagged.envFile).toBe(join(cwd, 'flag.env'));
  });

  it('an env file that exists but cannot be read is a UsageError even when it is the default', () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, '.env'));
    expect(() => resolveEnv({ processEnv: {}, cwd })).toThrow(UsageError);
  });
});

describe('loadConfig: precedence flag > process env > env file', () => {
  it('takes each setting from the highest source that has it', () => {
    const cwd = tempDir();
    writeFileSync(
      join(cwd, 'settings.env'),
      [
        'BACKUP_ALERT_DB=/file/backup-alert.db',
        'BACKUP_ALERT_SCRIPT=/file/backup.sh',
        'SMTP_HOST=file-host',
        'SMTP_PORT=2525',
      ].join('\n'),
    );
    const processEnv = { BACKUP_ALERT_DB: '/env/backup-alert.db', SMTP_HOST: 'env-host' };

    const fromEnv = load(processEnv, { cwd, envFileFlag: 'settings.env' }).config;
    expect(fromEnv.dbPath).toBe('/env/backup-alert.db');
    expect(fromEnv.smtp.host).toBe('env-host');
    expect(fromEnv.smtp.port).toBe(2525);
    expect(fromEnv.script).toBe('/file/backup.sh');
    expect(fromEnv.envFile).toBe(join(cwd, 'settings.env'));

    const fromFlags = load(processEnv, {
      cwd,
      envFileFlag: 'settings.env',
      db: '/flag/backup-alert.db',
      script: '/flag/backup.sh',
    }).config;
    expect(fromFlags.dbPath).toBe('/flag/backup-alert.db');
    expect(fromFlags.script).toBe('/flag/backup.sh');
  });

  it('resolves a relative --db and BACKUP_ALERT_DB against the working directory', () => {
    const cwd = tempDir();
    expect(load({}, { cwd, db: 'state/a.db' }).config.dbPath).toBe(join(cwd, 'state', 'a.db'));
    expect(load({ BACKUP_ALERT_DB: 'b.db' }, { cwd }).config.dbPath).toBe(join(cwd, 'b.db'));
  });
});

describe('loadConfig: values', () => {
  it('has the documented SMTP defaults and no problems on an empty environment', () => {
    const { config, problems } = loadEnv({});
    expect(problems).toEqual([]);
    expect(config.smtp).toEqual({
      host: 'localhost',
      port: 587,
      secure: false,
      from: 'ITSM-Sec Nexus <noreply@itsm.local>',
      tlsRejectUnauthorized: true,
    });
    expect(DEFAULT_SMTP_FROM).toBe('ITSM-Sec Nexus <noreply@itsm.local>');
    expect(config.emailRecipients).toEqual([]);
    expect(config.notifyTimeoutMs).toBe(30_000);
    expect(config.lang).toBe('ja');
    expect(config.templateDir).toBe(TEMPLATES);
    expect(config.secrets).toEqual([]);
    expect(config.slackWebhookUrl).toBeUndefined();
  });

  it('reads SMTP settings, authenticating only when a user is set', () => {
    const { config, problems } = loadEnv({
      SMTP_HOST: ' smtp.example.com ',
      SMTP_PORT: '465',
      SMTP_SECURE: 'TRUE',
      SMTP_USER: 'alert',
      SMTP_PASSWORD: 'pw-123456',
      SMTP_FROM: 'Backups <backup@example.com>',
    });
    expect(problems).toEqual([]);
    expect(config.smtp).toEqual({
      host: 'smtp.example.com',
      port: 465,
      secure: true,
      user: 'alert',
      password: 'pw-123456',
      from: 'Backups <backup@example.com>',
      tlsRejectUnauthorized: true,
    });
  });

  it('keeps valid recipients (spaces tolerated) and reports the one invalid address', () => {
    const { config, problems } = loadEnv({
      BACKUP_ALERT_EMAIL: ' admin@company.com ,ops@company.com,, not-an-address ,  dba@db.example.org',
    });
    expect(config.emailRecipients).toEqual(['admin@company.com', 'ops@company.com', 'dba@db.example.org']);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.variable).toBe('BACKUP_ALERT_EMAIL');
    expect(problems[0]?.message).toContain('"not-an-address"');
  });

  it('reports every bad value at once, one problem each, and never throws', () => {
    let loaded: ReturnType<typeof loadEnv> | undefined;
    expect(() => {
      loaded = loadEnv({
        SMTP_PORT: 'smtp',
        SMTP_SECURE: 'maybe',
        BACKUP_ALERT_TIMEOUT: 'forever',
        SLACK_WEBHOOK_URL: 'not a url',
      });
    }).not.toThrow();
    const { config, problems } = loaded!;
    expect(variables(problems).sort()).toEqual(
      ['BACKUP_ALERT_TIMEOUT', 'SLACK_WEBHOOK_URL', 'SMTP_PORT', 'SMTP_SECURE'].sort(),
    );
    expect(config.smtp.port).toBe(587);
    expect(config.smtp.secure).toBe(false);
    expect(config.timeoutMs).toBeUndefined();
    expect(config.slackWebhookUrl).toBeUndefined();
    for (const problem of problems) expect(problem.message.length).toBeGreaterThan(10);
  });

  it.each([['0'], ['65536'], ['25.5'], ['-1'], ['port']])(
    'SMTP_PORT=%s is a problem, the default port is kept',
    (value) => {
      const { config, problems } = loadEnv({ SMTP_PORT: value });
      expect(config.smtp.port).toBe(587);
      expect(variables(problems)).toEqual(['SMTP_PORT']);
      expect(problems[0]?.message).toContain(`"${value}"`);
    },
  );

  it.each([
    ['true', true],
    ['1', true],
    ['yes', true],
    ['On', true],
    ['false', false],
    ['0', false],
    ['no', false],
    ['OFF', false],
  ])('SMTP_SECURE=%s is %s', (value, expected) => {
    const { config, problems } = loadEnv({ SMTP_SECURE: value });
    expect(problems).toEqual([]);
    expect(config.smtp.secure).toBe(expected);
  });

  it('parses durations, and reports a zero or malformed one', () => {
    const good = loadEnv({ BACKUP_ALERT_TIMEOUT: '4h', BACKUP_ALERT_NOTIFY_TIMEOUT: '90s' });
    expect(good.problems).toEqual([]);
    expect(good.config.timeoutMs).toBe(4 * 3_600_000);
    expect(good.config.notifyTimeoutMs).toBe(90_000);

    const bad = loadEnv({ BACKUP_ALERT_TIMEOUT: '4 hours', BACKUP_ALERT_NOTIFY_TIMEOUT: '0s' });
    expect(variables(bad.problems).sort()).toEqual(['BACKUP_ALERT_NOTIFY_TIMEOUT', 'BACKUP_ALERT_TIMEOUT']);
    expect(bad.config.timeoutMs).toBeUndefined();
    expect(bad.config.notifyTimeoutMs).toBe(30_000);
    expect(bad.problems.find((p) => p.variable === 'BACKUP_ALERT_NOTIFY_TIMEOUT')?.message).toBe(
      '"0s" is zero: give a duration longer than 0, e.g. 90s, 4h, 7d; using 30s',
    );
  });

  it('honours a run timeout of weeks, but not a notify timeout beyond one timer (it would fire at once)', () => {
    const { config, problems } = loadEnv({ BACKUP_ALERT_TIMEOUT: '30d', BACKUP_ALERT_NOTIFY_TIMEOUT: '30d' });
    expect(config.timeoutMs).toBe(30 * 86_400_000);
    expect(config.notifyTimeoutMs).toBe(30_000);
    expect(problems).toEqual([
      {
        variable: 'BACKUP_ALERT_NOTIFY_TIMEOUT',
        message: '"30d" is longer than the 24d 20h 30m 24s allowed; using 30s',
      },
    ]);
  });

  it('never puts a webhook URL or its token into a problem message', () => {
    const token = 'T0SECRET/B0SECRET/XyZsecretToken123';
    const { config, problems } = loadEnv({
      SLACK_WEBHOOK_URL: `hooks.slack.com/services/${token}`,
      TEAMS_WEBHOOK_URL: `ftp://example.webhook.office.com/webhookb2/${token}`,
      BACKUP_ALERT_WEBHOOK_URL: `http://[bad-host/${token}`,
    });
    expect(variables(problems).sort()).toEqual([
      'BACKUP_ALERT_WEBHOOK_URL',
      'SLACK_WEBHOOK_URL',
      'TEAMS_WEBHOOK_URL',
    ]);
    const text = JSON.stringify(problems);
    expect(text).not.toContain('XyZsecretToken123');
    expect(text).not.toContain('hooks.slack.com');
    expect(text).not.toContain('office.com');
    expect(config.slackWebhookUrl).toBeUndefined();
    expect(config.teamsWebhookUrl).toBeUndefined();
    expect(config.webhookUrl).toBeUndefined();
  });

  it('never echoes a token that merely looks like a URL scheme', () => {
    // "xoxb-1234:abcd" parses as a URL whose protocol is the token's first part.
    const { problems } = loadEnv({ SLACK_WEBHOOK_URL: 'xoxb-1234secret:abcdef' });
    expect(variables(problems)).toEqual(['SLACK_WEBHOOK_URL']);
    expect(JSON.stringify(problems)).not.toContain('1234secret');
    // A real scheme is still named, which is what the operator needs to see.
    const ftp = loadEnv({ SLACK_WEBHOOK_URL: 'ftp://files.example.com/x' }).problems;
    expect(ftp[0]?.message).toContain('(got ftp:)');
  });

  it('keeps a valid webhook URL and lists every secret for masking', () => {
    const { config, problems } = loadEnv({
      SMTP_PASSWORD: 's3cret-pass',
      SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/slackToken',
      TEAMS_WEBHOOK_URL: 'https://example.webhook.office.com/webhookb2/teamsToken',
      BACKUP_ALERT_WEBHOOK_URL: 'https://hooks.example.com/generic/genericToken',
      BACKUP_ALERT_WEBHOOK_SECRET: 'hmac-secret',
    });
    expect(problems).toEqual([]);
    expect(config.slackWebhookUrl).toBe('https://hooks.slack.com/services/T0/B0/slackToken');
    expect(config.teamsWebhookUrl).toBe('https://example.webhook.office.com/webhookb2/teamsToken');
    expect(config.webhookUrl).toBe('https://hooks.example.com/generic/genericToken');
    expect(config.secrets).toEqual(
      expect.arrayContaining([
        's3cret-pass',
        'https://hooks.slack.com/services/T0/B0/slackToken',
        'https://example.webhook.office.com/webhookb2/teamsToken',
        'https://hooks.example.com/generic/genericToken',
        'hmac-secret',
      ]),
    );
  });

  it('masks the webhook URL as it will be used, not only as it was written', () => {
    // Padding (e.g. quoted in .env) and URL normalisation change the string that is sent and logged.
    const { config } = loadEnv({
      SLACK_WEBHOOK_URL: ' HTTPS://hooks.slack.com:443/services/T0/B0/slackToken ',
    });
    expect(config.slackWebhookUrl).toBe('https://hooks.slack.com/services/T0/B0/slackToken');
    expect(config.secrets).toContain(config.slackWebhookUrl);
  });
});

describe('secrets from files', () => {
  it('SMTP_PASSWORD_FILE (relative to cwd) is read with its trailing newline dropped', () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'smtp-password'), 'file-pass word \n');
    const { config, problems } = loadConfig(
      { BACKUP_ALERT_DB: '/tmp/x.db', SMTP_USER: 'u', SMTP_PASSWORD_FILE: 'smtp-password' },
      {},
      context(cwd),
    );
    expect(problems).toEqual([]);
    expect(config.smtp.password).toBe('file-pass word ');
    expect(config.secrets).toContain('file-pass word ');
  });

  it('$CREDENTIALS_DIRECTORY/SMTP_PASSWORD (systemd LoadCredential=) is read, newline dropped', () => {
    const credentials = tempDir();
    writeFileSync(join(credentials, 'SMTP_PASSWORD'), 'cred-pass\r\n');
    writeFileSync(join(credentials, 'SLACK_WEBHOOK_URL'), 'https://hooks.slack.com/services/T/B/credToken\n');
    const { config, problems } = loadEnv({ CREDENTIALS_DIRECTORY: credentials });
    expect(problems).toEqual([]);
    expect(config.smtp.password).toBe('cred-pass');
    expect(config.slackWebhookUrl).toBe('https://hooks.slack.com/services/T/B/credToken');
    expect(config.secrets).toEqual(
      expect.arrayContaining(['cred-pass', 'https://hooks.slack.com/services/T/B/credToken']),
    );
  });

  it('the variable itself wins over NAME_FILE, which wins over the credentials directory', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'pw'), 'from-file\n');
    writeFileSync(join(dir, 'SMTP_PASSWORD'), 'from-credentials\n');
    const problems: ConfigProblem[] = [];
    const env = { SMTP_PASSWORD_FILE: join(dir, 'pw'), CREDENTIALS_DIRECTORY: dir };
    expect(readSecret({ ...env, SMTP_PASSWORD: 'direct' }, 'SMTP_PASSWORD', dir, problems)).toBe('direct');
    expect(readSecret(env, 'SMTP_PASSWORD', dir, problems)).toBe('from-file');
    expect(readSecret({ CREDENTIALS_DIRECTORY: dir }, 'SMTP_PASSWORD', dir, problems)).toBe(
      'from-credentials',
    );
    expect(problems).toEqual([]);
  });

  it('only one trailing newline is dropped', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'pw'), 'two\n\n');
    expect(
      readSecret({ BACKUP_ALERT_API_TOKEN_FILE: join(dir, 'pw') }, 'BACKUP_ALERT_API_TOKEN', dir, []),
    ).toBe('two\n');
  });

  it('an unreadable NAME_FILE is a problem naming NAME_FILE; a missing credential is not', () => {
    const dir = tempDir();
    const problems: ConfigProblem[] = [];
    expect(readSecret({ SMTP_PASSWORD_FILE: join(dir, 'missing') }, 'SMTP_PASSWORD', dir, problems)).toBe(
      undefined,
    );
    expect(variables(problems)).toEqual(['SMTP_PASSWORD_FILE']);
    expect(problems[0]?.message).toContain('ENOENT');
    expect(readSecret({ CREDENTIALS_DIRECTORY: dir }, 'SMTP_PASSWORD', dir, problems)).toBeUndefined();
    expect(problems).toHaveLength(1);
  });

  // A directory in place of the file is unreadable for root too (file modes are not).
  it('an unreadable credential is a problem that does not show its content', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'SMTP_PASSWORD'));
    writeFileSync(join(dir, 'SMTP_PASSWORD', 'hidden-pass'), 'hidden-pass');
    const problems: ConfigProblem[] = [];
    expect(readSecret({ CREDENTIALS_DIRECTORY: dir }, 'SMTP_PASSWORD', dir, problems)).toBeUndefined();
    expect(variables(problems)).toEqual(['SMTP_PASSWORD']);
    expect(problems[0]?.message).toContain('EISDIR');
    expect(JSON.stringify(problems)).not.toContain('hidden-pass');
  });
});

describe('default database path', () => {
  const dbPath = (env: Env) => loadConfig(env, {}, context('/srv')).config.dbPath;

  it('is $STATE_DIRECTORY/backup-alert.db under systemd (first of a colon list)', () => {
    expect(dbPath({ STATE_DIRECTORY: '/var/lib/backup-alert:/var/lib/other', HOME: '/home/op' })).toBe(
      '/var/lib/backup-alert/backup-alert.db',
    );
  });

  it('is $XDG_STATE_HOME/backup-alert/backup-alert.db otherwise', () => {
    expect(dbPath({ XDG_STATE_HOME: '/home/op/.state', HOME: '/home/op' })).toBe(
      '/home/op/.state/backup-alert/backup-alert.db',
    );
  });

  it('is $HOME/.local/state/backup-alert/backup-alert.db without either', () => {
    expect(dbPath({ HOME: '/home/op' })).toBe('/home/op/.local/state/backup-alert/backup-alert.db');
    expect(dbPath({ HOME: '/home/op', STATE_DIRECTORY: '', XDG_STATE_HOME: '' })).toBe(
      '/home/op/.local/state/backup-alert/backup-alert.db',
    );
  });

  it('BACKUP_ALERT_DB overrides the default', () => {
    expect(dbPath({ STATE_DIRECTORY: '/var/lib/backup-alert', BACKUP_ALERT_DB: '/data/b.db' })).toBe(
      '/data/b.db',
    );
  });
});

describe('BACKUP_ALERT_TYPES', () => {
  it('defaults to every type', () => {
    expect(loadEnv({}).config.alertTypes).toEqual(['daily', 'weekly', 'monthly', 'manual']);
  });

  it('filters to the listed types, reporting unknown ones', () => {
    const { config, problems } = loadEnv({ BACKUP_ALERT_TYPES: ' daily , monthly, hourly' });
    expect(config.alertTypes).toEqual(['daily', 'monthly']);
    expect(variables(problems)).toEqual(['BACKUP_ALERT_TYPES']);
    expect(problems[0]?.message).toContain('"hourly"');
  });

  it('falls back to every type when all listed are typos (a typo must not silence alerts)', () => {
    const { config, problems } = loadEnv({ BACKUP_ALERT_TYPES: 'dialy,wekly' });
    expect(config.alertTypes).toEqual(['daily', 'weekly', 'monthly', 'manual']);
    expect(problems).toHaveLength(2);
  });
});

describe('NODE_ENV', () => {
  it('NODE_ENV=test skips the SMTP verify; anything else does not', () => {
    expect(loadEnv({ NODE_ENV: 'test' }).config.skipSmtpVerify).toBe(true);
    expect(loadEnv({ NODE_ENV: 'production' }).config.skipSmtpVerify).toBe(false);
    expect(loadEnv({}).config.skipSmtpVerify).toBe(false);
  });
});
