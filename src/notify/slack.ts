import type { Lang } from '../config/alerting.js';
import type { Config } from '../config/config.js';
import { redactUrl } from '../shared/redact.js';
import { postJson } from './http-post.js';
import {
  alertError,
  alertHeading,
  alertSubject,
  extraFacts,
  fitTail,
  lateNotice,
  localTimeOf,
  shownOutput,
  singleLine,
} from './message.js';
import type { Alert, Notifier, SendReport } from './types.js';
import { kindWords, labels } from './words.js';

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

let graphemes: Intl.Segmenter | undefined;

/**
 * Escapes `raw` and keeps the result within `max` UTF-16 units, cutting the raw text on a
 * grapheme boundary before it is escaped: no `&l` left of an entity, no lone surrogate of an
 * emoji, no flag or family split in two.
 */
export function escapeAndClip(raw: string, max: number): string {
  const escaped = escapeMrkdwn(raw);
  if (escaped.length <= max) return escaped;
  graphemes ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  let kept = '';
  for (const { segment } of graphemes.segment(raw)) {
    const next = escapeMrkdwn(segment);
    if (kept.length + next.length > max - 1) break;
    kept += next;
  }
  return `${kept}…`;
}

/** A code block cannot hold ``` (there is no escape), so a zero-width space breaks the run. */
function codeBlock(tail: string): string {
  return `\`\`\`\n${escapeMrkdwn(tail).replace(/```/g, '`\u200b`\u200b`')}\n\`\`\``;
}

type Block = Record<string, unknown>;

/** The incoming-webhook body: `text` is the notification/fallback, blocks carry the facts. */
export function slackPayload(
  alert: Alert,
  lang: Lang,
  systemUrl: string | undefined,
  timeZone?: string,
  footer?: string,
): object {
  const t = labels(lang);
  const words = kindWords(lang, alert.kind);
  const subject = alertSubject(alert, lang);
  const local = localTimeOf(alert, timeZone);
  const field = (label: string, value: string) => ({
    type: 'mrkdwn',
    text: clip(`*${label}*\n${escapeMrkdwn(singleLine(value))}`, SLACK_FIELD_MAX),
  });
  const blocks: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(subject, SLACK_HEADER_MAX), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: `*${escapeMrkdwn(alertHeading(alert, lang))}*` } },
    {
      type: 'section',
      fields: [
        field(t.backupId, alert.run.backupId),
        field(t.type, alert.run.type),
        field(t.timestamp, alert.run.finishedAt),
        ...(local ? [field(t.localTime, local)] : []),
      ],
    },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: clip(`*${t.error}*\n${escapeMrkdwn(alertError(alert))}`, SLACK_SECTION_MAX),
      },
    },
  ];
  // A section holds at most 10 fields: the facts (run, size, incident…) go in sections of 10.
  const extras = extraFacts(alert, lang, timeZone).map((fact) => field(fact.label, fact.value));
  for (let start = 0; start < extras.length; start += 10)
    blocks.push({ type: 'section', fields: extras.slice(start, start + 10) });
  const late = lateNotice(alert, lang);
  if (late)
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `:warning: ${escapeMrkdwn(late)}` }] });
  const output = shownOutput(alert);
  if (output) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*${t.outputTail}*` } });
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: fitTail(output, SLACK_SECTION_MAX, codeBlock, undefined, alert.run.outputCutBytes),
      },
    });
  }
  blocks.push({ type: 'section', text: { type: 'mrkdwn', text: escapeMrkdwn(words.advice) } });
  const link = systemUrl ? `<${escapeMrkdwn(systemUrl)}|${escapeMrkdwn(systemUrl)}>` : escapeMrkdwn(t.notSet);
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: `${t.systemUrl}: ${link} · ${escapeMrkdwn(footer ?? t.footer)}` }],
  });
  // The fallback is what notifications and mentions are built from: `<!channel>` or
  // `<https://evil.example|click here>` printed by a script must stay text there too.
  return {
    text: escapeAndClip(`${subject}: ${alertError(alert)}`, SLACK_SECTION_MAX),
    blocks,
  };
}

/** Slack incoming webhook (SLACK_WEBHOOK_URL, or a registered channel's URL); undefined when not configured. */
export function createSlackNotifier(
  config: Config,
  url: string | undefined = config.slackWebhookUrl,
): Notifier | undefined {
  if (!url) return undefined;
  return {
    channel: 'slack',
    recipient: redactUrl(url),
    async send(alert: Alert, signal: AbortSignal): Promise<SendReport> {
      const body = JSON.stringify(
        slackPayload(alert, config.lang, config.systemUrl, config.routing.timeZone, config.systemName),
      );
      const result = await postJson({ url, body, signal });
      return { attempts: result.attempts, subject: alertSubject(alert, config.lang) };
    },
  };
}
