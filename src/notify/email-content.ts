import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import { errorCode, errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import {
  alertError,
  alertHeading,
  alertSubject,
  extraFacts,
  lateNotice,
  localTimeOf,
  plainTextBody,
  shownOutput,
  singleLine,
  tailOf,
} from './message.js';
import type { Alert } from './types.js';
import { kindWords, labels } from './words.js';

export const TEMPLATE_FILE = 'backup-failure.hbs';

/** The HTML keeps more of the output than the plain body; the log file has all of it. */
export const HTML_TAIL_LIMIT = 16_384;

export interface EmailContent {
  /** Single line: CR/LF from the error can never start a new header. */
  subject: string;
  text: string;
  /** Absent when the template is missing or broken: the plain text alone still says everything. */
  html?: string;
}

/** Everything the template may use; the runbook §5.4 names plus what we add. */
export function templateData(alert: Alert, config: Config): Record<string, unknown> {
  const t = labels(config.lang);
  const words = kindWords(config.lang, alert.kind);
  const systemUrl = config.systemUrl;
  const output = shownOutput(alert);
  const timeZone = config.routing.timeZone;
  return {
    backupInfo: {
      backupId: alert.run.backupId,
      type: alert.run.type,
      timestamp: alert.run.finishedAt,
      error: alertError(alert),
    },
    // BACKUP_ALERT_TIMEZONE: shown right after the UTC time; undefined (no row) when unset.
    localTime: localTimeOf(alert, timeZone),
    systemUrl,
    // Only http(s) becomes a link: an odd SYSTEM_URL is still shown, never made clickable.
    systemUrlIsLink: systemUrl !== undefined && /^https?:\/\//i.test(systemUrl),
    kind: alert.kind,
    isFailure: alert.kind === 'failure',
    isRecovery: alert.kind === 'recovery',
    isTest: alert.kind === 'test' || alert.preview === true,
    // A warning, not the red of a failure: size findings, missing, slow, reminders.
    isWarning: (['suspect', 'suspect-growth', 'missing', 'slow', 'reminder', 'config-problem'] as const).some(
      (kind) => alert.kind === kind,
    ),
    escalate: alert.escalate,
    lang: config.lang,
    subject: alertSubject(alert, config.lang),
    heading: alertHeading(alert, config.lang),
    advice: words.advice,
    labels: {
      backupId: t.backupId,
      type: t.type,
      timestamp: t.timestamp,
      localTime: t.localTime,
      error: t.error,
      systemUrl: t.systemUrl,
      outputTail: t.outputTail,
      notSet: t.notSet,
    },
    facts: extraFacts(alert, config.lang, timeZone),
    lateNotice: lateNotice(alert, config.lang),
    outputTail: output ? tailOf(output, HTML_TAIL_LIMIT, alert.run.outputCutBytes) : '',
    footer: config.systemName ?? t.footer,
  };
}

/**
 * Renders the HTML part from the template, read at every send so an edit
 * takes effect without a restart (runbook FAQ Q4). A missing or broken
 * template is not fatal: the mail goes out as plain text (runbook §10.2).
 */
export async function renderHtml(alert: Alert, config: Config, logger: Logger): Promise<string | undefined> {
  const path = join(config.templateDir, TEMPLATE_FILE);
  let source: string;
  try {
    source = await readFile(path, 'utf8');
  } catch (error) {
    const why = errorCode(error) === 'ENOENT' ? 'not found' : `unreadable (${errorMessage(error)})`;
    logger.warn('EmailService', `HTML template ${path} ${why}: sending plain text only`);
    return undefined;
  }
  try {
    // A fresh instance per render: no helper or partial registered elsewhere leaks in.
    const { default: Handlebars } = await import('handlebars');
    const handlebars = Handlebars.create();
    const template = handlebars.compile(source, { strict: false });
    return template(templateData(alert, config));
  } catch (error) {
    logger.warn(
      'EmailService',
      `HTML template ${path} is broken (${singleLine(errorMessage(error))}): sending plain text only`,
    );
    return undefined;
  }
}

/** Subject, plain text (runbook §5.1, §5.2) and, when the template renders, HTML. */
export async function buildEmailContent(alert: Alert, config: Config, logger: Logger): Promise<EmailContent> {
  const subject = singleLine(alertSubject(alert, config.lang));
  const text = plainTextBody(
    alert,
    config.lang,
    config.systemUrl,
    config.routing.timeZone,
    config.systemName,
  );
  const html = await renderHtml(alert, config, logger);
  return html === undefined ? { subject, text } : { subject, text, html };
}
