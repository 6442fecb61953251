import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../config/config.js';
import { templateData } from '../../notify/email-content.js';
import type { Alert } from '../../notify/types.js';
import { errorCode, errorMessage } from '../../shared/errors.js';
import { bad, type Check, ok, skip } from './checks.js';

/** A failure alert with every field filled, so the template is exercised as a real alert would. */
export function sampleAlert(now: Date, host: string): Alert {
  return {
    kind: 'failure',
    run: {
      backupId: 'BKP-20250101-030000-daily',
      job: 'daily',
      type: 'daily',
      host,
      script: '/opt/backup/backup.sh',
      logPath: null,
      status: 'failure',
      startedAt: now.toISOString(),
      finishedAt: now.toISOString(),
      durationMs: 61_000,
      exitCode: 1,
      signal: null,
      errorMessage: 'Backup script failed with exit code 1: <doctor sample> & "quotes"',
      outputTail: 'sample output line\n',
      artifactPath: '/var/backups/db.dump',
      artifactBytes: 123_456_789,
    },
    consecutiveFailures: 3,
    escalate: true,
    suppressedCount: 2,
  };
}

/** The HTML template compiles and renders sample data (runbook §10.2). */
export async function checkTemplate(config: Config, now: Date, host: string): Promise<Check> {
  const title = 'E-mail template';
  if (config.emailRecipients.length === 0) return skip('template', title, 'e-mail alerts off');
  const path = join(config.templateDir, 'backup-failure.hbs');
  let source: string;
  try {
    source = readFileSync(path, 'utf8');
  } catch (error) {
    return bad(
      'warn',
      'template',
      title,
      `${path}: ${errorCode(error) ?? errorMessage(error)}; alerts go as plain text only`,
      'restore templates/backup-failure.hbs or point BACKUP_ALERT_TEMPLATE_DIR at its directory',
    );
  }
  const alert = sampleAlert(now, host);
  let html: string;
  try {
    const { default: Handlebars } = await import('handlebars');
    html = Handlebars.create().compile(source, { strict: false })(templateData(alert, config));
  } catch (error) {
    return bad(
      'fail',
      'template',
      title,
      `${path} does not render: ${errorMessage(error).replace(/\s*\n\s*/g, ' ')}`,
      'fix the template (runbook §10.2), or delete it: the plain-text mail is then sent alone',
    );
  }
  if (/\{\{\{|\{\{&/.test(source)) {
    return bad(
      'warn',
      'template',
      title,
      `${path} uses unescaped {{{…}}}: what a script prints could inject HTML`,
      'use {{double}} braces for every value',
    );
  }
  if (!html.includes(alert.run.backupId)) {
    return bad(
      'warn',
      'template',
      title,
      `${path} renders but does not show {{backupInfo.backupId}}`,
      'show backupInfo.backupId',
    );
  }
  return ok('template', title, `${path} renders (${html.length} characters of HTML)`);
}
