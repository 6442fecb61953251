import type { Lang, TeamsFormat } from '../config/alerting.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../shared/logger.js';
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

/** Teams rejects messages over about 28 KB; we stay a little under, measured in UTF-8 bytes. */
export const TEAMS_MAX_BYTES = 28_000;
/** Workflows' "Post card" action rejects Adaptive Card schema versions above 1.4. */
export const ADAPTIVE_CARD_VERSION = '1.4';

export interface TeamsFormatChoice {
  format: TeamsFormat;
  /** Why, for the log and test-notify. */
  reason: string;
  legacy: boolean;
}

/**
 * Legacy Office 365 connector URLs (retired by Microsoft) take a MessageCard; Workflows
 * (Power Automate / Logic Apps) URLs take an Adaptive Card in a `message` attachment.
 * An unknown host gets the Adaptive Card: Workflows is the product Microsoft supports now.
 */
export function chooseTeamsFormat(url: string, override: TeamsFormat | undefined): TeamsFormatChoice {
  let host = '';
  let path = '';
  try {
    const parsed = new URL(url);
    host = parsed.hostname.toLowerCase();
    path = parsed.pathname.toLowerCase();
  } catch {
    // config already rejected unparsable URLs; treat as unknown
  }
  const legacy =
    host.endsWith('.webhook.office.com') ||
    host === 'outlook.office.com' ||
    host === 'outlook.office365.com' ||
    path.includes('/webhookb2/');
  if (override) return { format: override, reason: 'TEAMS_WEBHOOK_FORMAT', legacy };
  if (legacy) return { format: 'messagecard', reason: 'legacy Office 365 connector URL', legacy };
  const workflows =
    host.endsWith('.logic.azure.com') ||
    host === 'api.powerplatform.com' ||
    host.endsWith('.api.powerplatform.com') ||
    host.includes('powerautomate') ||
    path.includes('/powerautomate/') ||
    /\/cu\/[^/]+/.test(path);
  if (workflows) return { format: 'adaptivecard', reason: 'Workflows URL', legacy };
  return { format: 'adaptivecard', reason: 'unrecognised host; Workflows assumed', legacy };
}

interface Parts {
  subject: string;
  heading: string;
  facts: Array<{ label: string; value: string }>;
  late: string | undefined;
  advice: string;
  outputLabel: string;
  systemUrlLabel: string;
  colour: 'failure' | 'recovery' | 'test' | 'warning';
}

/** missing, slow and reminder are warnings; a preview is a test whatever its kind. */
function colourOf(alert: Alert): Parts['colour'] {
  if (alert.preview || alert.kind === 'test') return 'test';
  if (alert.kind === 'failure' || alert.kind === 'recovery') return alert.kind;
  return 'warning';
}

function partsOf(alert: Alert, lang: Lang, timeZone: string | undefined): Parts {
  const t = labels(lang);
  const words = kindWords(lang, alert.kind);
  const local = localTimeOf(alert, timeZone);
  return {
    subject: alertSubject(alert, lang),
    heading: alertHeading(alert, lang),
    facts: [
      { label: t.backupId, value: alert.run.backupId },
      { label: t.type, value: alert.run.type },
      { label: t.timestamp, value: alert.run.finishedAt },
      ...(local ? [{ label: t.localTime, value: local }] : []),
      { label: t.error, value: alertError(alert) },
      ...extraFacts(alert, lang, timeZone).map((f) => ({ label: f.label, value: singleLine(f.value) })),
    ],
    late: lateNotice(alert, lang),
    advice: words.advice,
    outputLabel: t.outputTail,
    systemUrlLabel: t.systemUrl,
    colour: colourOf(alert),
  };
}

