import { dirname } from 'node:path';
import type { ConfigProblem } from '../config/values.js';
import type { CommandContext } from '../context.js';
import type { CentreReadModel } from '../fleet/read-model.js';
import { FORWARDED_SIGNALS, type ForwardedSignal, type SignalSource } from '../runner/signals.js';
import { createLoginService, type LoginService } from '../serve/login/service.js';
import { UsersFileError, usersFilePath } from '../serve/login/users-file.js';
import type { ServeOptions } from '../serve/options.js';
import { type RunningServer, startServer } from '../serve/server.js';
import { checkExposure, parseServeSettings } from '../serve/settings.js';
import { loadTlsPair, TlsFileError, type TlsFiles, type TlsPair } from '../serve/tls.js';
import { parseDuration } from '../shared/duration.js';
import { errorMessage, UsageError } from '../shared/errors.js';
import { ExitCode } from '../shared/exit-codes.js';
import { recordAudit } from '../store/audit.js';
import type { Store } from '../store/store.js';
import { createRunStarter } from './serve-run-starter.js';
import { openServeSource, type ServeSource, ServeSourceError } from './serve-source.js';

export interface ServeCommandOptions {
  /** `--listen HOST:PORT` (default 127.0.0.1:8080). */
  listen?: string;
  /** `--tls-cert FILE --tls-key FILE`: HTTPS, the files read again on SIGHUP. */
  tlsCert?: string;
  tlsKey?: string;
  /** Like `status --max-age`: cells whose last success is older are overdue. */
  maxAge?: string;
}

/** What other modules plug in (the integrator wires them); all optional. */
export interface ServePlugins {
  /** src/metrics: the Prometheus exposition for GET /metrics, built from serve's open store. */
  metricsText?: (store: Store) => Promise<string>;
  /** The same over the centre: every host's series, each with a `host` label. */
  fleetMetricsText?: (centre: CentreReadModel) => Promise<string>;
  /** src/notify: the runbook §7.1 test e-mail for POST /api/v1/notifications/test-email. */
  sendTestEmail?: ServeOptions['sendTestEmail'];
  /** Per-type max ages; default BACKUP_ALERT_EXPECT (ctx.config.expect) over the local database. */
  expect?: ServeOptions['expect'];
  /** The named jobs POST /api/v1/backups {"job"} may start (issue 21 wires the jobs directory). */
  jobs?: () => readonly string[] | Promise<readonly string[]>;
  /** Tests: told where the server listens once it does. */
  onListening?: (server: RunningServer) => void;
}

/**
 * The users file (BACKUP_ALERT_USERS_FILE, else `users` in the config directory) and the
 * signing key beside the database. The uid picks system or user places, as for every path.
 */
function loginServiceFor(ctx: CommandContext): LoginService {
  return createLoginService({
    usersPath: usersFilePath(ctx.env, process.getuid?.()),
    stateDir: dirname(ctx.config.dbPath),
    now: ctx.now,
    logger: ctx.logger,
  });
}

/** SIGTERM/SIGINT stop serve; SIGHUP is a reload (systemd's ExecReload=kill -HUP), handled apart. */
const STOP_SIGNALS = FORWARDED_SIGNALS.filter((name) => name !== 'SIGHUP');

function waitForSignal(signals: SignalSource): { received: Promise<ForwardedSignal>; dispose: () => void } {
  let dispose = () => {};
  const received = new Promise<ForwardedSignal>((resolve) => {
    const offs = STOP_SIGNALS.map((name) => signals.on(name, resolve));
    dispose = () => {
      for (const off of offs) off();
    };
  });
  return { received, dispose };
}

/** GET /metrics from where serve reads: this host's database, or every host's at the centre. */
function metricsFor(source: ServeSource, plugins: ServePlugins): ServeOptions['metricsText'] {
  const { centre, store } = source;
  if (centre) return plugins.fleetMetricsText && (() => plugins.fleetMetricsText!(centre));
  return store && plugins.metricsText && (() => plugins.metricsText!(store));
}

/**
 * Over the local database, this host's promises (BACKUP_ALERT_EXPECT) judge every cell. Over
 * the centre each host is judged by its own promises (the centre's `hosts` table, read by the
 * read model), never by the serving host's.
 */
function expectFor(source: ServeSource, ctx: CommandContext, plugins: ServePlugins): ServeOptions['expect'] {
  if (plugins.expect) return plugins.expect;
  if (source.centre) return undefined;
  const expect: Record<string, number> = {};
  for (const [type, ms] of Object.entries(ctx.config.expect)) if (ms !== undefined) expect[type] = ms;
  return Object.keys(expect).length > 0 ? expect : undefined;
}

/**
 * SIGHUP reads the certificate and key again and swaps them in with setSecureContext: the
 * listener stays, connections open stay, new ones get the new pair. A pair that cannot be
 * used leaves the old one serving, and the log says why.
 */
