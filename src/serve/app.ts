import type { Context, Hono } from 'hono';
import { errorMessage } from '../shared/errors.js';
import { apiRoutes } from './api.js';
import { ApiError, errorBody } from './api-errors.js';
import { createAuthenticator, credentialOf, isLoopbackHostHeader } from './auth.js';
import { backupPostRoutes } from './backups-post.js';
import { jobRoutes } from './job-routes.js';
import { looksLikeJwt } from './login/jwt.js';
import { loginRoutes } from './login/route.js';
import type { ServeEnv, ServeOptions } from './options.js';
import { errorPage, pageRoutes } from './pages.js';
import { AmbiguousBackupIdError, ReadModelUnavailableError } from './read-model.js';

export const DEFAULT_MAX_BODY_BYTES = 16 * 1024;

/** Machine-readable paths answer errors in JSON; the pages answer them in HTML. */
const isMachinePath = (path: string): boolean =>
  path.startsWith('/api/') || path === '/metrics' || path === '/healthz';

const READ_METHODS = new Set(['GET', 'HEAD']);
/** Answered without a token: it is how a user gets one. */
const LOGIN_PATH = '/api/v1/auth/login';

/** Headers on every answer: nothing is cached, framed, sniffed or sent on as a referrer. */
function secure(c: Context<ServeEnv>): void {
  const headers = c.res.headers;
  headers.set('Cache-Control', 'no-store');
  headers.set('X-Content-Type-Options', 'nosniff');
  headers.set('Referrer-Policy', 'no-referrer');
  headers.set('X-Frame-Options', 'DENY');
  headers.set('Cross-Origin-Resource-Policy', 'same-origin');
  if (!headers.has('Content-Security-Policy')) {
    headers.set('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
  }
}

/**
 * The whole HTTP surface as a Hono app: limits, auth, then routes. Built per server;
 * `startServer` (server.ts) puts it behind Node's http server with its timeouts.
 */
export async function createApp(options: ServeOptions): Promise<Hono<ServeEnv>> {
  const [{ Hono }, { bodyLimit }, { HTTPException }, { routePath }] = await Promise.all([
    import('hono'),
    import('hono/body-limit'),
    import('hono/http-exception'),
    import('hono/route'),
  ]);
  const app = new Hono<ServeEnv>();
  const auth = createAuthenticator(options.tokens);
  const { logger } = options;

  const fail = (c: Context<ServeEnv>, error: ApiError): Response => {
    if (error.status === 401) {
      // Browsers prompt for Basic (the token as password); API clients know to send Bearer.
      c.header(
        'WWW-Authenticate',
        isMachinePath(c.req.path)
          ? 'Bearer realm="backup-alert"'
          : 'Basic realm="backup-alert", charset="UTF-8"',
      );
    }
    // The rest of an oversized body is not read: the connection goes with the answer.
    if (error.status === 413) c.header('Connection', 'close');
    if (!isMachinePath(c.req.path)) return errorPage(c, options, error);
    return c.json(errorBody(error.code, error.message), error.status);
  };

  app.use('*', async (c, next) => {
    const started = performance.now();
    c.set('remote', c.env?.incoming?.socket?.remoteAddress ?? 'unknown');
    await next();
    secure(c);
    const ms = performance.now() - started;
    options.observe?.(routePath(c, -1), ms);
    const status = c.res.status;
    const line = `${c.req.method} ${c.req.path} ${status} ${ms.toFixed(1)}ms from ${c.get('remote')}`;
    if (status === 401 || status === 403 || status === 421 || !READ_METHODS.has(c.req.method)) {
      logger.info('Serve', line);
    } else {
      logger.debug('Serve', line);
    }
  });

  const limitBody = bodyLimit({
    maxSize: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    onError: (c) =>
      fail(
        c,
        new ApiError(
          'payload_too_large',
          `request bodies are limited to ${options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES} bytes`,
        ),
      ),
  });
  // A GET or HEAD has no body for fetch (the adapter gives it none), so the limit has nothing
  // to check there; asking for the body builds the whole WHATWG Request with its AbortSignal,
  // which was half the CPU of a GET under load and garbage that outlived the young generation.
  app.use('*', (c, next) => (READ_METHODS.has(c.req.method) ? next() : limitBody(c, next)));

  const logins = options.logins;
  const open = auth.open && !logins?.enabled;
  /** A static token's role, else a login's (a JWT from POST /api/v1/auth/login) with its user. */
  const identify = async (header: string | undefined) => {
    const role = auth.roleOf(header);
    if (role) return { role };
    const credential = credentialOf(header);
    if (!logins || credential === undefined || !looksLikeJwt(credential)) return undefined;
    const claims = await logins.verify(credential);
    return claims && { role: claims.role, user: claims.user };
  };

  app.use('*', async (c, next) => {
    if (c.req.path === '/healthz' || c.req.path === LOGIN_PATH) return next();
    const write = !READ_METHODS.has(c.req.method);
    const who = await identify(c.req.header('authorization'));
    if (who) {
      c.set('role', who.role);
      if (who.user !== undefined) c.set('user', who.user);
    } else if (open) {
      if (!isLoopbackHostHeader(c.req.header('host'))) {
        throw new ApiError(
          'misdirected_request',
          'without a token this server answers only requests addressed to localhost, 127.0.0.1 or [::1]',
        );
      }
      c.set('role', 'open');
    } else {
      throw new ApiError(
        'unauthorized',
        logins?.enabled
          ? 'send Authorization: Bearer <a token from POST /api/v1/auth/login, or BACKUP_ALERT_API_TOKEN>'
          : 'send Authorization: Bearer <BACKUP_ALERT_API_TOKEN or BACKUP_ALERT_ADMIN_TOKEN>',
      );
    }
    if (write && c.get('role') !== 'admin') {
      throw new ApiError(
        'forbidden',
        auth.adminConfigured || logins?.enabled
          ? 'this needs an admin: the admin token (BACKUP_ALERT_ADMIN_TOKEN) or an admin login'
          : 'this needs the admin token, and BACKUP_ALERT_ADMIN_TOKEN is not set on this server',
      );
    }
    return next();
  });

  app.get('/healthz', async (c) => {
    try {
      await options.readModel.ping();
      return c.json({ success: true, data: { status: 'ok' } });
    } catch (error) {
      logger.error('Serve', `Health check failed: ${errorMessage(error)}`);
      throw new ApiError('unavailable', 'the database cannot be read');
    }
  });

  app.get('/metrics', async (c) => {
    if (!options.metricsText)
      throw new ApiError('not_implemented', 'metrics are not available in this server');
    const text = await options.metricsText();
    return c.body(text, 200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
  });

  loginRoutes(app, options);
  backupPostRoutes(app, options);
  apiRoutes(app, options);
  pageRoutes(app, options);
  jobRoutes(app, options);

  app.notFound((c) => fail(c, new ApiError('not_found', 'there is nothing at this address')));
  app.onError((error, c) => {
    if (error instanceof ApiError) return fail(c, error);
    if (error instanceof AmbiguousBackupIdError) {
      return fail(
        c,
        new ApiError(
          'ambiguous_backup_id',
          `several hosts have a run ${error.backupId} (${error.hosts.join(', ')}): add ?host=`,
        ),
      );
    }
    if (error instanceof ReadModelUnavailableError) {
      // The reason (host:port, SQLSTATE, what to run) is for the operator's log, not the caller.
      logger.error('Serve', `${c.req.method} ${c.req.path}: the database cannot be read: ${error.message}`);
      return fail(c, new ApiError('unavailable', 'the database cannot be read right now; try again later'));
    }
    if (error instanceof HTTPException && error.status === 413) {
      return fail(c, new ApiError('payload_too_large', 'the request body is too large'));
    }
    // Our fault: the detail goes to the log (masked), the caller gets a stable code only.
    logger.error('Serve', `${c.req.method} ${c.req.path} failed: ${errorMessage(error)}`);
    return fail(c, new ApiError('internal_error', 'internal error; the server log has the details'));
  });
  return app;
}
