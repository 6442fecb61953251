import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { smtpCheckDue, smtpFingerprint } from '../../src/run/smtp-check.js';
import { runMain, TEMPLATES } from '../helpers/cli.js';
import { startSilentServer } from '../helpers/net.js';
import { waitFor } from '../helpers/process.js';
import { startSmtpSink } from '../helpers/smtp.js';
import { tempDir, writeScript } from '../helpers/tmp.js';

const HOUR = 3_600_000;
const T0 = new Date('2026-05-01T03:00:00.000Z');

function configOf(env: Record<string, string>) {
  return loadConfig(
    { BACKUP_ALERT_EMAIL: 'ops@example.com', ...env },
    {},
    { cwd: '/', defaultTemplateDir: TEMPLATES },
  ).config;
}

describe('the SMTP check beside a run is remembered', () => {
  it('is due when never done, failed, stale, or for other settings', () => {
    const fingerprint = 'f1';
    const ok = { fingerprint, checkedAt: T0.toISOString(), ok: true };
    expect(smtpCheckDue(undefined, fingerprint, T0, 24 * HOUR)).toBe(true);
    expect(smtpCheckDue(ok, fingerprint, new Date(T0.getTime() + HOUR), 24 * HOUR)).toBe(false);
    expect(smtpCheckDue(ok, fingerprint, new Date(T0.getTime() + 25 * HOUR), 24 * HOUR)).toBe(true);
    expect(smtpCheckDue(ok, 'f2', new Date(T0.getTime() + HOUR), 24 * HOUR)).toBe(true);
    expect(smtpCheckDue({ ...ok, ok: false }, fingerprint, new Date(T0.getTime() + HOUR), 24 * HOUR)).toBe(
      true,
    );
    expect(smtpCheckDue(ok, fingerprint, new Date(T0.getTime() + HOUR), 0)).toBe(true);
  });

  it('the fingerprint changes with any setting, the password included, and never holds it', () => {
    const base = { SMTP_HOST: 'mail.example.com', SMTP_USER: 'backup', SMTP_PASSWORD: 'hunter2-long-pass' };
    const print = smtpFingerprint(configOf(base));
    expect(smtpFingerprint(configOf(base))).toBe(print);
    for (const change of <Array<Record<string, string>>>[
      { SMTP_PASSWORD: 'another-pass-99' },
      { SMTP_HOST: 'smtp.example.com' },
      { SMTP_PORT: '465', SMTP_SECURE: 'true' },
      { SMTP_FROM: 'x@example.com' },
      { BACKUP_ALERT_EMAIL: 'other@example.com' },
    ]) {
      expect(smtpFingerprint(configOf({ ...base, ...change }))).not.toBe(print);
    }
    expect(print).not.toContain('hunter2');
  });

  it('checks once, then trusts the result for the interval, and again after a change or the interval', async () => {
    const sink = await startSmtpSink();
    const dir = tempDir();
    const db = join(dir, 'state', 'x.db');
    const script = writeScript(dir, 'backup.sh', 'sleep 1');
    const env = {
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(sink.port),
      BACKUP_ALERT_EMAIL: 'ops@example.com',
    };
    const run = async (at: Date, extra: Record<string, string> = {}) => {
      const result = await runMain(['run', '--type', 'daily', '--verbose', '--script', script, '--db', db], {
        env: { ...env, ...extra },
        now: () => at,
      });
      expect(result.exitCode).toBe(0);
      return result.stderr;
    };
    const state = join(dir, 'state', 'smtp-check.json');
    expect(await run(T0)).toContain('SMTP server is ready to send emails');
    await waitFor(() => existsSync(state));
    expect(JSON.parse(readFileSync(state, 'utf8'))).toMatchObject({ ok: true, checkedAt: T0.toISOString() });

    const later = await run(new Date(T0.getTime() + HOUR));
    expect(later).not.toContain('SMTP server is ready');
    expect(later).toContain('SMTP checked 1h ago with these settings');

    expect(await run(new Date(T0.getTime() + 2 * HOUR), { SMTP_FROM: 'backup@example.com' })).toContain(
      'SMTP server is ready',
    );
    expect(await run(new Date(T0.getTime() + 27 * HOUR), { SMTP_FROM: 'backup@example.com' })).toContain(
      'SMTP server is ready',
    );
  });

  it('a finished run never waits for a check still going (an SMTP server that never answers)', async () => {
    const silent = await startSilentServer();
    const dir = tempDir();
    const started = Date.now();
    const result = await runMain(
      ['run', '--type', 'daily', '--script', writeScript(dir, 'ok.sh', 'true'), '--db', join(dir, 'x.db')],
      {
        env: {
          SMTP_HOST: '127.0.0.1',
          SMTP_PORT: String(silent.port),
          BACKUP_ALERT_EMAIL: 'ops@example.com',
        },
      },
    );
    expect(result.exitCode).toBe(0);
    // The check's own bound is 10 s: the run is over long before it.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(existsSync(join(dir, 'smtp-check.json'))).toBe(false);
  });
});
