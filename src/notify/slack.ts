import type { Config, Lang } from '../config/config.js';
import { redactUrl } from '../config/values.js';
import { fitTail } from '../shared/redact.js';
import { postJson } from './http-post.js';
import { alertSubject, extraFacts, lateNotice, messageText, singleLine } from './message.js';
import type { FailureAlert, Notifier, SendReport } from './types.js';

/** Slack Block Kit limits (api.slack.com/reference/block-kit/blocks). */
export const SLACK_HEADER_MAX = 150;
export const SLACK_SECTION_MAX = 3000;
const SLACK_FIELD_MAX = 2000;

/** mrkdwn treats only these three as control characters; everything else is literal. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function headingOf(alert: FailureAlert, lang: Lang): string {
  const t = messageText(lang);
  if (alert.kind === 'test') return t.testHeading;
  if (alert.kind === 'recovery') return t.recoveryHeading;
  return t.heading;
}

/** A code block cannot hold ``` (there is no escape), so a zero-width space breaks the run. */
function codeBlock(tail: string): string {
  return `\`\`\`\n${escapeMrkdwn(tail).replace(/```/g, '`\u200b`\u200b`')}\n\`\`\``;
}

type Block = Record<string, unknown>;

/** The incoming-webhook body: `text` is the notification/fallback, blocks carry the facts. */
export function slackPayload(alert: FailureAlert, lang: Lang, systemUrl: string | undefined): object {
  const t = messageText(lang);
  const subject = alertSubject(alert, lang);
  const field = (label: string, value: string) => ({
    type: 'mrkdwn',
    text: clip(`*${label}*\n${escapeMrkdwn(singleLine(value))}`, SLACK_FIELD_MAX),
  });
  const blocks: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(subject, SLACK_HEADER_MAX), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: `*${escapeMrkdwn(headingOf(alert, lang))}*` } },
    {
      type: 'section',
      fields: [
        field(t.backupId, alert.backupId),
        field(t.type, alert.type),
        field(t.timestamp, alert.timestamp),
      ],
    },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: clip(`*${t.error}*\n${escapeMrkdwn(singleLine(alert.error))}`, SLACK_SECTION_MAX),
      },
    },
  ];
  // A section holds at most 10 fields; we add at most 7.
  const extras = extraFacts(alert, lang).map((fact) => field(fact.label, fact.value));
  if (extras.length > 0) blocks.push({ type: 'section', fields: extras.slice(0, 10) });
  const late = lateNotice(alert, lang);
  if (late)
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `:warning: ${escapeMrkdwn(late)}` }] });
  const output = alert.outputTail.replace(/\s+$/, '');
  if (output.trim()) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*${t.outputTail}*` } });
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: fitTail(output, SLACK_SECTION_MAX, codeBlock) },
    });
  }
  const advice = alert.kind === 'recovery' ? t.recoveryAdvice : t.advice;
  blocks.push({ type: 'section', text: { type: 'mrkdwn', text: escapeMrkdwn(advice) } });
  const link = systemUrl ? `<${escapeMrkdwn(systemUrl)}|${escapeMrkdwn(systemUrl)}>` : escapeMrkdwn(t.notSet);
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: `${t.systemUrl}: ${link} · ${t.footer}` }],
  });
  return {
    text: clip(`${subject}: ${singleLine(alert.error)}`, SLACK_SECTION_MAX),
    blocks,
  };
}

/** Slack incoming webhook (SLACK_WEBHOOK_URL); undefined when not configured. */
export function createSlackNotifier(config: Config): Notifier | undefined {
  const url = config.slackWebhookUrl;
  if (!url) return undefined;
  return {
    channel: 'slack',
    recipient: redactUrl(url),
    async send(alert: FailureAlert, signal: AbortSignal): Promise<SendReport> {
      const body = JSON.stringify(slackPayload(alert, config.lang, config.systemUrl));
      const result = await postJson({ url, body, signal });
      return { attempts: result.attempts, subject: alertSubject(alert, config.lang) };
    },
  };
}