export function adaptiveCardPayload(
  alert: Alert,
  lang: Lang,
  systemUrl: string | undefined,
  tail: string,
  timeZone?: string,
): object {
  const p = partsOf(alert, lang, timeZone);
  const color = { failure: 'Attention', recovery: 'Good', test: 'Accent', warning: 'Warning' }[p.colour];
  const body: object[] = [
    { type: 'TextBlock', text: p.subject, weight: 'Bolder', size: 'Large', color, wrap: true },
    { type: 'TextBlock', text: p.heading, wrap: true },
    { type: 'FactSet', facts: p.facts.map((f) => ({ title: f.label, value: f.value })) },
  ];
  if (p.late) body.push({ type: 'TextBlock', text: p.late, color: 'Warning', wrap: true });
  if (tail) {
    body.push({ type: 'TextBlock', text: p.outputLabel, weight: 'Bolder', wrap: true });
    body.push({ type: 'TextBlock', text: tail, fontType: 'Monospace', size: 'Small', wrap: true });
  }
  body.push({ type: 'TextBlock', text: p.advice, wrap: true });
  const card = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: ADAPTIVE_CARD_VERSION,
    msteams: { width: 'Full' },
    body,
    ...(systemUrl ? { actions: [{ type: 'Action.OpenUrl', title: p.systemUrlLabel, url: systemUrl }] } : {}),
  };
  return {
    type: 'message',
    attachments: [
      { contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card },
    ],
  };
}

export function messageCardPayload(
  alert: Alert,
  lang: Lang,
  systemUrl: string | undefined,
  tail: string,
  timeZone?: string,
): object {
  const p = partsOf(alert, lang, timeZone);
  const sections: object[] = [
    {
      activityTitle: p.heading,
      facts: p.facts.map((f) => ({ name: f.label, value: f.value })),
      markdown: false,
    },
  ];
  if (p.late) sections.push({ text: p.late, markdown: false });
  if (tail) sections.push({ title: p.outputLabel, text: tail, markdown: false });
  sections.push({ text: p.advice, markdown: false });
  return {
    '@type': 'MessageCard',
    '@context': 'https://schema.org/extensions',
    summary: p.subject,
    themeColor: { failure: 'D70000', recovery: '2EB886', test: '0078D7', warning: 'E8A000' }[p.colour],
    title: p.subject,
    sections,
    ...(systemUrl
      ? {
          potentialAction: [
            { '@type': 'OpenUri', name: p.systemUrlLabel, targets: [{ os: 'default', uri: systemUrl }] },
          ],
        }
      : {}),
  };
}

/** The serialised body, its output tail cut (from the start) until the whole message fits. */
export function teamsBody(
  alert: Alert,
  config: Pick<Config, 'lang' | 'systemUrl'> & { routing?: Pick<Config['routing'], 'timeZone'> },
  format: TeamsFormat,
): string {
  const build = format === 'messagecard' ? messageCardPayload : adaptiveCardPayload;
  return fitTail(
    shownOutput(alert),
    TEAMS_MAX_BYTES,
    (tail) => JSON.stringify(build(alert, config.lang, config.systemUrl, tail, config.routing?.timeZone)),
    (rendered) => Buffer.byteLength(rendered, 'utf8'),
    alert.run.outputCutBytes,
  );
}

/** The legacy connector answers 200 with "1" on success and 200 with a sentence when Teams refused. */
function legacyBodyError(body: string): string | undefined {
  return /delivery failed|error/i.test(body) && body.trim() !== '1' ? body : undefined;
}

/** Microsoft Teams (TEAMS_WEBHOOK_URL, or a registered channel's URL); undefined when not configured. */
export function createTeamsNotifier(
  config: Config,
  logger: Logger,
  url: string | undefined = config.teamsWebhookUrl,
  /** What the legacy-connector warning names: the variable, or the registered channel. */
  source = 'TEAMS_WEBHOOK_URL',
): Notifier | undefined {
  if (!url) return undefined;
  const choice = chooseTeamsFormat(url, source === 'TEAMS_WEBHOOK_URL' ? config.teamsFormat : undefined);
  if (choice.legacy) {
    logger.warn(
      'Teams',
      `${source} is a legacy Office 365 connector (${redactUrl(url)}), which Microsoft is retiring; ` +
        'create a Workflows webhook ("Send webhook alerts to a channel") and use its URL instead',
    );
  }
  logger.debug(
    'Teams',
    `Sending ${choice.format === 'messagecard' ? 'MessageCard' : 'Adaptive Card'} (${choice.reason})`,
  );
  return {
    channel: 'teams',
    recipient: redactUrl(url),
    async send(alert: Alert, signal: AbortSignal): Promise<SendReport> {
      const body = teamsBody(alert, config, choice.format);
      const result = await postJson({
        url,
        body,
        signal,
        ...(choice.format === 'messagecard' ? { bodyError: legacyBodyError } : {}),
      });
      return { attempts: result.attempts, subject: alertSubject(alert, config.lang) };
    },
  };
}
