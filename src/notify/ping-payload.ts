import type { PingSettings } from '../config/metrics.js';

/** notification_logs.channel of heartbeat pings. */
export const PING_CHANNEL = 'ping';
/** healthchecks.io keeps 100 kB of a ping's body; a server may say less with Ping-Body-Limit. */
export const DEFAULT_PING_BODY_LIMIT = 100_000;
/** Uptime Kuma rejects a `ping` above 24 h (400); a longer run is reported without one. */
const KUMA_MAX_PING_MS = 86_400_000;
const KUMA_MAX_MSG = 200;
/** Bytes kept free for the `[… N bytes cut …]` line (N up to 16 digits). */
const MARKER_RESERVE = 40;

export type PingEvent = 'start' | 'success' | 'failure' | 'log';

/**
 * One heartbeat, as stored in notification_logs.payload for `retry`: everything but the URL,
 * which is the credential and comes from the configuration when it is (re)sent.
 */
export interface PingPayload {
  event: PingEvent;
  /** Pairs a start with its finish (healthchecks `?rid=`), so overlapping runs time correctly. */
  rid: string;
  /** backup-alert's exit code for the run (failure: sent as `/<code>` when 1-255). */
  exitCode: number | null;
  durationMs: number | null;
  /** One line: Uptime Kuma's `msg`, and the first line of the healthchecks body. */
  message: string;
  /** What a healthchecks POST carries: the message, then the end of the output, within the limit. */
  body: string;
  backupId: string | null;
  type: string | null;
}

export interface PingInput {
  event: PingEvent;
  rid: string;
  exitCode?: number | null;
  durationMs?: number | null;
  message?: string;
  /** The output tail, already redacted (BACKUP_ALERT_REDACT). */
  outputTail?: string;
  /** Ping-Body-Limit from the start ping's answer, if any. */
  bodyLimit?: number;
  backupId?: string | null;
  type?: string | null;
}

/** Builds the payload: the body keeps the *end* of the output, within the server's limit. */
export function pingPayload(input: PingInput): PingPayload {
  const limit = Math.min(DEFAULT_PING_BODY_LIMIT, input.bodyLimit ?? DEFAULT_PING_BODY_LIMIT);
  const message = singleLine(input.message ?? '');
  const head = message ? `${message}\n` : '';
  const tail = input.outputTail ?? '';
  const room = limit - Buffer.byteLength(head, 'utf8');
  let body: string;
  if (room <= 0) body = cutTail(head, limit);
  else if (Buffer.byteLength(tail, 'utf8') <= room) body = head + tail;
  else if (room <= MARKER_RESERVE) body = head + cutTail(tail, room);
  else {
    // Say that the beginning is missing: the reader of a 100 kB log wants to know it is partial.
    const kept = cutTail(tail, room - MARKER_RESERVE);
    const cut = Buffer.byteLength(tail, 'utf8') - Buffer.byteLength(kept, 'utf8');
    body = `${head}[… ${cut} bytes cut …]\n${kept}`;
  }
  return {
    event: input.event,
    rid: input.rid,
    exitCode: input.exitCode ?? null,
    durationMs: input.durationMs ?? null,
    message,
    body,
    backupId: input.backupId ?? null,
    type: input.type ?? null,
  };
}

export interface PingRequest {
  url: URL;
  method: 'POST' | 'GET';
  body?: string;
}

/** The request a payload becomes in each format; undefined when the format has no such ping. */
export function pingRequest(settings: PingSettings, payload: PingPayload): PingRequest | undefined {
  const url = new URL(settings.url);
  if (settings.format === 'uptime-kuma') {
    if (payload.event !== 'success' && payload.event !== 'failure') return undefined;
    // A push URL is often copied with its defaults (?status=up&msg=OK&ping=): ours replace them.
    url.searchParams.set('status', payload.event === 'success' ? 'up' : 'down');
    url.searchParams.set('msg', payload.message.slice(0, KUMA_MAX_MSG) || 'OK');
    const ms = payload.durationMs;
    if (ms !== null && ms >= 0 && ms <= KUMA_MAX_PING_MS)
      url.searchParams.set('ping', String(Math.round(ms)));
    else url.searchParams.delete('ping');
    return { url, method: 'GET' };
  }
  const base = url.pathname.replace(/\/+$/, '');
  const code = payload.exitCode;
  const suffix = {
    start: '/start',
    success: '',
    failure: code !== null && Number.isInteger(code) && code >= 1 && code <= 255 ? `/${code}` : '/fail',
    log: '/log',
  }[payload.event];
  url.pathname = `${base}${suffix}`;
  // Other parameters (?create=1 on slug URLs) stay.
  url.searchParams.set('rid', payload.rid);
  return { url, method: 'POST', body: payload.body };
}

/** A stored payload, or undefined when it is not one (then it cannot be re-sent). */
export function parsePingPayload(text: string | null): PingPayload | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as Partial<PingPayload> | null;
    if (
      value &&
      typeof value.rid === 'string' &&
      typeof value.body === 'string' &&
      typeof value.message === 'string' &&
      (value.event === 'success' || value.event === 'failure')
    ) {
      return value as PingPayload;
    }
  } catch {
    // not a ping payload
  }
  return undefined;
}

function singleLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}

/** The last `limit` bytes of `text`, starting on a whole UTF-8 character. */
export function cutTail(text: string, limit: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= limit) return text;
  let start = bytes.length - Math.max(0, limit);
  // Skip continuation bytes (10xxxxxx) so the first character is whole.
  while (start < bytes.length && ((bytes[start] ?? 0) & 0xc0) === 0x80) start++;
  return bytes.subarray(start).toString('utf8');
}
