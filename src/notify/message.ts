import type { Lang } from '../config/alerting.js';
import { formatBytes, groupDigits } from '../shared/bytes.js';
import { formatDuration } from '../shared/duration.js';
import { formatLocalTime } from '../shared/local-time.js';
import { describeSizeFinding } from '../shared/size-finding.js';
import { showControls } from '../shared/terminal-text.js';
import type { Alert } from './types.js';
import { kindWords, labels } from './words.js';

/**
 * What every channel says, built from the words table. The §5.2 lines are a
 * requirement (OP-BKP-ALT-001): verbatim and in order; what we add goes on
 * extra lines after エラー内容 and never alters those lines.
 */

// Channels (and their tests) import it from here; it lives with the other terminal-safe text.
export { showControls };

/** Plain-text output tail in a mail body is capped; the HTML and the log file have more. */
export const PLAIN_TAIL_LIMIT = 4096;

/** Header values must never carry CR/LF (header injection) or other control characters. */
export function singleLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}

/**
 * Which backup an alert is about: `job@host` (issue 21; `daily@db1` when the run named no
 * job). Several backups on one host, and one job on forty hosts, are told apart at a glance.
 */
export function alertIdentity(alert: Alert): string {
  const { run } = alert;
  return `${identityPart(run.job ?? run.type)}@${identityPart(run.host)}`;
}

/**
 * Job names and host names we accept are plain words (a slug; letters, digits, . _ - @ :),
 * but a row may carry anything (a centre's, one written by hand). The subject is a header
 * and Slack's header is not escaped: anything else becomes `_` there; the facts below keep
 * the value as it is, escaped for each channel.
 */
function identityPart(text: string): string {
  return text.replace(/[^\p{L}\p{N}._@:-]/gu, '_').slice(0, 253);
}

export function alertSubject(alert: Alert, lang: Lang): string {
  const subject = kindWords(lang, alert.kind).subject(singleLine(alert.run.backupId), alertIdentity(alert));
  return alert.preview ? `${labels(lang).previewMark}${subject}` : subject;
}

/**
 * The heading line, with the identity after the runbook's words (the rest of §5.2 is as
 * written); a preview (test-notify --kind, run --test) is marked as a test there too.
 */
export function alertHeading(alert: Alert, lang: Lang): string {
  const heading = `${kindWords(lang, alert.kind).heading}: ${alertIdentity(alert)}`;
  return alert.preview ? `${labels(lang).previewMark}${heading}` : heading;
}

/**
 * The local-time value shown right after 発生時刻 (BACKUP_ALERT_TIMEZONE), or undefined
 * when no zone is set: then the body is the runbook's, line for line.
 */
export function localTimeOf(alert: Alert, timeZone: string | undefined): string | undefined {
  return timeZone ? formatLocalTime(alert.run.finishedAt, timeZone) : undefined;
}

/** An ISO time as a fact: UTC as stored, with the local time beside it when a zone is set. */
function timeFact(iso: string, timeZone: string | undefined): string {
  const local = timeZone ? formatLocalTime(iso, timeZone) : undefined;
  return local ? `${iso} (${local})` : iso;
}

/**
 * What the alert is about: the run's error, or for a size warning (the run succeeded) what is
 * wrong with the size; '' for a recovery.
 */
export function alertErrorText(alert: Alert): string {
  const text = alert.run.errorMessage ?? (alert.size ? describeSizeFinding(alert.size) : '');
  return alert.storm ? `${stormLine(alert.storm)}: ${text}` : text;
}

/** `214 hosts failed: target nfs1` — the storm summary's first words, in every channel. */
export function stormLine(storm: NonNullable<Alert['storm']>): string {
  const on = storm.kind === 'target' ? `target ${storm.label}` : `error class "${storm.label}"`;
  const hosts = storm.hosts?.length
    ? ` (${storm.hosts.join(', ')}${storm.hostCount > storm.hosts.length ? ', …' : ''})`
    : '';
  if (storm.stillFailing) return `${storm.hostCount} hosts still failing: ${on}${hosts}`;
  return `${storm.hostCount} hosts failed${storm.final ? ' in total' : ''}: ${on}${hosts}`;
}

