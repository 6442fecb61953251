import type { IncomingHttpHeaders } from 'node:http';

/** What our callers read of an answer: the fetch Response's shape, as far as they use it. */
export interface HttpAnswer {
  status: number;
  headers: { get(name: string): string | null };
  /** The body as text, at most MAX_BODY_BYTES of it (we only ever quote its start). */
  text(): Promise<string>;
}

export interface HttpRequestInit {
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
}

const MAX_BODY_BYTES = 64 * 1024;

/**
 * One HTTP(S) request over node:http, for our webhooks, pings and pushes. Node's fetch
 * (undici) costs ~50 ms to load on its first call, which a heartbeat ping at the end of
 * every run would pay; node:http is already compiled into Node. Redirects are never
 * followed (as `redirect: 'manual'`), no connection is kept alive (nothing outlives the
 * run), and the signal ends the request at once.
 */
export async function httpRequest(url: URL | string, init: HttpRequestInit): Promise<HttpAnswer> {
  const target = typeof url === 'string' ? new URL(url) : url;
  const client = target.protocol === 'https:' ? await import('node:https') : await import('node:http');
  init.signal.throwIfAborted();
  return new Promise<HttpAnswer>((resolve, reject) => {
    const headers: Record<string, string | number> = { ...init.headers };
    if (init.body !== undefined) headers['content-length'] = Buffer.byteLength(init.body, 'utf8');
    const request = client.request(target, { method: init.method, headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const body = new Promise<string>((done) => {
        const finish = () => done(Buffer.concat(chunks, size).toString('utf8'));
        response.on('data', (chunk: Buffer) => {
          if (size >= MAX_BODY_BYTES) return;
          chunks.push(chunk);
          size += chunk.length;
        });
        response.once('end', finish);
        response.once('error', finish);
        response.once('aborted', finish);
      });
      resolve({
        status: response.statusCode ?? 0,
        headers: headerReader(response.headers),
        text: () => body,
      });
    });
    const onAbort = () =>
      request.destroy(init.signal.reason instanceof Error ? init.signal.reason : new Error('aborted'));
    init.signal.addEventListener('abort', onAbort, { once: true });
    request.once('close', () => init.signal.removeEventListener('abort', onAbort));
    request.once('error', reject);
    request.end(init.body);
  });
}

function headerReader(headers: IncomingHttpHeaders): HttpAnswer['headers'] {
  return {
    get: (name) => {
      const value = headers[name.toLowerCase()];
      if (value === undefined) return null;
      return Array.isArray(value) ? value.join(', ') : value;
    },
  };
}
