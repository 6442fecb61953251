import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { onTestFinished } from 'vitest';
import { type Config, loadConfig } from '../../src/config/config.js';
import { createLogger, type Logger } from '../../src/shared/logger.js';
import { Redactor } from '../../src/shared/redact.js';

/** What the server does with one request: answer, or never answer. */
export type Reply =
  | { status: number; body?: string; headers?: Record<string, string>; delayMs?: number }
  | 'hang';

export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface ScriptedServer {
  /** Base URL plus a token-like path, so tests can assert the token never leaks. */
  url: string;
  /** The secret part of `url`. */
  token: string;
  requests: Received[];
  /** Replace the script (e.g. "the server is back"). */
  script(replies: Reply[]): void;
  /** Parsed JSON of the n-th request body. */
  json(index?: number): unknown;
}

export const ok: Reply = { status: 200, body: 'ok' };

/**
 * A real HTTP server on 127.0.0.1:0 answering from a script: the n-th request gets
 * replies[n], the last reply repeats. Closed (hanging sockets included) when the test ends.
 */
export async function scriptedServer(
  replies: Reply[],
  token = 'T0SECRET/B0SECRET/XyZsecretToken123',
): Promise<ScriptedServer> {
  let script = replies;
  const requests: Received[] = [];
  const hanging = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const index = requests.length;
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const reply = script[Math.min(index, script.length - 1)] ?? ok;
      if (reply === 'hang') {
        hanging.add(res);
        return;
      }
      const answer = () => {
        res.writeHead(reply.status, { 'content-type': 'text/plain', ...reply.headers });
        res.end(reply.body ?? '');
      };
      if (reply.delayMs) setTimeout(answer, reply.delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  onTestFinished(async () => {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return {
    url: `http://127.0.0.1:${port}/services/${token}`,
    token,
    requests,
    script(next) {
      script = next;
    },
    json(index = 0) {
      const request = requests[index];
      if (!request) throw new Error(`no request #${index} (got ${requests.length})`);
      return JSON.parse(request.body) as unknown;
    },
  };
}

export interface NotifyFixture {
  config: Config;
  logger: Logger;
  redactor: Redactor;
  now: () => Date;
  /** Every log line written. */
  log: string[];
}

/** Config from env (as the CLI would parse it) and a logger that masks its secrets. */
export function notifyFixture(env: Record<string, string | undefined>): NotifyFixture {
  const { config, problems } = loadConfig(
    { BACKUP_ALERT_DB: ':memory:', ...env },
    {},
    { cwd: process.cwd(), defaultTemplateDir: 'templates' },
  );
  if (problems.length > 0) throw new Error(`config problems: ${JSON.stringify(problems)}`);
  const log: string[] = [];
  const redactor = new Redactor(config.secrets, config.redactPatterns);
  const logger = createLogger({ write: (line) => log.push(line), level: 'debug', redactor });
  return { config, logger, redactor, now: () => new Date('2026-01-02T03:05:00.000Z'), log };
}
