import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Config } from '../config/config.js';
import type { CommandContext } from '../context.js';
import { formatDuration } from '../shared/duration.js';
import { errorMessage } from '../shared/errors.js';

/** How long the background SMTP check at the start of a run may take. */
const SMTP_CHECK_MS = 10_000;

/** What the last check found, kept beside the database (no secret in it). */
interface LastCheck {
  fingerprint: string;
  checkedAt: string;
  ok: boolean;
}

/**
 * The settings a check is valid for. The password enters only as 16 bits of its hash:
 * enough to see that it changed, far too little to say anything about it.
 */
export function smtpFingerprint(config: Pick<Config, 'smtp' | 'emailRecipients'>): string {
  const { smtp } = config;
  const password = smtp.password ? createHash('sha256').update(smtp.password).digest('hex').slice(0, 4) : '';
  const settings = [
    smtp.host,
    smtp.port,
    smtp.secure,
    smtp.user ?? '',
    password,
    smtp.from,
    smtp.tlsRejectUnauthorized,
  ];
  return createHash('sha256')
    .update(JSON.stringify([settings, config.emailRecipients]))
    .digest('hex')
    .slice(0, 16);
}

function statePath(config: Pick<Config, 'dbPath'>): string {
  return join(dirname(config.dbPath), 'smtp-check.json');
}

function readLast(path: string): LastCheck | undefined {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as Partial<LastCheck>;
    if (
      typeof value.fingerprint === 'string' &&
      typeof value.checkedAt === 'string' &&
      typeof value.ok === 'boolean'
    )
      return value as LastCheck;
  } catch {
    // None yet, or unreadable: check.
  }
  return undefined;
}

/** Due when never done, when the settings changed, when the last one failed, or after the interval. */
export function smtpCheckDue(
  last: LastCheck | undefined,
  fingerprint: string,
  now: Date,
  intervalMs: number,
): boolean {
  if (!last || last.fingerprint !== fingerprint || !last.ok) return true;
  const age = now.getTime() - Date.parse(last.checkedAt);
  return !(age >= 0 && age < intervalMs);
}

/**
 * The runbook checks the SMTP connection at start (§6 Step 5; skipped with NODE_ENV=test).
 * It runs beside the backup, so it costs the backup nothing, and a broken mail setup is
 * reported even on nights when the backup succeeds, before it is needed. A good result
 * is remembered for BACKUP_ALERT_SMTP_CHECK_INTERVAL (a day by default) as long as the
 * settings stay the same; a failing one is checked again every run. A finished run never
 * waits for it: a check still going when the run is over is simply not remembered.
 */
export function startSmtpCheck(ctx: CommandContext): void {
  const { config } = ctx;
  if (config.emailRecipients.length === 0 || config.skipSmtpVerify) return;
  const path = statePath(config);
  const fingerprint = smtpFingerprint(config);
  const last = readLast(path);
  if (!smtpCheckDue(last, fingerprint, ctx.now(), config.smtpCheckIntervalMs)) {
    ctx.logger.debug(
      'EmailService',
      `SMTP checked ${formatDuration(ctx.now().getTime() - Date.parse(last!.checkedAt))} ago with these settings; not again until BACKUP_ALERT_SMTP_CHECK_INTERVAL has passed`,
    );
    return;
  }
  void (async () => {
    try {
      const { verifySmtp } = await import('../notify/email.js');
      const result = await verifySmtp(config, ctx.logger, {
        timeoutMs: Math.min(SMTP_CHECK_MS, config.notifyTimeoutMs),
        readyAtDebug: true,
      });
      remember(path, { fingerprint, checkedAt: ctx.now().toISOString(), ok: result.ok });
    } catch (error) {
      ctx.logger.warn('EmailService', `SMTP check failed: ${errorMessage(error)}`);
    }
  })();
}

/** Written whole (temp file, rename): two runs finishing together never leave half a file. */
function remember(path: string, check: LastCheck): void {
  try {
    const temp = `${path}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify(check)}\n`, { mode: 0o600 });
    renameSync(temp, path);
  } catch {
    // Not remembered: the next run checks again.
  }
}
