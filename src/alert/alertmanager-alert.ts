import type { Config } from '../config/config.js';
import type { AlertmanagerBody, PostableAlert } from '../notify/alertmanager.js';
import { alertErrorText, alertSubject, showControls } from '../notify/message.js';
import type { Alert } from '../notify/types.js';
import { NO_BACKUP_ID } from './stand-in.js';

/**
 * What an alert says to Alertmanager: the policy half of the `alertmanager` channel.
 * Labels identify an alert there (so they hold nothing that changes from run to run: no
 * backup ID), annotations describe it; a firing alert ends `ttlMs` after each (re-)send
 * unless re-sent, a recovery ends it now.
 */

export const ALERT_NAMES = {
  failure: 'BackupFailed',
  missing: 'BackupMissing',
  slow: 'BackupSlow',
  suspect: 'BackupSuspect',
  test: 'BackupAlertTest',
  configProblem: 'BackupConfigProblem',
} as const;

/** Severity of a failure or a missing backup; BACKUP_ALERT_ESCALATE_AFTER raises it to `critical`. */
export const SEVERITY = { normal: 'error', escalated: 'critical', warning: 'warning', info: 'info' } as const;

/** Lines of the output tail in the description: enough to see the error, short enough for a pager. */
export const DESCRIPTION_TAIL_LINES = 10;
/** A test alert resolves itself soon: nobody wants a test firing for an hour. */
const TEST_TTL_MS = 300_000;

export type AlertmanagerPolicyConfig = Pick<Config, 'lang' | 'systemUrl' | 'labels' | 'alertmanager'>;

/** The alertname an alert fires (a reminder or recovery: its incident's). */
export function alertNameOf(alert: Alert): string {
  switch (alert.kind) {
    case 'failure':
      return ALERT_NAMES.failure;
    case 'missing':
      return ALERT_NAMES.missing;
    case 'slow':
      return ALERT_NAMES.slow;
    case 'suspect':
    case 'suspect-growth':
      return ALERT_NAMES.suspect;
    case 'test':
      return ALERT_NAMES.test;
    case 'config-problem':
      return ALERT_NAMES.configProblem;
    case 'reminder':
    case 'recovery':
      return alert.incident?.cause === 'missing' ? ALERT_NAMES.missing : ALERT_NAMES.failure;
  }
}

function severityOf(alert: Alert): string {
  if (alert.kind === 'test') return SEVERITY.info;
  if (
    alert.kind === 'slow' ||
    alert.kind === 'suspect' ||
    alert.kind === 'suspect-growth' ||
    alert.kind === 'config-problem'
  )
    return SEVERITY.warning;
  return alert.escalate ? SEVERITY.escalated : SEVERITY.normal;
}

/** The job of a run: `job` once named jobs exist (issue 21), else the type, as today. */
export function jobOf(run: Alert['run']): string {
  return (run as { job?: string }).job ?? run.type;
}

/** The labels every alert about this host and job shares. */
export function identityLabels(alert: Alert, config: AlertmanagerPolicyConfig): Record<string, string> {
  const { run } = alert;
  return {
    host: run.host,
    job: jobOf(run),
    type: run.type,
    ...(config.labels.target ? { target: config.labels.target } : {}),
  };
}

function description(alert: Alert): string {
  const error = showControls(alertErrorText(alert));
  const lines = (alert.run.outputTail ?? '').split('\n').filter((line) => line.trim() !== '');
  const tail = lines.slice(-DESCRIPTION_TAIL_LINES).map(showControls).join('\n');
  return [
    error,
    tail ? `Output (last ${Math.min(lines.length, DESCRIPTION_TAIL_LINES)} lines):\n${tail}` : '',
  ]
    .filter(Boolean)
    .join('\n\n');
}

/** The dashboard's page of the run (serve's `/backups/:id`), when SYSTEM_URL says where it is. */
export function generatorUrlOf(alert: Alert, systemUrl: string | undefined): string | undefined {
  if (!systemUrl) return undefined;
  const base = systemUrl.replace(/\/+$/, '');
  const id = alert.run.backupId;
  return id && id !== NO_BACKUP_ID ? `${base}/backups/${encodeURIComponent(id)}` : base;
}

/**
 * The body for one alert, sent at `sentAt`. An escalated alert also ends its `error`
 * twin (severity is a label: a new severity is a new alert there); a recovery ends both
 * severities of both alertnames an incident can have fired.
 */
export function alertmanagerBody(
  alert: Alert,
  config: AlertmanagerPolicyConfig,
  sentAt: Date,
): AlertmanagerBody {
  const subject = alertSubject(alert, config.lang);
  const identity = identityLabels(alert, config);
  const startsAt = alert.incident?.openedAt ?? alert.run.finishedAt;
  const annotations: Record<string, string> = {
    summary: subject,
    description: description(alert),
    ...(config.labels.runbookUrl ? { runbook_url: config.labels.runbookUrl } : {}),
    ...(alert.run.backupId !== NO_BACKUP_ID ? { backup_id: alert.run.backupId } : {}),
  };
  const generatorURL = generatorUrlOf(alert, config.systemUrl);
  const make = (alertname: string, severity: string, endsAt: string): PostableAlert => ({
    labels: { alertname, ...identity, severity },
    annotations,
    startsAt,
    endsAt,
    ...(generatorURL ? { generatorURL } : {}),
  });
  const now = sentAt.toISOString();
  if (alert.kind === 'recovery') {
    const endsAt = alert.incident?.closedAt ?? alert.run.finishedAt;
    const ended = [ALERT_NAMES.failure, ALERT_NAMES.missing].flatMap((name) => [
      make(name, SEVERITY.normal, endsAt),
      make(name, SEVERITY.escalated, endsAt),
    ]);
    return { alerts: ended, subject };
  }
  const ttl = alert.kind === 'test' ? TEST_TTL_MS : (config.alertmanager?.ttlMs ?? TEST_TTL_MS);
  const name = alertNameOf(alert);
  const severity = severityOf(alert);
  const alerts = [make(name, severity, new Date(sentAt.getTime() + ttl).toISOString())];
  if (severity === SEVERITY.escalated) alerts.push(make(name, SEVERITY.normal, now));
  return { alerts, subject };
}