/** The one-line error the alert is about ('' for a recovery). */
export function alertError(alert: Alert): string {
  // The error quotes the script's last stderr line: its colour codes are shown, not dropped.
  return singleLine(showControls(alertErrorText(alert)));
}

/** A label and value we add after エラー内容; shared by every channel so they say the same facts. */
export interface ExtraFact {
  label: string;
  value: string;
}

export function extraFacts(alert: Alert, lang: Lang, timeZone?: string): ExtraFact[] {
  const t = labels(lang);
  const { run } = alert;
  const facts: ExtraFact[] = [
    { label: t.job, value: run.job ?? run.type },
    { label: t.host, value: run.host },
  ];
  if (run.exitCode !== null) facts.push({ label: t.exitCode, value: String(run.exitCode) });
  if (run.signal) facts.push({ label: t.signal, value: run.signal });
  if (run.durationMs !== null) facts.push({ label: t.duration, value: formatDuration(run.durationMs) });
  facts.push(...sizeFacts(alert, lang));
  if (alert.kind === 'failure' && alert.consecutiveFailures > 0) {
    facts.push({
      label: t.consecutive,
      value: `${alert.consecutiveFailures}${alert.escalate ? t.escalation : ''}`,
    });
  }
  if (alert.suppressedCount) facts.push({ label: t.suppressed, value: String(alert.suppressedCount) });
  facts.push(...routingFacts(alert, lang, timeZone));
  if (run.logPath) facts.push({ label: t.logPath, value: run.logPath });
  return facts;
}

/** What incidents, watch, the slow run and silences add: since when, how many, how late. */
function routingFacts(alert: Alert, lang: Lang, timeZone: string | undefined): ExtraFact[] {
  const t = labels(lang);
  const facts: ExtraFact[] = [];
  const { incident, missing, slow } = alert;
  if (missing) {
    facts.push({
      label: t.lastSuccess,
      value: missing.lastSuccessAt ? timeFact(missing.lastSuccessAt, timeZone) : t.never,
    });
    facts.push({ label: t.maxAge, value: formatDuration(missing.maxAgeMs) });
    if (missing.overdueMs !== null)
      facts.push({ label: t.overdue, value: formatDuration(missing.overdueMs) });
    if (missing.lastRunId) {
      facts.push({ label: t.lastRun, value: `${missing.lastRunId} (${missing.lastRunStatus ?? '?'})` });
    }
  }
  if (slow) {
    facts.push({ label: t.runningFor, value: formatDuration(slow.runningForMs) });
    facts.push({ label: t.warnAfter, value: formatDuration(slow.warnAfterMs) });
  }
  if (incident) {
    facts.push({ label: t.incidentSince, value: timeFact(incident.openedAt, timeZone) });
    facts.push({ label: t.failedRuns, value: String(incident.failedRuns) });
    if (incident.reminder) facts.push({ label: t.reminder, value: t.reminderNo(incident.reminder) });
    if (incident.closedAt)
      facts.push({ label: t.incidentClosed, value: timeFact(incident.closedAt, timeZone) });
  }
  if (alert.heldBySilence) facts.push({ label: t.heldBySilence, value: String(alert.heldBySilence) });
  return facts;
}

/** The artifact and its size; with a size finding, the median and the sizes it came from. */
function sizeFacts(alert: Alert, lang: Lang): ExtraFact[] {
  const t = labels(lang);
  const { artifactPath, artifactBytes } = alert.run;
  const facts: ExtraFact[] = [];
  // `!= null`: alerts stored for retry by an earlier version have neither field.
  if (artifactPath != null) {
    const size = artifactBytes != null ? ` (${formatBytes(artifactBytes)}, ${artifactBytes} bytes)` : '';
    facts.push({ label: t.artifact, value: `${artifactPath}${size}` });
  }
  if (alert.size) {
    const { medianBytes, recentBytes } = alert.size;
    facts.push(
      { label: t.sizeMedian(recentBytes.length), value: formatBytes(medianBytes) },
      { label: t.sizeRecent, value: recentBytes.map(formatBytes).join(', ') },
    );
  }
  return facts;
}

