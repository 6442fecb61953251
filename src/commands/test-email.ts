import { testAlert } from '../alert/test-alert.js';
import { type ConfigProblem, parseRecipients } from '../config/values.js';
import type { CommandContext } from '../context.js';
import { sendAlertEmail, verifySmtp } from '../notify/email.js';
import { describeSmtpError, type SmtpErrorInfo } from '../notify/smtp-errors.js';
import { ExitCode } from '../shared/exit-codes.js';
import { recordAudit } from '../store/audit.js';
import type { Store } from '../store/store.js';

export interface TestEmailOptions {
  to?: string;
  verifyOnly?: boolean;
  /** Also prints the SMTP conversation (credentials masked) on stderr. */
  verbose?: boolean;
}

function smtpSummary(ctx: CommandContext): string {
  const { smtp } = ctx.config;
  const tls = smtp.secure ? 'implicit TLS' : 'STARTTLS when offered';
  const login = smtp.user ? `login as ${smtp.user}` : 'no login (SMTP_USER unset)';
  const verify = smtp.tlsRejectUnauthorized ? '' : ', certificate NOT verified';
  return `SMTP ${smtp.host}:${smtp.port} (${tls}${verify}), ${login}, from ${smtp.from}`;
}

function failureLines(what: string, info: SmtpErrorInfo): string[] {
  return [
    `✖ ${what}: ${info.message}`,
    `  code: ${info.code}${info.responseCode !== undefined ? ` (SMTP reply ${info.responseCode})` : ''}`,
    `  remedy: ${info.remedy}`,
  ];
}

/** Only the problems that matter to e-mail. */
function emailProblems(problems: ConfigProblem[]): ConfigProblem[] {
  return problems.filter((p) => p.variable.startsWith('SMTP_') || p.variable === 'BACKUP_ALERT_EMAIL');
}

/**
 * `test-email`: verify the SMTP connection (and login), then send a test
 * message. Exit 0 when it was sent, 1 otherwise, with the code and the
 * runbook §10.1 remedy.
 */
export async function testEmailCommand(options: TestEmailOptions, ctx: CommandContext): Promise<number> {
  const { config, logger } = ctx;
  const print = (...lines: string[]) => ctx.io.stdout(lines.map((line) => `${line}\n`).join(''));
  const mask = logger.mask;
  const transcript = options.verbose ? (line: string) => ctx.io.stderr(mask(line)) : undefined;

  for (const problem of emailProblems(ctx.problems)) print(`⚠ ${problem.variable}: ${problem.message}`);

  let recipients = config.emailRecipients;
  if (options.to !== undefined) {
    const problems: ConfigProblem[] = [];
    recipients = parseRecipients('--to', options.to, problems);
    for (const problem of problems) print(`⚠ ${problem.variable}: ${problem.message}`);
  }
  if (!options.verifyOnly && recipients.length === 0) {
    print(
      '✖ No recipients: set BACKUP_ALERT_EMAIL (comma-separated) or pass --to ADDR[,ADDR]',
      '  remedy: runbook §3.1/§6 Step 3, e.g. BACKUP_ALERT_EMAIL=admin@example.com',
    );
    return ExitCode.failed;
  }

  print(mask(smtpSummary(ctx)));
  const verified = await verifySmtp(config, logger, {
    timeoutMs: config.notifyTimeoutMs,
    ...(transcript ? { transcript } : {}),
  });
  if (!verified.ok) {
    print(...failureLines('SMTP connection failed', verified.error));
    audit(ctx, 'failure', { step: 'verify', code: verified.error.code, to: recipients });
    return ExitCode.failed;
  }
  print(`✔ SMTP server is ready to send emails (${config.smtp.host}:${config.smtp.port})`);
  if (options.verifyOnly) {
    audit(ctx, 'success', { step: 'verify' });
    return ExitCode.ok;
  }

  try {
    const report = await sendAlertEmail(
      config,
      logger,
      recipients,
      testAlert(
        ctx.now(),
        ctx.hostname,
        'This is a test message from `backup-alert test-email`; no backup failed.',
        config.script ?? null,
      ),
      AbortSignal.timeout(config.notifyTimeoutMs),
      transcript ? { transcript } : {},
    );
    const tries = report.attempts > 1 ? `, after ${report.attempts} attempts` : '';
    print(`✔ Test e-mail sent to ${recipients.join(',')} (subject: ${report.subject}${tries})`);
    audit(ctx, 'success', { step: 'send', to: recipients, attempts: report.attempts });
    return ExitCode.ok;
  } catch (error) {
    const info = describeSmtpError(error, config.smtp);
    info.message = mask(info.message);
    print(...failureLines('Sending the test e-mail failed', info));
    audit(ctx, 'failure', { step: 'send', code: info.code, to: recipients });
    return ExitCode.failed;
  }
}

/** A backup_audit_logs row (runbook §9.4); the database being unavailable never fails the test. */
function audit(ctx: CommandContext, status: 'success' | 'failure', details: Record<string, unknown>): void {
  let store: Store | null = null;
  try {
    store = ctx.openStore();
  } catch (error) {
    ctx.logger.debug('Audit', `No audit row for test-email: ${String(error)}`);
    return;
  }
  try {
    recordAudit(store.audit, ctx, { operation: 'test-email', status, details });
  } finally {
    store.close();
  }
}
