import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { Check } from '../../src/commands/doctor/checks.js';
import { runCli, runMain } from '../helpers/cli.js';
import { closedPort } from '../helpers/net.js';
import { tempDir, writeScript } from '../helpers/tmp.js';

const PASSWORD = 'hunter2-very-secret';
const SLACK_TOKEN = 'XyZzY-slack-token-123';

/** A real SMTP server on 127.0.0.1 that accepts user `backup` with PASSWORD. */
async function smtpServer(): Promise<number> {
  const server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === 'backup' && auth.password === PASSWORD) callback(null, { user: 'backup' });
      else callback(new Error('Invalid username or password'));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.server.address() as AddressInfo).port;
}

interface Setup {
  dir: string;
  envFile: string;
  settings: Record<string, string>;
}

/** A complete, healthy configuration in an env file (0600), with a state dir (0700) and a script. */
async function goodSetup(): Promise<Setup> {
  const dir = tempDir();
  const state = join(dir, 'state');
  mkdirSync(state, { mode: 0o700 });
  const settings: Record<string, string> = {
    BACKUP_ALERT_EMAIL: 'admin@company.com, ops@company.com',
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(await smtpServer()),
    SMTP_SECURE: 'false',
    SMTP_USER: 'backup',
    SMTP_PASSWORD: PASSWORD,
    SMTP_FROM: 'Backup <backup@company.com>',
    SLACK_WEBHOOK_URL: `https://hooks.slack.com/services/T000/B000/${SLACK_TOKEN}`,
    BACKUP_ALERT_DB: join(state, 'backup-alert.db'),
    BACKUP_ALERT_SCRIPT: writeScript(dir, 'backup.sh', 'exit 0'),
  };
  return { dir, envFile: join(dir, '.env'), settings };
}

function writeEnv(setup: Setup, overrides: Record<string, string | undefined> = {}, mode = 0o600): void {
  const merged = { ...setup.settings, ...overrides };
  const text = Object.entries(merged)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n');
  writeFileSync(setup.envFile, `${text}\n`);
  chmodSync(setup.envFile, mode);
}

async function doctor(setup: Setup, args: string[] = []) {
  const result = await runMain(['doctor', '--env-file', setup.envFile, ...args], { cwd: setup.dir });
  // No secret, in any mode, on any stream.
  for (const secret of [PASSWORD, SLACK_TOKEN]) {
    expect(result.stdout).not.toContain(secret);
    expect(result.stderr).not.toContain(secret);
  }
  return result;
}

async function doctorJson(setup: Setup, args: string[] = []) {
  const result = await doctor(setup, ['--json', ...args]);
  const checks = JSON.parse(result.stdout) as Check[];
  const byId = (id: string) => checks.find((c) => c.id === id);
  return { ...result, checks, byId };
}

