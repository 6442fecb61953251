import { errorCode, errorMessage } from './errors.js';
import type { HttpAnswer } from './http-client.js';

/**
 * A URL ready for a request. People write a Pushgateway behind basic auth as
 * `user:password@host`; the credentials move to an Authorization header, so that no error
 * or log line that quotes the URL can carry them.
 */
export interface HttpTarget {
  url: URL;
  headers: Record<string, string>;
}

export function httpTarget(value: string | URL): HttpTarget {
  const url = new URL(value);
  const headers: Record<string, string> = {};
  if (url.username || url.password) {
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    headers['authorization'] = `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  return { url, headers };
}

/** `ECONNREFUSED`, `ENOTFOUND`…: the code may sit in `cause`; never the URL's path. */
export function networkReason(error: unknown): string {
  const cause = error instanceof Error ? error.cause : undefined;
  return errorCode(cause) ?? errorCode(error) ?? errorMessage(cause ?? error);
}

/** The first line of an answer, short, printable: enough to say what a server objected to. */
export async function answerSnippet(response: Pick<HttpAnswer, 'text'>, max = 200): Promise<string> {
  try {
    const text = await response.text();
    return text
      .replace(/[\u0000-\u001f\u007f]+/g, ' ')
      .trim()
      .slice(0, max);
  } catch {
    return '';
  }
}
