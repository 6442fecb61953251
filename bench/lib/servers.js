// Loopback servers the bench starts itself: a real SMTP server that greets at
// once, one that accepts TCP and never answers, and an HTTP sink for webhooks
// and heartbeat pings.
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer as createTcpServer } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';

/** Wall clock with sub-millisecond resolution, comparable with `date +%s%N` in a script. */
export function nowMs() {
  return performance.timeOrigin + performance.now();
}

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

let greetsAtOnce = false;
/**
 * smtp-server holds every greeting back 100 ms (to catch clients that talk too
 * soon); a local MTA answers at once, and issue 15's figure is against "a
 * loopback server that answers at once". So the bench's copy greets at once: its
 * init() without the delay (the connection-limit check is not needed here).
 * How long the greeting really takes is measured in startSmtpSink().
 */
function greetAtOnce() {
  if (greetsAtOnce) return;
  greetsAtOnce = true;
  SMTPConnection.prototype.init = function init() {
    this._setListeners(() => this.connectionReady());
  };
}

/** Milliseconds from connect to the 220 greeting: proves the sink answers at once. */
function greetingDelay(port) {
  return new Promise((resolve, reject) => {
    const started = nowMs();
    const socket = connect(port, '127.0.0.1');
    socket.setEncoding('utf8');
    socket.once('error', reject);
    socket.once('data', (text) => {
      const ms = nowMs() - started;
      socket.end('QUIT\r\n');
      if (!text.startsWith('220')) reject(new Error(`SMTP sink greeted with ${text}`));
      else resolve(ms);
    });
  });
}

/** smtp-server on 127.0.0.1: plain, no auth, greets at once, counts connections and messages. */
export async function startSmtpSink() {
  greetAtOnce();
  const accepted = [];
  let connections = 0;
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    closeTimeout: 200,
    // A reverse DNS lookup of 127.0.0.1 before the greeting would be the server's delay, not ours.
    disableReverseLookup: true,
    onConnect(_session, callback) {
      connections++;
      callback();
    },
    onData(stream, _session, callback) {
      stream.on('data', () => {});
      stream.on('end', () => {
        accepted.push(nowMs());
        callback();
      });
    },
  });
  server.on('error', () => {});
  // SMTPServer wraps a net.Server; the port is read back from that.
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address();
  const greetingMs = await greetingDelay(port);
  connections = 0;
  return {
    port,
    greetingMs,
    accepted,
    get connections() {
      return connections;
    },
    /** Resolves with the acceptance time of message number `count` (1-based). */
    async waitFor(count, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      while (accepted.length < count) {
        if (Date.now() > until)
          throw new Error(`SMTP sink: expected ${count} message(s), got ${accepted.length}`);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      return accepted[count - 1];
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** Accepts connections and never says a word: the hung SMTP server. */
export async function startSilentServer() {
  const sockets = new Set();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await listen(server);
  return {
    port,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(resolve);
      }),
  };
}

/**
 * Answers every request with 200 at once, for the webhook channels and for
 * heartbeat pings (as healthchecks.io does: "OK" and a Ping-Body-Limit header).
 * Counts requests by path prefix, so a bench can tell that a feature really ran.
 */
export async function startHttpSink() {
  const counts = new Map();
  const server = createHttpServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const first = (request.url ?? '/').split('/')[1] ?? '';
      counts.set(first, (counts.get(first) ?? 0) + 1);
      response.writeHead(200, { 'content-type': 'text/plain', 'ping-body-limit': '100000' }).end('OK');
    });
  });
  const port = await listen(server);
  return {
    port,
    url: (path) => `http://127.0.0.1:${port}/${path}`,
    /** Requests whose path began with `/<prefix>`. */
    count: (prefix) => counts.get(prefix) ?? 0,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  };
}
