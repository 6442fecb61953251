import type { Logger } from '../../shared/logger.js';
import { type Claims, loadSigningKey, signToken, TOKEN_LIFETIME_SECONDS, verifyToken } from './jwt.js';
import { verifyNobody, verifyPassword } from './password.js';
import { FailureLimiter } from './rate-limit.js';
import { readUsers, type UserEntry, UsersFileError } from './users-file.js';

/** Failed logins allowed per client address, and per user name, within the window. */
export const LOGIN_LIMITS = { perAddress: 10, perUser: 5, windowMs: 15 * 60_000 } as const;

export type LoginOutcome =
  | { kind: 'ok'; token: string; role: Claims['role']; expiresAt: string }
  | { kind: 'denied' }
  | { kind: 'limited'; retryAfterSeconds: number };

/** POST /api/v1/auth/login's logic, and the check of the tokens it hands out. */
export interface LoginService {
  /** The users file held at least one user when serve started: reads need a token. */
  readonly enabled: boolean;
  login(username: string, password: string, remote: string): Promise<LoginOutcome>;
  verify(token: string): Promise<Claims | undefined>;
}

export interface LoginServiceOptions {
  usersPath: string;
  /** Where the signing key lives (the database's directory). */
  stateDir: string;
  now: () => Date;
  logger: Logger;
}

/**
 * The users file is read at every login (a `user add` needs no restart); the signing key
 * once, on first use. Limits are counted in memory: a restart forgets them, which an
 * attacker cannot cause.
 */
export function createLoginService(options: LoginServiceOptions): LoginService {
  const enabled = readUsers(options.usersPath).length > 0;
  let key: Uint8Array | undefined;
  const signingKey = () => {
    key ??= loadSigningKey(options.stateDir);
    return key;
  };
  const byAddress = new FailureLimiter(LOGIN_LIMITS.perAddress, LOGIN_LIMITS.windowMs);
  const byUser = new FailureLimiter(LOGIN_LIMITS.perUser, LOGIN_LIMITS.windowMs);
  const users = (): UserEntry[] => {
    try {
      return readUsers(options.usersPath);
    } catch (error) {
      // A broken file logs in nobody, and says so where the operator looks.
      options.logger.error('Serve', error instanceof UsersFileError ? error.message : String(error));
      return [];
    }
  };
  return {
    enabled,
    async login(username, password, remote) {
      const now = options.now().getTime();
      const userKey = username.toLowerCase();
      const wait = Math.max(byAddress.retryAfter(remote, now), byUser.retryAfter(userKey, now));
      if (wait > 0) return { kind: 'limited', retryAfterSeconds: wait };
      const user = users().find((u) => u.name === username);
      const ok = user ? await verifyPassword(password, user.hash) : await verifyNobody(password);
      if (!ok || !user) {
        byAddress.fail(remote, now);
        byUser.fail(userKey, now);
        return { kind: 'denied' };
      }
      byUser.clear(userKey);
      const issued = options.now();
      const token = await signToken(signingKey(), { user: user.name, role: user.role }, issued);
      const expiresAt = new Date(issued.getTime() + TOKEN_LIFETIME_SECONDS * 1000).toISOString();
      return { kind: 'ok', token, role: user.role, expiresAt };
    },
    verify: (token) =>
      enabled ? verifyToken(signingKey(), token, options.now()) : Promise.resolve(undefined),
  };
}
