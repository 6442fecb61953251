import { existsSync } from 'node:fs';
import type { ConfigProblem } from '../config/values.js';
import type { CommandContext } from '../context.js';
import { FORWARDED_SIGNALS, type ForwardedSignal, type SignalSource } from '../runner/signals.js';
import type { ServeOptions } from '../serve/options.js';
import { type RunningServer, startServer } from '../serve/server.js';
import { checkExposure, parseServeSettings } from '../serve/settings.js';
import { parseDuration } from '../shared/duration.js';
import { errorMessage, UsageError } from '../shared/errors.js';
import { ExitCode } from '../shared/exit-codes.js';
import { recordAudit } from '../store/audit.js';
import { SqliteReadModel } from '../store/read-model.js';
import { SCHEMA_VERSION } from '../store/schema.js';
import { Store } from '../store/store.js';

export interface ServeCommandOptions {
  /** `--listen HOST:PORT` (default 127.0.0.1:8080). */
  listen?: string;
  /** Like `status --max-age`: cells whose last success is older are overdue. */
  maxAge?: string;
}

/** What other modules plug in (the integrator wires them); all optional. */
export interface ServePlugins {
  /** src/metrics: the Prometheus exposition for GET /metrics, built from serve's open store. */
  metricsText?: (store: Store) => Promise<string>;
  /** src/notify: the runbook §7.1 test e-mail for POST /api/v1/notifications/test-email. */
  sendTestEmail?: ServeOptions['sendTestEmail'];
  /** BACKUP_ALERT_EXPECT (src/config/fleet.ts): per-type max ages. */
  expect?: ServeOptions['expect'];
  /** Tests: told where the server listens once it does. */
  onListening?: (server: RunningServer) => void;
}

/**
 * The database for serving: read-write when we may (so the migration with serve's indexes
 * is applied and API operations are audited), else read-only. A read-only database must
 * already have the current schema: its owner upgrades it by running any command once.
 */
export function openForServe(ctx: CommandContext): Store {
  try {
    return ctx.openStore();
  } catch (error) {
    if (!existsSync(ctx.config.dbPath)) throw error;
    let store: Store;
    try {
      store = Store.open(ctx.config.dbPath, { readonly: true });
    } catch {
      throw new Error(`cannot open database ${ctx.config.dbPath}: ${errorMessage(error)}`, { cause: error });
    }
    const version = store.db.pragma('user_version', { simple: true }) as number;
    if (version < SCHEMA_VERSION) {
      store.close();
      throw new Error(
        `database ${ctx.config.dbPath} has schema ${version}, serve needs ${SCHEMA_VERSION}, and this user cannot ` +
          'upgrade it: run `backup-alert status` once as its owner',
      );
    }
    ctx.logger.warn(
      'Serve',
      `Database opened read-only (${errorMessage(error)}); API operations are not audited`,
    );
    return store;
  }
}

function waitForSignal(signals: SignalSource): { received: Promise<ForwardedSignal>; dispose: () => void } {
  let dispose = () => {};
  const received = new Promise<ForwardedSignal>((resolve) => {
    const offs = FORWARDED_SIGNALS.map((name) => signals.on(name, resolve));
    dispose = () => {
      for (const off of offs) off();
    };
  });
  return { received, dispose };
}

/**
 * `backup-alert serve [--listen HOST:PORT]`: the API and the dashboard over the local
 * SQLite until SIGTERM/SIGINT/SIGHUP, then a graceful stop (exit 0). This module is the
 * only way in to src/serve (hono): import it lazily from the command table.
 */
export async function serveCommand(
  options: ServeCommandOptions,
  ctx: CommandContext,
  signals: SignalSource,
  plugins: ServePlugins = {},
): Promise<number> {
  const problems: ConfigProblem[] = [];
  const settings = parseServeSettings(
    ctx.env,
    ctx.cwd,
    options.listen ? { listen: options.listen } : {},
    problems,
  );
  ctx.redactor.addSecrets(settings.tokens.read, settings.tokens.admin);
  for (const problem of problems) ctx.logger.warn('Serve', `${problem.variable}: ${problem.message}`);
  // Before touching the database: a refused address must not leave a new file behind.
  checkExposure(settings.listen, settings.tokens);
  let maxAgeMs: number | undefined;
  if (options.maxAge !== undefined) {
    maxAgeMs = parseDuration(options.maxAge);
    if (maxAgeMs === undefined || maxAgeMs <= 0) {
      throw new UsageError(`invalid --max-age "${options.maxAge}": use a duration like 26h or 8d`);
    }
  }
  const store = openForServe(ctx);
  const stop = waitForSignal(signals);
  let server: RunningServer | undefined;
  try {
    server = await startServer({
      listen: settings.listen,
      readModel: new SqliteReadModel(store),
      tokens: settings.tokens,
      lang: ctx.config.lang,
      now: ctx.now,
      logger: ctx.logger,
      escalateAfter: ctx.config.escalateAfter,
      ...(maxAgeMs !== undefined ? { maxAgeMs } : {}),
      ...(plugins.expect ? { expect: plugins.expect } : {}),
      ...(plugins.metricsText ? { metricsText: () => plugins.metricsText!(store) } : {}),
      ...(plugins.sendTestEmail ? { sendTestEmail: plugins.sendTestEmail } : {}),
      audit: (entry) => {
        if (!store.db.readonly)
          recordAudit(store.audit, { ...ctx, username: `${ctx.username} (api)` }, entry);
      },
    });
    const auth =
      settings.tokens.read || settings.tokens.admin ? 'bearer tokens required' : 'no token: loopback only';
    ctx.logger.info('Serve', `Listening on ${server.url} (API ${server.url}api/v1/, ${auth})`);
    plugins.onListening?.(server);
    const signal = await stop.received;
    ctx.logger.info('Serve', `${signal} received; finishing requests in flight, then stopping`);
    await server.close();
    ctx.logger.info('Serve', 'Stopped');
    return ExitCode.ok;
  } finally {
    stop.dispose();
    await server?.close();
    store.close();
  }
}
