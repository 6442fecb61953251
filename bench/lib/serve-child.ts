// The server measured by bench/lib/serve.js, in its own process (so its memory is its
// own): bundled from the sources by esbuild, forked with an IPC channel. It reports
// where it listens, then the server time of every request when asked, then stops.
import { startServer } from '../../src/serve/server.js';
import { createLogger } from '../../src/shared/logger.js';
import { SqliteReadModel } from '../../src/store/read-model.js';
import { Store } from '../../src/store/store.js';

const [dbPath, token] = process.argv.slice(2);
if (!dbPath || !token || !process.send) throw new Error('usage: fork(serve-child.js, [db, token])');
const send = process.send.bind(process);

const store = Store.open(dbPath);
let timings = new Map<string, number[]>();
// CPU time between two reports: per request, it is what the machine's other load cannot inflate much.
let cpu = process.cpuUsage();
const server = await startServer({
  listen: '127.0.0.1:0',
  readModel: new SqliteReadModel(store),
  tokens: { read: token },
  lang: 'en',
  now: () => new Date(),
  logger: createLogger({ write: () => {}, level: 'silent' }),
  escalateAfter: 3,
  maxConnections: 1024,
  observe: (route, ms) => {
    const list = timings.get(route) ?? [];
    list.push(ms);
    timings.set(route, list);
  },
});

process.on('message', (message: unknown) => {
  if (message === 'timings') {
    const used = process.cpuUsage(cpu);
    send({ timings: Object.fromEntries(timings), cpuMs: (used.user + used.system) / 1000 });
    timings = new Map();
    cpu = process.cpuUsage();
  } else if (message === 'stop') {
    void server.close().then(() => {
      store.close();
      process.disconnect();
    });
  }
});
send({ url: server.url });
