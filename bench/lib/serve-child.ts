// The server measured by bench/lib/serve.js and serve-centre.js, in its own process (so
// its memory is its own): bundled from the sources by esbuild, forked with an IPC channel.
// It reports where it listens, then the server time of every request when asked, then
// stops. A postgres:// first argument reads the centre (as `serve` with
// BACKUP_ALERT_DATABASE_URL does: the same pool size and bounds), else the SQLite file.
import { SERVE_CENTRE_TIMEOUT_MS, SERVE_POOL_SIZE } from '../../src/commands/serve-source.js';
import { withCentre } from '../../src/fleet/connect.js';
import { openCentrePool } from '../../src/fleet/pool.js';
import { CentreReadModel } from '../../src/fleet/read-model.js';
import { migrateCentre } from '../../src/fleet/schema.js';
import type { ReadModel } from '../../src/serve/read-model.js';
import { startServer } from '../../src/serve/server.js';
import { createLogger } from '../../src/shared/logger.js';
import { SqliteReadModel } from '../../src/store/read-model.js';
import { Store } from '../../src/store/store.js';

const [dbPath, token] = process.argv.slice(2);
if (!dbPath || !token || !process.send) throw new Error('usage: fork(serve-child.js, [db or URL, token])');
const send = process.send.bind(process);

let readModel: ReadModel;
let closeStore: () => Promise<void>;
if (/^postgres(ql)?:/.test(dbPath)) {
  // `--migrate`: bring the centre's schema up first, as `fleet migrate` does (the owner's URL).
  if (process.argv.includes('--migrate')) {
    const connect = { timeoutMs: 600_000, applicationName: 'backup-alert bench migrate', secrets: [] };
    await withCentre(dbPath, connect, ({ client }) => migrateCentre(client, 'bench'));
  }
  const centre = new CentreReadModel(
    await openCentrePool(dbPath, {
      timeoutMs: SERVE_CENTRE_TIMEOUT_MS,
      max: SERVE_POOL_SIZE,
      applicationName: 'backup-alert serve bench',
      secrets: [],
    }),
  );
  readModel = centre;
  closeStore = () => centre.close();
} else {
  const store = Store.open(dbPath);
  readModel = new SqliteReadModel(store);
  closeStore = async () => store.close();
}
let timings = new Map<string, number[]>();
// CPU time between two reports: per request, it is what the machine's other load cannot inflate much.
let cpu = process.cpuUsage();
const server = await startServer({
  listen: '127.0.0.1:0',
  readModel,
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
    void server
      .close()
      .then(closeStore)
      .then(() => process.disconnect());
  }
});
send({ url: server.url });
