import type { Problems } from './values.js';

/**
 * SYSTEM_URL as every alert shows and links it: parsed and written back by the URL parser
 * (spaces and quotes percent-encoded, host lower-cased), so it cannot break out of an HTML
 * attribute, a Slack `<url|label>` link or a Teams action. Only http(s) is a link; anything
 * else is a problem and the line says (未設定). A bare origin keeps its form (no `/` added):
 * the runbook's `システムURL: https://192.168.0.187:5050` stays as written.
 */
export function parseSystemUrl(value: string | undefined, problems: Problems): string | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    problems.push({
      variable: 'SYSTEM_URL',
      message: 'is not a valid URL (e.g. https://backup.example.com); alerts show no link until it is fixed',
    });
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    problems.push({
      variable: 'SYSTEM_URL',
      message: `must be an http:// or https:// URL (got ${url.protocol}); alerts show no link until it is fixed`,
    });
    return undefined;
  }
  let href = url.href;
  if (url.pathname === '/' && !url.search && !url.hash && !text.endsWith('/')) href = href.slice(0, -1);
  // "|" is legal in a URL but ends the URL part of a Slack link.
  return href.replaceAll('|', '%7C');
}
