import { errorCode, errorMessage } from './errors.js';

/**
 * A URL as fetch can use it. fetch refuses URLs with `user:password@`, which is how people
 * write a Pushgateway behind basic auth: the credentials move to an Authorization header.
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

/** `ECONNREFUSED`, `ENOTFOUND`…: undici hides the useful code in `cause`; never the URL's path. */
export function networkReason(error: unknown): string {
  const cause = error instanceof Error ? error.cause : undefined;
  return errorCode(cause) ?? errorCode(error) ?? errorMessage(cause ?? error);
}

/** The first line of an answer, short, printable: enough to say what a server objected to. */
export async function answerSnippet(response: Response, max = 200): Promise<string> {
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
