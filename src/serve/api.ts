import type { Context, Hono } from 'hono';
import { isValidEmail } from '../config/values.js';
import { errorMessage } from '../shared/errors.js';
import { ApiError } from './api-errors.js';
import { statusReport } from './health.js';
import type { ServeEnv, ServeOptions } from './options.js';
import {
  parseBackupDetailQuery,
  parseBackupId,
  parseBackupQuery,
  parseNoQuery,
  parseNotificationQuery,
  parsePageQuery,
  parseStatusQuery,
} from './query.js';

/** `{"success":true,"data":…}`: the shape the runbook's `jq '.data.total'` reads. */
function ok(c: Context<ServeEnv>, data: unknown): Response {
  return c.json({ success: true, data });
}

/**
 * The JSON of answers the read model hands out again while nothing changed (the centre's page
 * of runs for an unchanged snapshot, read-model.ts `remember`; such values are never changed):
 * serialised once, not once per request. Held as long as the value itself is.
 */
const sharedBodies = new WeakMap<object, string>();

function okShared(c: Context<ServeEnv>, data: object): Response {
  let body = sharedBodies.get(data);
  if (body === undefined) {
    body = JSON.stringify({ success: true, data });
    sharedBodies.set(data, body);
  }
  return c.body(body, 200, { 'Content-Type': 'application/json' });
}

const searchOf = (c: Context<ServeEnv>): URLSearchParams => new URL(c.req.url).searchParams;

/** The bound on a test e-mail when the injected sender has none of its own. */
const EMAIL_TIMEOUT_MS = 60_000;

async function readEmail(c: Context<ServeEnv>): Promise<string> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new ApiError('unsupported_media_type', 'send Content-Type: application/json with {"email":"…"}');
  }
  let body: unknown;
  try {
    body = JSON.parse(await c.req.text()) as unknown;
  } catch (error) {
    // The body limit surfaces here when the body was streamed without a length.
    if (error instanceof ApiError) throw error;
    throw new ApiError('invalid_body', 'the body is not valid JSON; send {"email":"…"}');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError('invalid_body', 'send a JSON object: {"email":"…"}');
  }
  const keys = Object.keys(body);
  const email = (body as { email?: unknown }).email;
  if (keys.some((key) => key !== 'email') || typeof email !== 'string') {
    throw new ApiError('invalid_body', 'send exactly {"email":"…"}');
  }
  if (email.length > 254 || !isValidEmail(email)) {
    throw new ApiError('invalid_email', 'email is not one valid e-mail address');
  }
  return email;
}

function bounded<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The promises to judge by: with `?type=`, that type's only (its max age, and no `never` cell of another). */
function onlyType(
  expect: Readonly<Record<string, number>>,
  type: string | undefined,
): Readonly<Record<string, number>> {
  if (type === undefined) return expect;
  const ms = expect[type];
  return ms === undefined ? {} : { [type]: ms };
}

/** The runbook's API under /api/v1. Auth and limits are applied before these run (app.ts). */
export function apiRoutes(app: Hono<ServeEnv>, options: ServeOptions): void {
  const { readModel } = options;

  app.get('/api/v1/backups', async (c) =>
    okShared(c, await readModel.backups(parseBackupQuery(searchOf(c)))),
  );

  app.get('/api/v1/backups/:backupId', async (c) => {
    const { host } = parseBackupDetailQuery(searchOf(c));
    const backupId = parseBackupId(c.req.param('backupId'));
    const run = await readModel.backup(backupId, host);
    if (!run) {
      throw new ApiError('not_found', `no run with backup ID ${backupId}${host ? ` on host ${host}` : ''}`);
    }
    return ok(c, run);
  });

  app.get('/api/v1/status', async (c) => {
    const query = parseStatusQuery(searchOf(c));
    const filter: { host?: string; type?: string; job?: string } = {};
    if (query.host !== undefined) filter.host = query.host;
    if (query.type !== undefined) filter.type = query.type;
    if (query.job !== undefined) filter.job = query.job;
    const [facts, notes] = await Promise.all([readModel.statusFacts(filter), readModel.hostNotes?.()]);
    return ok(
      c,
      statusReport(facts, {
        now: options.now(),
        escalateAfter: options.escalateAfter,
        ...(options.maxAgeMs !== undefined ? { maxAgeMs: options.maxAgeMs } : {}),
        ...(query.maxAgeMs !== undefined ? { maxAgeOverrideMs: query.maxAgeMs } : {}),
        ...(options.expect ? { expect: onlyType(options.expect, filter.type) } : {}),
        ...(notes
          ? { notes: filter.host === undefined ? notes : notes.filter((n) => n.host === filter.host) }
          : {}),
      }),
    );
  });

  app.get('/api/v1/notifications', async (c) =>
    ok(c, await readModel.notifications(parseNotificationQuery(searchOf(c)))),
  );

  app.get('/api/v1/audit', async (c) => ok(c, await readModel.audit(parsePageQuery(searchOf(c)))));

  // Runbook §7.1. Admin only (checked in app.ts); audited whatever the outcome.
  app.post('/api/v1/notifications/test-email', async (c) => {
    parseNoQuery(searchOf(c));
    const send = options.sendTestEmail;
    if (!send) throw new ApiError('not_implemented', 'sending a test e-mail is not available in this server');
    const email = await readEmail(c);
    const remote = c.get('remote');
    let outcome: { ok: boolean; error?: string };
    try {
      outcome = await bounded(send(email), options.emailTimeoutMs ?? EMAIL_TIMEOUT_MS);
    } catch (error) {
      outcome = { ok: false, error: errorMessage(error) };
    }
    const error = outcome.error === undefined ? undefined : options.logger.mask(outcome.error);
    try {
      await options.audit?.({
        operation: 'test-email',
        status: outcome.ok ? 'success' : 'failure',
        details: { to: email, via: 'api', remote, ...(error ? { error } : {}) },
      });
    } catch (auditError) {
      options.logger.warn(
        'Serve',
        `Could not write the audit row for a test e-mail: ${errorMessage(auditError)}`,
      );
    }
    if (!outcome.ok) {
      options.logger.error('Serve', `Test e-mail to ${email} failed: ${error ?? 'unknown error'}`);
      throw new ApiError('email_failed', `the test e-mail was not sent: ${error ?? 'unknown error'}`);
    }
    options.logger.info('Serve', `Test e-mail sent to ${email} (requested from ${remote})`);
    return ok(c, { sent: true, email });
  });
}