function onReload(
  signals: SignalSource,
  ctx: CommandContext,
  files: TlsFiles | undefined,
  server: RunningServer,
): () => void {
  return signals.on('SIGHUP', () => {
    if (!files) {
      ctx.logger.info('Serve', 'SIGHUP received; nothing to reload (no TLS)');
      return;
    }
    loadTlsPair(files).then(
      (pair) => {
        server.reloadTls(pair);
        ctx.logger.info('Serve', `SIGHUP received; TLS certificate reloaded from ${files.certPath}`);
      },
      (error: unknown) => {
        ctx.logger.error(
          'Serve',
          `SIGHUP received; keeping the current TLS certificate: ${error instanceof TlsFileError ? error.message : errorMessage(error)}`,
        );
      },
    );
  });
}

/**
 * `backup-alert serve [--listen HOST:PORT] [--tls-cert F --tls-key F]`: the API and the
 * dashboard over the local SQLite, or over the centre when BACKUP_ALERT_DATABASE_URL is set,
 * until SIGTERM/SIGINT, then a graceful stop (exit 0); SIGHUP reloads the TLS files. A token
 * or TLS file that cannot be used stops it before it listens (exit 78). This module is the
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
    {
      ...(options.listen ? { listen: options.listen } : {}),
      ...(options.tlsCert ? { tlsCert: options.tlsCert } : {}),
      ...(options.tlsKey ? { tlsKey: options.tlsKey } : {}),
    },
    problems,
  );
  ctx.redactor.addSecrets(settings.tokens.read, settings.tokens.admin);
  for (const problem of problems) ctx.logger.warn('Serve', `${problem.variable}: ${problem.message}`);
  // The operator asked for a token: serving without it (open, on loopback) is not what they meant.
  if (settings.refused.length > 0) {
    ctx.logger.error(
      'Serve',
      `not starting: ${settings.refused.join(' and ')} cannot be used (see above); fix or unset it`,
    );
    return ExitCode.config;
  }
  let tls: TlsPair | undefined;
  if (settings.tls) {
    try {
      tls = await loadTlsPair(settings.tls);
    } catch (error) {
      if (!(error instanceof TlsFileError)) throw error;
      ctx.logger.error('Serve', `not starting: ${error.message}`);
      return ExitCode.config;
    }
  }
  let logins: LoginService;
  try {
    logins = loginServiceFor(ctx);
  } catch (error) {
    if (!(error instanceof UsersFileError)) throw error;
    ctx.logger.error('Serve', `not starting: ${error.message}`);
    return ExitCode.config;
  }
  // Before touching the database: a refused address must not leave a new file behind.
  checkExposure(settings.listen, settings.tokens, logins.enabled);
  let maxAgeMs: number | undefined;
  if (options.maxAge !== undefined) {
    maxAgeMs = parseDuration(options.maxAge);
    if (maxAgeMs === undefined || maxAgeMs <= 0) {
      throw new UsageError(`invalid --max-age "${options.maxAge}": use a duration like 26h or 8d`);
    }
  }
  let source: ServeSource;
  try {
    source = await openServeSource(ctx);
  } catch (error) {
    if (!(error instanceof ServeSourceError)) throw error;
    ctx.logger.error('Serve', error.message);
    return ExitCode.failed;
  }
  const { store } = source;
  const stop = waitForSignal(signals);
  let stopReloads = () => {};
  let server: RunningServer | undefined;
  try {
    const expect = expectFor(source, ctx, plugins);
    const metricsText = metricsFor(source, plugins);
    const timeZone = ctx.config.routing.timeZone;
    server = await startServer({
      listen: settings.listen,
      ...(tls ? { tls } : {}),
      readModel: source.readModel,
      tokens: settings.tokens,
      lang: ctx.config.lang,
      now: ctx.now,
      logger: ctx.logger,
      escalateAfter: ctx.config.escalateAfter,
      ...(maxAgeMs !== undefined ? { maxAgeMs } : {}),
      ...(expect ? { expect } : {}),
      ...(timeZone ? { timeZone } : {}),
      ...(metricsText ? { metricsText } : {}),
      ...(plugins.sendTestEmail ? { sendTestEmail: plugins.sendTestEmail } : {}),
      logins,
      ...(store && !store.db.readonly && !source.centre
        ? { startRun: createRunStarter({ store, ctx, ...(plugins.jobs ? { jobs: plugins.jobs } : {}) }) }
        : {}),
      // This host's SMTP sent it: this host's database records it (shipped with the rest).
      audit: (entry) => {
        if (!store || store.db.readonly) return;
        const actor = {
          ...ctx,
          username: entry.username ?? `${ctx.username} (api)`,
          hostname: entry.ipAddress ?? ctx.hostname,
        };
        recordAudit(store.audit, actor, { ...entry, backupId: entry.backupId ?? null });
      },
    });
    const auth =
      settings.tokens.read || settings.tokens.admin || logins.enabled
        ? 'bearer tokens required'
        : 'no token: loopback only';
    ctx.logger.info('Serve', `Listening on ${server.url} (API ${server.url}api/v1/, ${auth})`);
    stopReloads = onReload(signals, ctx, settings.tls, server);
    plugins.onListening?.(server);
    const signal = await stop.received;
    ctx.logger.info('Serve', `${signal} received; finishing requests in flight, then stopping`);
    await server.close();
    ctx.logger.info('Serve', 'Stopped');
    return ExitCode.ok;
  } finally {
    stop.dispose();
    stopReloads();
    await server?.close();
    await source.close();
  }
}
