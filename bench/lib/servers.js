// Loopback servers the bench starts itself: a real SMTP server, one that
// accepts TCP and never answers, and an HTTP sink for webhooks.
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** Wall clock with sub-millisecond resolution, comparable with `date +%s%N` in a script. */
export function nowMs() {
  return performance.timeOrigin + performance.now();
}

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

/**
 * smtp-server on 127.0.0.1: plain, no auth, records when each message's DATA ended.
 * smtp-server holds every greeting back 100 ms (to catch clients that talk too
 * soon); a local MTA does not, so that wait is recorded per connection and can be
 * told apart from ours.
 */
export async function startSmtpSink() {
  const accepted = [];
  const connections = [];
  const acceptedAt = new Map();
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    closeTimeout: 200,
    // A reverse DNS lookup of 127.0.0.1 before the greeting would be the server's delay, not ours.
    disableReverseLookup: true,
    onConnect(session, callback) {
      // Called just before the greeting, after the hold-back.
      const at = acceptedAt.get(session.remotePort);
      if (at !== undefined) connections.push({ acceptedAt: at, greetedAt: nowMs() });
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
  server.server.on('connection', (socket) => acceptedAt.set(socket.remotePort, nowMs()));
  const { port } = server.server.address();
  return {
    port,
    accepted,
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
    /** Time the server itself held greetings back, on connections accepted between `from` and `to`. */
    greetingWait(from, to) {
      return connections
        .filter((c) => c.acceptedAt >= from && c.acceptedAt <= to)
        .reduce((sum, c) => sum + (c.greetedAt - c.acceptedAt), 0);
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

/** Answers every POST with 200, for the webhook channels. */
export async function startHttpSink() {
  let requests = 0;
  const server = createHttpServer((request, response) => {
    request.resume();
    request.on('end', () => {
      requests++;
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  const port = await listen(server);
  return {
    port,
    get requests() {
      return requests;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  };
}