describe('doctor', () => {
  it('passes a good configuration: every line ✔ or –, exit 0', async () => {
    const setup = await goodSetup();
    writeEnv(setup);
    const result = await doctor(setup);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).not.toMatch(/^[✖!]/m);
    for (const title of [
      'Env file',
      'E-mail recipients',
      'SMTP settings',
      'SMTP connection',
      'E-mail template',
    ]) {
      expect(result.stdout).toMatch(new RegExp(`^✔ ${title}`, 'm'));
    }
    expect(result.stdout).toMatch(
      /^✔ Slack webhook +https:\/\/hooks\.slack\.com\/… \(well-formed; not contacted/m,
    );
    expect(result.stdout).toMatch(/^✔ Database /m);
    expect(result.stdout).toMatch(/^✔ Backup script /m);
    expect(result.stdout).toMatch(/^– Teams webhook +not configured/m);
    expect(result.stdout).toContain('password ***');
    expect(result.stdout).toContain('login as backup accepted');
  });

  it('--json gives one object per line with id, status, title, detail, remedy', async () => {
    const setup = await goodSetup();
    writeEnv(setup);
    const { exitCode, checks } = await doctorJson(setup);
    expect(exitCode).toBe(0);
    expect(checks.length).toBeGreaterThan(10);
    for (const check of checks) {
      expect(Object.keys(check).sort()).toEqual(['detail', 'id', 'remedy', 'status', 'title']);
      expect(['ok', 'skip']).toContain(check.status);
    }
  });

  it('a missing default ./.env is fine when the environment carries the settings', async () => {
    const setup = await goodSetup();
    const result = await runMain(['doctor', '--json'], { cwd: setup.dir, env: setup.settings });
    const checks = JSON.parse(result.stdout) as Check[];
    expect(checks.find((c) => c.id === 'env-file')).toMatchObject({ status: 'skip' });
    expect(result.exitCode).toBe(0);
  });

  const broken: Array<{
    name: string;
    id: string;
    status?: 'fail' | 'warn';
    env?: Record<string, string | undefined>;
    prepare?: (setup: Setup) => void | Promise<void>;
    mode?: number;
    detail?: RegExp;
    remedy: RegExp;
  }> = [
    {
      name: 'world-readable env file holding the password',
      id: 'env-file',
      mode: 0o644,
      remedy: /chmod 600/,
    },
    {
      name: 'malformed recipient',
      id: 'email',
      env: { BACKUP_ALERT_EMAIL: 'admin@company.com, ops-at-company' },
      detail: /ops-at-company/,
      remedy: /BACKUP_ALERT_EMAIL/,
    },
    {
      name: 'user without password',
      id: 'smtp-settings',
      env: { SMTP_PASSWORD: undefined },
      remedy: /SMTP_PASSWORD/,
    },
    {
      name: 'wrong password',
      id: 'smtp-connection',
      env: { SMTP_PASSWORD: 'wrong-password-1' },
      detail: /EAUTH/,
      remedy: /./,
    },
    {
      name: 'SMTP port refused',
      id: 'smtp-connection',
      prepare: async (s) => {
        s.settings['SMTP_PORT'] = String(await closedPort());
      },
      detail: /ECONNREFUSED/,
      remedy: /./,
    },
    {
      name: 'bad port value',
      id: 'smtp-settings',
      env: { SMTP_PORT: '99999' },
      detail: /SMTP_PORT/,
      remedy: /SMTP_PORT/,
    },
    {
      name: 'broken template',
      id: 'template',
      prepare: (s) => {
        writeFileSync(join(s.dir, 'backup-failure.hbs'), '<p>{{#if backupInfo}}{{backupInfo.error}}</p>');
        s.settings['BACKUP_ALERT_TEMPLATE_DIR'] = s.dir;
      },
      remedy: /§10\.2/,
    },
    {
      name: 'malformed Slack URL',
      id: 'slack',
      env: { SLACK_WEBHOOK_URL: `ftp://hooks.slack.com/${SLACK_TOKEN}` },
      remedy: /SLACK_WEBHOOK_URL/,
    },
    {
      name: 'no channel at all',
      id: 'channels',
      env: { BACKUP_ALERT_EMAIL: undefined, SLACK_WEBHOOK_URL: undefined },
      remedy: /BACKUP_ALERT_EMAIL/,
    },
    {
      name: 'database path under a regular file',
      id: 'database',
      prepare: (s) => {
        writeFileSync(join(s.dir, 'not-a-dir'), '');
        s.settings['BACKUP_ALERT_DB'] = join(s.dir, 'not-a-dir', 'x.db');
      },
      remedy: /BACKUP_ALERT_DB/,
    },
    {
      name: 'world-writable state directory',
      id: 'state-dir',
      prepare: (s) => chmodSync(join(s.dir, 'state'), 0o777),
      remedy: /chmod 700/,
    },
    {
      name: 'script missing',
      id: 'script',
      env: { BACKUP_ALERT_SCRIPT: '/nonexistent/backup.sh' },
      detail: /Backup script not found/,
      remedy: /BACKUP_ALERT_SCRIPT/,
    },
    {
      name: 'script not executable',
      id: 'script',
      prepare: (s) => chmodSync(s.settings['BACKUP_ALERT_SCRIPT']!, 0o644),
      detail: /not executable/,
      remedy: /chmod \+x/,
    },
    {
      name: 'any other bad value',
      id: 'settings.BACKUP_ALERT_TIMEOUT',
      env: { BACKUP_ALERT_TIMEOUT: 'banana' },
      remedy: /BACKUP_ALERT_TIMEOUT/,
    },
    {
      name: 'port 465 without SMTP_SECURE',
      id: 'smtp-settings',
      status: 'warn',
      env: { SMTP_PORT: '465' },
      remedy: /SMTP_SECURE=true/,
    },
  ];

  it.each(broken)('$name → $id with a remedy, no secret shown', async (c) => {
    const setup = await goodSetup();
    await c.prepare?.(setup);
    writeEnv(setup, c.env, c.mode);
    const { exitCode, byId, checks } = await doctorJson(setup);
    const check = byId(c.id);
    expect(check, JSON.stringify(checks)).toBeDefined();
    expect(check!.status).toBe(c.status ?? 'fail');
    if (c.detail) expect(check!.detail).toMatch(c.detail);
    expect(check!.remedy).toMatch(c.remedy);
    if ((c.status ?? 'fail') === 'fail') expect(exitCode).toBe(1);
  });

  it('the built CLI exits 1 on a ✖ and 0 once it is fixed, as cron or CI would see it', async () => {
    const setup = await goodSetup();
    writeEnv(setup, { BACKUP_ALERT_SCRIPT: '/nonexistent/backup.sh' });
    const broken = await runCli(['doctor', '--env-file', setup.envFile], { cwd: setup.dir });
    expect(broken.exitCode).toBe(1);
    expect(broken.stdout).toContain('✖ Backup script');
    expect(broken.stdout).not.toContain(PASSWORD);
    writeEnv(setup);
    const fixed = await runCli(['doctor', '--env-file', setup.envFile], { cwd: setup.dir });
    expect(fixed.exitCode).toBe(0);
  });

  it('prints ✖ and the remedy under it in the human output', async () => {
    const setup = await goodSetup();
    writeEnv(setup, { BACKUP_ALERT_SCRIPT: '/nonexistent/backup.sh' });
    const result = await doctor(setup);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(
      /^✖ Backup script +Backup script not found: \/nonexistent\/backup\.sh\n +→ set BACKUP_ALERT_SCRIPT/m,
    );
    expect(result.stdout).toContain('Fix the ✖ lines above');
  });

  it('--send posts a test message to each webhook and reports the answer', async () => {
    const received: string[] = [];
    let status = 200;
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        received.push(body);
        res.writeHead(status).end(status === 200 ? 'ok' : 'no');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { port } = server.address() as AddressInfo;
    const setup = await goodSetup();
    writeEnv(setup, { SLACK_WEBHOOK_URL: `http://127.0.0.1:${port}/services/${SLACK_TOKEN}` });

    const quietRun = await doctorJson(setup);
    expect(received).toHaveLength(0);
    expect(quietRun.byId('slack')).toMatchObject({ status: 'warn' }); // plain http, not contacted

    const sent = await doctorJson(setup, ['--send']);
    expect(received.length).toBeGreaterThan(0);
    expect(sent.byId('slack')?.detail).toContain('test message delivered');

    status = 404;
    const failed = await doctorJson(setup, ['--send']);
    expect(failed.byId('slack')).toMatchObject({ status: 'fail' });
    expect(failed.exitCode).toBe(1);
  });
});
