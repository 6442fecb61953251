import { errorCode, errorMessage } from '../shared/errors.js';
import { type HttpAnswer, httpRequest } from '../shared/http-client.js';
import { redactUrl } from '../shared/redact.js';
import { VERSION } from '../shared/version.js';
import { singleLine } from './message.js';
import { withRetries } from './retry.js';
import { DeliveryError } from './types.js';

export interface PostOptions {
  url: string;
  /** The exact bytes to send (already `JSON.stringify`-ed: signatures are computed over it). */
  body: string;
  headers?: Record<string, string>;
  /** The shared notify bound: when it fires, we stop at once. */
  signal: AbortSignal;
  /** Tries in total, including the first (default 4). */
  maxAttempts?: number;
  /** First backoff delay; doubled each retry (default 500 ms). */
  baseDelayMs?: number;
  /**
   * Some endpoints answer 2xx with an error in the body (the legacy Teams connector
   * returns 200 "Webhook message delivery failed …" when Teams throttled it).
   * Return a message to treat the answer as a transient failure.
   */
  bodyError?: (body: string) => string | undefined;
}

export interface PostResult {
  status: number;
  attempts: number;
}

/** The longest wait we accept from a Retry-After (beyond that the bound decides anyway). */
const MAX_RETRY_AFTER_MS = 60_000;

/**
 * POSTs JSON with retries: 5xx, network errors and 2xx-with-error-body back off and retry,
 * 429 waits for Retry-After, other 4xx fail for good. Every wait is cut short by `signal`.
 * Error messages carry the scheme and host only: webhook URL paths are credentials.
 */
export async function postJson(options: PostOptions): Promise<PostResult> {
  const { signal } = options;
  const where = redactUrl(options.url);
  if (signal.aborted) {
    throw new DeliveryError(`not sent to ${where}: notify timeout already reached`, {
      attempts: 0,
      permanent: false,
      code: 'ETIMEDOUT',
    });
  }
  const { value: status, attempts } = await withRetries<number>(
    { maxAttempts: options.maxAttempts ?? 4, firstDelayMs: options.baseDelayMs ?? 500, signal },
    async () => {
      let response: HttpAnswer;
      let text: string;
      try {
        response = await httpRequest(options.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json; charset=utf-8',
            'user-agent': `backup-alert/${VERSION}`,
            ...options.headers,
          },
          body: options.body,
          signal,
          // Redirects are never followed (httpRequest): the URL to configure is the final one.
        });
        text = await readSnippet(response);
      } catch (error) {
        if (signal.aborted) {
          throw new DeliveryError(`no answer from ${where} within the notify timeout`, {
            attempts: 1,
            permanent: false,
            code: 'ETIMEDOUT',
            cause: error,
          });
        }
        return { retry: `cannot reach ${where}: ${networkReason(error)}` };
      }
      const status = response.status;
      if (status >= 200 && status < 300) {
        const problem = options.bodyError?.(text);
        return problem ? { retry: `${where} answered HTTP ${status} but: ${problem}` } : { done: status };
      }
      if (status === 429) {
        const after = parseRetryAfter(response.headers.get('retry-after'), Date.now());
        return {
          retry: `rate limited by ${where} (HTTP 429${after === undefined ? '' : `, Retry-After ${Math.ceil(after / 1000)}s`})`,
          ...(after !== undefined ? { waitMs: Math.min(after, MAX_RETRY_AFTER_MS) } : {}),
        };
      }
      if (status >= 500) return { retry: `HTTP ${status} from ${where}${text ? `: ${text}` : ''}` };
      // 3xx/4xx: our payload or the URL is wrong; sending it again changes nothing.
      const hint = status < 400 ? ' (redirects are not followed: configure the final URL)' : '';
      throw new DeliveryError(`HTTP ${status} from ${where}${text ? `: ${text}` : ''}${hint}`, {
        attempts: 1,
        permanent: true,
        code: `HTTP_${status}`,
      });
    },
  );
  return { status, attempts };
}

/** The first line of an error body, short: Slack says `invalid_payload`, Teams a sentence. */
async function readSnippet(response: HttpAnswer): Promise<string> {
  try {
    const text = await response.text();
    return singleLine(text).slice(0, 200);
  } catch {
    return '';
  }
}

/** `ECONNREFUSED`, `ENOTFOUND`…: undici hides the useful code in `cause`. */
function networkReason(error: unknown): string {
  const cause = error instanceof Error ? error.cause : undefined;
  const code = errorCode(cause) ?? errorCode(error);
  // The cause message can name the address; never the path, which fetch does not put there.
  return code ?? errorMessage(cause ?? error);
}

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}
