import type { Lang } from '../config/config.js';
import { formatDuration } from '../shared/duration.js';
import type { FailureAlert } from './types.js';

/**
 * The alert's words. The Japanese subject and the runbook §5.2 lines are
 * requirements (OP-BKP-ALT-001): verbatim, in order. What we add goes on
 * extra lines after エラー内容 and never alters those lines.
 */
const TEXT = {
  ja: {
    subject: (id: string) => `【緊急】バックアップ失敗: ${id}`,
    recoverySubject: (id: string) => `【復旧】バックアップ復旧: ${id}`,
    testSubject: () => '【テスト】バックアップアラート通知テスト',
    heading: '【緊急】バックアップ処理が失敗しました',
    recoveryHeading: '【復旧】バックアップが正常に完了しました',
    testHeading: '【テスト】これはバックアップアラートのテスト通知です（実際の障害ではありません）',
    backupId: 'バックアップID',
    type: '種別',
    timestamp: '発生時刻',
    error: 'エラー内容',
    host: 'ホスト',
    exitCode: '終了コード',
    signal: 'シグナル',
    duration: '実行時間',
    consecutive: '連続失敗回数',
    escalation: '（エスカレーション基準 Level 2 に到達: 手順書 §13）',
    suppressed: '抑止された同一失敗',
    late: (due: string, now: string) => `遅延送信: この通知は ${due} に送信できず、${now} に再送されました`,
    logPath: 'ログファイル',
    outputTail: '出力の末尾',
    advice: '速やかに原因を確認し、手動バックアップの実行を検討してください。',
    recoveryAdvice: '直前の失敗から復旧しました。',
    systemUrl: 'システムURL',
    notSet: '(未設定)',
    footer: 'ITSM-Sec Nexus バックアップアラート',
  },
  en: {
    subject: (id: string) => `[URGENT] Backup failed: ${id}`,
    recoverySubject: (id: string) => `[RECOVERED] Backup recovered: ${id}`,
    testSubject: () => '[TEST] Backup alert notification test',
    heading: '[URGENT] A backup has failed',
    recoveryHeading: '[RECOVERED] The backup completed successfully again',
    testHeading: '[TEST] This is a test of backup alerting (not a real failure)',
    backupId: 'Backup ID',
    type: 'Type',
    timestamp: 'Time',
    error: 'Error',
    host: 'Host',
    exitCode: 'Exit code',
    signal: 'Signal',
    duration: 'Duration',
    consecutive: 'Consecutive failures',
    escalation: ' (Level 2 escalation threshold reached: runbook §13)',
    suppressed: 'Identical failures suppressed',
    late: (due: string, now: string) =>
      `Late delivery: this alert could not be sent at ${due}; re-sent at ${now}`,
    logPath: 'Log file',
    outputTail: 'End of output',
    advice: 'Investigate the cause promptly and consider running a manual backup.',
    recoveryAdvice: 'The backup has recovered from the previous failure.',
    systemUrl: 'System URL',
    notSet: '(not set)',
    footer: 'ITSM-Sec Nexus backup alert',
  },
} as const;

export type MessageText = (typeof TEXT)[Lang];

export function messageText(lang: Lang): MessageText {
  return TEXT[lang];
}

/** Plain-text output tail in a mail body is capped; the HTML and the log file have more. */
export const PLAIN_TAIL_LIMIT = 4096;

/** Header values must never carry CR/LF (header injection) or other control characters. */
export function singleLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}

export function alertSubject(alert: FailureAlert, lang: Lang): string {
  const t = TEXT[lang];
  const id = singleLine(alert.backupId);
  if (alert.kind === 'test') return t.testSubject();
  if (alert.kind === 'recovery') return t.recoverySubject(id);
  return t.subject(id);
}

/** A label and value we add after エラー内容; shared by every channel so they say the same facts. */
export interface ExtraFact {
  label: string;
  value: string;
}

export function extraFacts(alert: FailureAlert, lang: Lang): ExtraFact[] {
  const t = TEXT[lang];
  const facts: ExtraFact[] = [{ label: t.host, value: alert.host }];
  if (alert.exitCode !== null) facts.push({ label: t.exitCode, value: String(alert.exitCode) });
  if (alert.signal) facts.push({ label: t.signal, value: alert.signal });
  if (alert.durationMs !== null) facts.push({ label: t.duration, value: formatDuration(alert.durationMs) });
  if (alert.kind === 'failure' && alert.consecutiveFailures > 0) {
    facts.push({
      label: t.consecutive,
      value: `${alert.consecutiveFailures}${alert.escalate ? t.escalation : ''}`,
    });
  }
  if (alert.suppressedCount) facts.push({ label: t.suppressed, value: String(alert.suppressedCount) });
  if (alert.logPath) facts.push({ label: t.logPath, value: alert.logPath });
  return facts;
}

/** The late-delivery notice, when `retry` re-sends an alert. */
export function lateNotice(alert: FailureAlert, lang: Lang): string | undefined {
  if (!alert.lateSince) return undefined;
  return TEXT[lang].late(alert.lateSince, alert.resentAt ?? alert.lateSince);
}

/** Keeps the end of the output (where the error usually is) and says how much was cut. */
export function tailOf(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const cut = text.length - limit;
  const start = text.indexOf('\n', cut);
  const kept = start >= 0 && start < text.length - 1 ? text.slice(start + 1) : text.slice(cut);
  return `[… ${text.length - kept.length} characters cut …]\n${kept}`;
}

/** The runbook §5.2 body, verbatim and in order, with our extra facts after エラー内容. */
export function plainTextBody(alert: FailureAlert, lang: Lang, systemUrl: string | undefined): string {
  const t = TEXT[lang];
  const heading =
    alert.kind === 'test' ? t.testHeading : alert.kind === 'recovery' ? t.recoveryHeading : t.heading;
  const lines: string[] = [heading, ''];
  lines.push(
    `${t.backupId}: ${alert.backupId}`,
    `${t.type}: ${alert.type}`,
    `${t.timestamp}: ${alert.timestamp}`,
    `${t.error}: ${singleLine(alert.error)}`,
  );
  for (const fact of extraFacts(alert, lang)) lines.push(`${fact.label}: ${singleLine(fact.value)}`);
  const late = lateNotice(alert, lang);
  if (late) lines.push(late);
  if (alert.outputTail.trim()) {
    lines.push('', `${t.outputTail}:`, tailOf(alert.outputTail.replace(/\s+$/, ''), PLAIN_TAIL_LIMIT));
  }
  lines.push(
    '',
    alert.kind === 'recovery' ? t.recoveryAdvice : t.advice,
    '',
    `${t.systemUrl}: ${systemUrl ?? t.notSet}`,
    '',
    '---',
    t.footer,
  );
  return `${lines.join('\n')}\n`;
}