/** The late-delivery notice, when `retry` re-sends an alert. */
export function lateNotice(alert: Alert, lang: Lang): string | undefined {
  if (!alert.lateSince) return undefined;
  return labels(lang).late(alert.lateSince, alert.resentAt ?? alert.lateSince);
}

/**
 * Keeps the end of the output (where the error usually is) and says how much was cut, in
 * bytes (the unit of the output and its log file): what this cut drops, plus what was cut
 * before `text` reached us (`earlierCutBytes`: the run keeps only the end in memory).
 */
export function tailOf(text: string, limit: number, earlierCutBytes = 0): string {
  let kept = text;
  if (text.length > limit) {
    const cut = text.length - limit;
    const start = text.indexOf('\n', cut);
    kept = start >= 0 && start < text.length - 1 ? text.slice(start + 1) : text.slice(cut);
  }
  const cutBytes = earlierCutBytes + Buffer.byteLength(text, 'utf8') - Buffer.byteLength(kept, 'utf8');
  return cutBytes > 0 ? `[… ${groupDigits(cutBytes)} bytes cut …]\n${kept}` : kept;
}

/**
 * The longest end of `text` whose rendering fits `max` characters (or bytes, with a
 * custom measure). Escaping can grow text (Slack's `&` → `&amp;`), so we measure the
 * rendered form and shrink until it fits instead of guessing a ratio.
 */
export function fitTail(
  text: string,
  max: number,
  render: (tail: string) => string,
  measure: (rendered: string) => number = (rendered) => rendered.length,
  earlierCutBytes?: number,
): string {
  let limit = Math.min(text.length, max);
  for (;;) {
    const rendered = render(tailOf(text, limit, earlierCutBytes));
    if (measure(rendered) <= max || limit === 0) return rendered;
    limit = Math.floor(limit * 0.8);
  }
}

/** The output tail as every channel shows it: controls made visible, no trailing blank space; '' when empty. */
export function shownOutput(alert: Alert): string {
  const output = showControls(alert.run.outputTail).replace(/\s+$/, '');
  return output.trim() ? output : '';
}

/**
 * The runbook §5.2 body, verbatim and in order, with our extra facts after エラー内容.
 * With a time zone set, one line (現地時刻) follows 発生時刻 (DESIGN.md); none without.
 */
export function plainTextBody(
  alert: Alert,
  lang: Lang,
  systemUrl: string | undefined,
  timeZone?: string,
  /** BACKUP_ALERT_SYSTEM_NAME; the runbook's footer when unset. */
  footer?: string,
): string {
  const t = labels(lang);
  const words = kindWords(lang, alert.kind);
  const lines: string[] = [alertHeading(alert, lang), ''];
  const local = localTimeOf(alert, timeZone);
  lines.push(
    `${t.backupId}: ${alert.run.backupId}`,
    `${t.type}: ${alert.run.type}`,
    `${t.timestamp}: ${alert.run.finishedAt}`,
    ...(local ? [`${t.localTime}: ${local}`] : []),
    `${t.error}: ${alertError(alert)}`,
  );
  for (const fact of extraFacts(alert, lang, timeZone))
    lines.push(`${fact.label}: ${singleLine(fact.value)}`);
  const late = lateNotice(alert, lang);
  if (late) lines.push(late);
  const output = shownOutput(alert);
  if (output) lines.push('', `${t.outputTail}:`, tailOf(output, PLAIN_TAIL_LIMIT, alert.run.outputCutBytes));
  lines.push('', words.advice, '', `${t.systemUrl}: ${systemUrl ?? t.notSet}`, '', '---', footer ?? t.footer);
  return `${lines.join('\n')}\n`;
}
