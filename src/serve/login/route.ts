import type { Hono } from 'hono';
import { errorMessage } from '../../shared/errors.js';
import { ApiError } from '../api-errors.js';
import { readJsonObject } from '../json-body.js';
import type { ServeEnv, ServeOptions } from '../options.js';
import { USER_NAME } from './users-file.js';

const EXAMPLE = '{"username":"…","password":"…"}';

/**
 * Runbook §7.2: `POST /api/v1/auth/login {"username","password"}` → `{"token": JWT}` (what
 * `jq -r '.token'` reads). Wrong name and wrong password answer alike; every failure is
 * audited with the client's address and never the password; too many answer 429.
 */
export function loginRoutes(app: Hono<ServeEnv>, options: ServeOptions): void {
  const { logger } = options;
  const audit = async (status: 'success' | 'failure', username: string, remote: string, why: string) => {
    try {
      await options.audit?.({
        operation: 'login',
        status,
        username,
        ipAddress: remote,
        details: { via: 'api', ...(status === 'failure' ? { reason: why } : {}) },
      });
    } catch (error) {
      logger.warn('Serve', `Could not write the audit row for a login: ${errorMessage(error)}`);
    }
  };

  app.post('/api/v1/auth/login', async (c) => {
    const logins = options.logins;
    if (!logins?.enabled) {
      throw new ApiError(
        'not_implemented',
        'no users are set up on this server: add one with `backup-alert user add NAME`',
      );
    }
    const body = await readJsonObject(c, ['username', 'password'], EXAMPLE);
    const { username, password } = body;
    if (typeof username !== 'string' || typeof password !== 'string' || password.length > 1024) {
      throw new ApiError('invalid_body', `send ${EXAMPLE}`);
    }
    const remote = c.get('remote');
    // A name that could never be a user is not stored as one (it is still a failure).
    const shownName = USER_NAME.test(username) ? username : '(invalid name)';
    const outcome = await logins.login(username, password, remote);
    if (outcome.kind === 'limited') {
      await audit('failure', shownName, remote, 'rate limited');
      logger.warn('Serve', `Login for ${shownName} from ${remote} refused: too many failures`);
      c.header('Retry-After', String(outcome.retryAfterSeconds));
      throw new ApiError(
        'too_many_requests',
        `too many failed logins; try again in ${outcome.retryAfterSeconds} s`,
      );
    }
    if (outcome.kind === 'denied') {
      await audit('failure', shownName, remote, 'wrong user name or password');
      logger.warn('Serve', `Login for ${shownName} from ${remote} failed`);
      throw new ApiError('invalid_credentials', 'wrong user name or password');
    }
    await audit('success', shownName, remote, '');
    logger.info('Serve', `Login for ${shownName} (${outcome.role}) from ${remote}`);
    return c.json({
      success: true,
      token: outcome.token,
      data: { token: outcome.token, role: outcome.role, expiresAt: outcome.expiresAt },
    });
  });
}
