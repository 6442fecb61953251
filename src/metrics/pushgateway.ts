import { httpRequest } from '../shared/http-client.js';
import { answerSnippet, httpTarget, networkReason } from '../shared/http-target.js';
import { redactUrl } from '../shared/redact.js';
import { VERSION } from '../shared/version.js';
import { EXPOSITION_CONTENT_TYPE } from './exposition.js';

/** The grouping key's job (DESIGN.md); the instance is the host. */
export const PUSH_JOB = 'backup_alert';

export interface PushOptions {
  /** BACKUP_ALERT_PUSHGATEWAY_URL: the Pushgateway's base URL (a path prefix is kept). */
  url: string;
  /** This host's name: the grouping key's `instance`. */
  instance: string;
  /** The exposition text. */
  body: string;
  /** The bound (the notify timeout): when it fires the push is abandoned. */
  signal: AbortSignal;
}

export type PushResult = { ok: true; status: number } | { ok: false; error: string };

/**
 * PUTs the metrics to `<url>/metrics/job/backup_alert/instance/<host>`: PUT replaces the whole
 * group, so series of a type that is gone do not linger. One attempt: a failed push is
 * reported (the caller logs one [WARN]) and the next run or retry pushes the newer state
 * anyway. Errors name the scheme and host only: the URL may carry basic-auth credentials.
 */
export async function pushMetrics(options: PushOptions): Promise<PushResult> {
  const where = redactUrl(options.url);
  let target: ReturnType<typeof httpTarget>;
  try {
    target = httpTarget(options.url);
  } catch {
    return { ok: false, error: 'the Pushgateway URL is not a valid URL' };
  }
  if (target.url.protocol !== 'http:' && target.url.protocol !== 'https:') {
    return { ok: false, error: 'the Pushgateway URL must be an http:// or https:// URL' };
  }
  target.url.pathname = `${target.url.pathname.replace(/\/+$/, '')}/metrics${groupingPath(PUSH_JOB, [
    ['instance', options.instance],
  ])}`;
  try {
    const response = await httpRequest(target.url, {
      method: 'PUT',
      headers: {
        'content-type': EXPOSITION_CONTENT_TYPE,
        'user-agent': `backup-alert/${VERSION}`,
        ...target.headers,
      },
      body: options.body,
      signal: options.signal,
    });
    const snippet = await answerSnippet(response);
    if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status };
    const hint =
      response.status === 401 || response.status === 403
        ? ' (check the credentials in the URL)'
        : response.status >= 300 && response.status < 400
          ? ' (redirects are not followed: configure the final URL)'
          : '';
    return {
      ok: false,
      error: `HTTP ${response.status} from ${where}${snippet ? `: ${snippet}` : ''}${hint}`,
    };
  } catch (error) {
    if (options.signal.aborted) return { ok: false, error: `no answer from ${where} within the timeout` };
    return { ok: false, error: `cannot reach ${where}: ${networkReason(error)}` };
  }
}

/**
 * `/metrics/job/<job>/<label>/<value>…`. A value that is empty or holds anything beyond the
 * plain URL-safe characters (a `/` above all, which no escaping survives), or is a `.` or `..`
 * path segment (which URL parsing removes), is sent base64url with the `@base64` suffix, as
 * the Pushgateway documents.
 */
export function groupingPath(job: string, labels: ReadonlyArray<readonly [string, string]>): string {
  return [['job', job] as const, ...labels]
    .map(([name, value]) =>
      /^[A-Za-z0-9._~-]+$/.test(value) && value !== '.' && value !== '..'
        ? `/${name}/${value}`
        : `/${name}@base64/${value === '' ? '=' : Buffer.from(value, 'utf8').toString('base64url')}`,
    )
    .join('');
}

/** For `doctor --send`: is the Pushgateway there and healthy? (GET /-/healthy; pushes nothing.) */
export async function checkPushgateway(url: string, signal: AbortSignal): Promise<PushResult> {
  const where = redactUrl(url);
  try {
    const target = httpTarget(url);
    target.url.pathname = `${target.url.pathname.replace(/\/+$/, '')}/-/healthy`;
    const response = await httpRequest(target.url, {
      method: 'GET',
      headers: { 'user-agent': `backup-alert/${VERSION}`, ...target.headers },
      signal,
    });
    await answerSnippet(response);
    if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status };
    return { ok: false, error: `HTTP ${response.status} from ${where}` };
  } catch (error) {
    if (signal.aborted) return { ok: false, error: `no answer from ${where} within the timeout` };
    return { ok: false, error: `cannot reach ${where}: ${networkReason(error)}` };
  }
}
