import { setTimeout as sleep } from 'node:timers/promises';
import type { PingSettings } from '../config/metrics.js';
import { httpRequest } from '../shared/http-client.js';
import { answerSnippet, httpTarget, networkReason } from '../shared/http-target.js';
import { redactUrl } from '../shared/redact.js';
import { VERSION } from '../shared/version.js';
import { parseRetryAfter } from './http-post.js';
import { cutTail, type PingPayload, pingRequest } from './ping-payload.js';

export interface PingOptions {
  /** Tries in total (default 4): 5xx, 429 and network errors are tried again. */
  maxAttempts?: number;
  /** First backoff delay, doubled each retry (default 250 ms); always cut short by the signal. */
  baseDelayMs?: number;
}

export type PingResult =
  | {
      ok: true;
      /** HTTP status; 0 when `skipped`. */
      status: number;
      attempts: number;
      /** The server's Ping-Body-Limit (bytes): cut the finish ping's body to it. */
      bodyLimit?: number;
      /** Nothing to send in this format (Uptime Kuma has no start or log ping). */
      skipped?: true;
    }
  | {
      ok: false;
      /** Sending it again will not help (unknown check, ambiguous slug, bad request). */
      permanent: boolean;
      /** One line; the URL appears as scheme and host only. */
      error: string;
      attempts: number;
      bodyLimit?: number;
    };

/** Retry-After beyond this is not waited for: the bound decides anyway. */
const MAX_RETRY_AFTER_MS = 30_000;

/**
 * Sends one heartbeat, bounded by `signal`, retrying transient failures with a short backoff
 * inside that bound. The ping URL is a credential (whoever has it can fake the heartbeat):
 * errors say `https://hc-ping.com/…`, never the path or query. Never throws.
 */
export async function sendPing(
  settings: PingSettings,
  payload: PingPayload,
  signal: AbortSignal,
  options: PingOptions = {},
): Promise<PingResult> {
  const where = redactUrl(settings.url);
  let request: ReturnType<typeof pingRequest>;
  try {
    request = pingRequest(settings, payload);
  } catch {
    // Config parsing refuses such URLs; a caller that skipped it still gets a result, not a throw.
    return { ok: false, permanent: true, error: 'the ping URL is not a valid URL', attempts: 0 };
  }
  if (!request) return { ok: true, status: 0, attempts: 0, skipped: true };
  const target = httpTarget(request.url);
  const maxAttempts = options.maxAttempts ?? 4;
  let delayMs = options.baseDelayMs ?? 250;
  let body = request.body;
  let bodyLimit: number | undefined;
  let shrunk = false;
  let last = `not sent to ${where}: the timeout was already reached`;
  let attempt = 0;
  const failed = (error: string, permanent: boolean) =>
    ({ ok: false, permanent, error, attempts: attempt, ...(bodyLimit ? { bodyLimit } : {}) }) as const;

  while (attempt < maxAttempts && !signal.aborted) {
    attempt++;
    let waitMs = delayMs;
    try {
      const response = await httpRequest(target.url, {
        method: request.method,
        headers: {
          'user-agent': `backup-alert/${VERSION}`,
          ...(body === undefined ? {} : { 'content-type': 'text/plain; charset=utf-8' }),
          ...target.headers,
        },
        ...(body === undefined ? {} : { body }),
        signal,
        // Redirects are never followed (httpRequest): the URL to configure is the final one.
      });
      bodyLimit = parseBodyLimit(response.headers.get('ping-body-limit')) ?? bodyLimit;
      const status = response.status;
      const snippet = await answerSnippet(response);
      if (status >= 200 && status < 300) {
        return { ok: true, status, attempts: attempt, ...(bodyLimit ? { bodyLimit } : {}) };
      }
      const permanent = permanentReason(settings, status, snippet);
      if (status === 413 && bodyLimit !== undefined && body !== undefined && !shrunk) {
        // The server said how much it takes: send the end of the output that fits, once.
        shrunk = true;
        body = cutTail(body, bodyLimit);
        attempt--;
        continue;
      }
      if (permanent) return failed(`${permanent} (HTTP ${status} from ${where})`, true);
      if (status === 429) {
        const after = parseRetryAfter(response.headers.get('retry-after'), Date.now());
        if (after !== undefined) waitMs = Math.min(after, MAX_RETRY_AFTER_MS);
        last = `rate limited by ${where} (HTTP 429)`;
      } else if (status >= 500) {
        last = `HTTP ${status} from ${where}${snippet ? `: ${snippet}` : ''}`;
      } else {
        const hint = status < 400 ? ' (redirects are not followed: configure the final URL)' : '';
        return failed(`HTTP ${status} from ${where}${snippet ? `: ${snippet}` : ''}${hint}`, true);
      }
    } catch (error) {
      if (signal.aborted) return failed(`no answer from ${where} within the timeout`, false);
      last = `cannot reach ${where}: ${networkReason(error)}`;
    }
    if (attempt >= maxAttempts) break;
    try {
      await sleep(waitMs, undefined, { signal });
    } catch {
      return failed(`${last}; gave up waiting (timeout)`, false);
    }
    delayMs *= 2;
  }
  return failed(last, false);
}

/** The answers that mean "this URL will not work until someone changes something". */
function permanentReason(settings: PingSettings, status: number, snippet: string): string | undefined {
  if (settings.format === 'uptime-kuma') {
    // Uptime Kuma answers an unknown or paused push token with 500 {"ok":false,"msg":"Monitor not found…"}.
    if (/monitor not found|not active/i.test(snippet)) {
      return 'Uptime Kuma has no active push monitor for this URL: check the push token and that the monitor is not paused';
    }
    if (status === 404) return 'no Uptime Kuma push endpoint at this URL: check the push URL';
    return undefined;
  }
  if (status === 404) {
    return 'no such check: the ping URL names an unknown UUID or slug (for a slug URL, ?create=1 creates the check)';
  }
  if (status === 409) return "the slug matches more than one check: use the check's UUID ping URL";
  return undefined;
}

function parseBodyLimit(value: string | null): number | undefined {
  if (!value || !/^\s*\d+\s*$/.test(value)) return undefined;
  const limit = Number(value);
  return limit > 0 && Number.isSafeInteger(limit) ? limit : undefined;
}
